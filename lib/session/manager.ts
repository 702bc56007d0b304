import { randomUUID } from 'node:crypto';
import { SessionRotatedError, SessionTooLargeError, StoreUnavailableError, WriteConflictError } from '../errors';
import {
  applyPatch,
  freezeNamespaces,
  keepAliveItems,
  type Namespaces,
  type NamespacesPatch,
  type SessionRecord,
} from '../namespaces';
import type { NormalizedOptions } from '../options';
import { segmentOf } from '../segment/derive';
import type { Segment } from '../segment/codec';
import { TransformEngine } from '../transforms/engine';
import { transformsFor } from '../transforms/builtin';
import type { WriteContext } from '../transforms/types';
import { expiresAt, isStored, shouldRotateId, shouldTouch } from './lifecycle';
import { TokenSigner, type VerifiedToken } from './token';
import { TracedStore } from '../stores/traced';
import type { SessionStore } from '../stores/store';
import { created, loaded, publish, renewed, rotated, shortHash, stored } from '../events';

/** Attempts of one write before concurrent writers are reported as a conflict. */
const MAX_WRITE_ATTEMPTS = 16;
/** The longest pause between two attempts of one write, in milliseconds. */
const MAX_WRITE_BACKOFF = 100;
// Sessions touched by this process recently; bounded so that it can never grow with traffic.
const MAX_TOUCH_MEMORY = 50_000;
/**
 * How long the pointer from a renewed or rotated session to its successor is kept: long enough for
 * the requests a visitor had in flight with the old token, which then land on the successor.
 */
const POINTER_TTL = 5 * 60 * 1000;
/** A rotation followed by a renewal is two hops; more than this is not a chain a visitor makes. */
const MAX_POINTER_HOPS = 4;

/**
 * The session lifecycle without HTTP: verify a token, load or create a record, apply a write with
 * the transforms and a compare-and-set, rotate the id on a change of identity. The middleware and
 * the API call this; it knows nothing of Express.
 */
export class SessionManager {
  readonly engine: TransformEngine;
  readonly signer: TokenSigner;
  /** The configured store, its operations published on the store TracingChannel. */
  readonly store: SessionStore;
  /** The namespaces a session holds when the store cannot be reached. */
  readonly fallbackNamespaces: Namespaces;
  private readonly touched = new Map<string, number>();
  private created?: { at: number; epoch: number; namespaces: Namespaces };
  private readonly memoizeCreation: boolean;
  /** Where an audience window opens or closes, in milliseconds, ascending. */
  private readonly audienceBoundaries: number[];

  constructor(readonly options: NormalizedOptions) {
    const transforms = transformsFor(options);
    this.engine = new TransformEngine(transforms, {
      maxRounds: options.maxRounds,
      timeout: options.transformTimeout,
      logger: options.logger,
    });
    this.signer = new TokenSigner(options.secrets, options.account.name);
    this.store = new TracedStore(options.store);
    // Built-in creation transforms depend only on the options and the clock, so a new session's
    // namespaces can be computed once a second and shared; a custom one may do anything (a random
    // id, say), and one runs at creation when it is runOnCreate or watches what the creation
    // writes (any namespace but `public` and `cookie`, which only the seed fills).
    this.memoizeCreation = !options.customTransforms.some(
      (t) => t.runOnCreate || Object.keys(t.input).some((ns) => ns !== 'public' && ns !== 'cookie'),
    );
    // The clock reaches the creation only through audience windows; a shared answer must not
    // outlive the second nor cross a boundary (a window may open at any millisecond).
    this.audienceBoundaries = options.audiences
      .flatMap((a) => [a.from, a.to])
      .filter((at): at is string => at !== undefined)
      .map((at) => Date.parse(at))
      .sort((a, b) => a - b);
    const channel = options.defaultChannel;
    this.fallbackNamespaces = freezeNamespaces({
      account: { id: { value: options.account.id, keepAlive: true }, accountName: { value: options.account.name } },
      store: {
        channel: { value: channel.id },
        countryCode: { value: channel.countryCode },
        cultureInfo: { value: channel.cultureInfo },
        currencyCode: { value: channel.currencyCode },
        currencySymbol: { value: channel.currencySymbol },
        channelPrivacy: { value: channel.privacy },
        ...(channel.admin_cultureInfo ? { admin_cultureInfo: { value: channel.admin_cultureInfo } } : {}),
      },
      impersonate: { canImpersonate: { value: 'false' } },
      profile: { isAuthenticated: { value: 'false' } },
    });
  }


  verify(token: string | undefined, now: number): VerifiedToken | undefined {
    return token === undefined ? undefined : this.signer.verify(token, now);
  }

  /**
   * The session a verified token names: computed for a never-written one (no store operation),
   * else the stored record, following a renewal's or a rotation's pointer to its successor.
   * Undefined when the store no longer has it.
   */
  async load(verified: VerifiedToken, context: WriteContext): Promise<SessionRecord | undefined> {
    const { claims } = verified;
    if (claims.stored === false) return this.unstored(claims.id, claims.iat * 1000, context);
    const record = await this.store.get(claims.id);
    if (record === undefined || record.id !== claims.id) return undefined;
    const current = await this.latest(record);
    if (current !== undefined) publish(loaded, () => ({ session: shortHash(current.id), version: current.version }));
    return current;
  }

  tokenFor(record: SessionRecord): string {
    const exp = Math.floor(expiresAt(record, this.options.maxAge) / 1000);
    if (isStored(record)) return this.signer.sign({ id: record.id, exp });
    // The creation time of a never-written session lives only in its token.
    return this.signer.sign({ id: record.id, exp, iat: record.createdAt / 1000, stored: false });
  }

  segmentOf(record: SessionRecord | undefined): Segment {
    return segmentOf(record?.namespaces ?? this.fallbackNamespaces);
  }

  /**
   * A new session. Without a seed it is not stored: its namespaces are what the creation computes,
   * and its token says so. With one (query captures, carried keepAlive items) it is stored now.
   */
  async create(seed: NamespacesPatch, context: WriteContext): Promise<SessionRecord> {
    const now = context.now;
    if (isEmptyPatch(seed)) {
      const unstored = await this.unstored(newSessionId(), Math.floor(now / 1000) * 1000, context);
      publish(created, () => ({ session: shortHash(unstored.id), stored: false }));
      return unstored;
    }
    const namespaces = await this.engine.create(seed, { ...context, creating: true });
    this.checkSize(namespaces);
    const record: SessionRecord = { id: newSessionId(), namespaces, version: 1, createdAt: now, lastSeen: now };
    // `ifVersion: 0`: a new id never overwrites anything, however unlikely a collision is.
    if (!(await this.store.set(record.id, record, { ttl: this.options.idleTimeout, ifVersion: 0 }))) {
      throw new WriteConflictError('a new session id collided with a stored one');
    }
    publish(created, () => ({ session: shortHash(record.id), stored: true }));
    return record;
  }

  /** Builds the record that a session would have, without storing it (the segment API's anonymous answer). */
  async draftNamespaces(seed: NamespacesPatch, context: WriteContext): Promise<Namespaces> {
    return isEmptyPatch(seed) ? this.createNamespaces(context) : this.engine.create(seed, { ...context, creating: true });
  }

  /** A session that is not in the store: version 0, its namespaces computed by the creation. */
  private async unstored(id: string, createdAt: number, context: WriteContext): Promise<SessionRecord> {
    return { id, namespaces: await this.createNamespaces(context), version: 0, createdAt, lastSeen: createdAt };
  }

  private async createNamespaces(context: WriteContext): Promise<Namespaces> {
    if (!this.memoizeCreation) return this.engine.create({}, { ...context, creating: true });
    const second = Math.floor(context.now / 1000);
    let epoch = 0;
    while (epoch < this.audienceBoundaries.length && this.audienceBoundaries[epoch] <= context.now) epoch++;
    if (this.created?.at === second && this.created.epoch === epoch) return this.created.namespaces;
    const namespaces = freezeNamespaces(await this.engine.create({}, { ...context, creating: true }));
    this.created = { at: second, epoch, namespaces };
    return namespaces;
  }

  /**
   * Applies a write: the patch, then the transforms to a fixpoint, then a compare-and-set on the
   * version (a never-written session's first write is the one whose `ifVersion: 0` lands). The
   * loser of a race re-reads, re-applies its patch, re-runs the transforms and tries again, so two
   * concurrent writes never lose each other's items. A change of identity moves the session to a
   * new id, leaving a pointer behind for the requests still holding the old token.
   */
  async write(current: SessionRecord, patch: NamespacesPatch, context: WriteContext): Promise<SessionRecord> {
    const { store } = this;
    const { idleTimeout } = this.options;
    let base = current;
    for (let attempt = 1; ; attempt++) {
      const applied = applyPatch(base.namespaces, patch);
      const namespaces = await this.engine.cascade(applied.namespaces, applied.changed, { ...context, creating: false });
      if (namespaces === base.namespaces) return base;
      this.checkSize(namespaces);
      if (shouldRotateId(base.namespaces, namespaces)) {
        const moved = await this.moveTo(base, namespaces, base.createdAt, context.now, true);
        if (moved !== undefined) return moved;
      } else {
        const next: SessionRecord = { id: base.id, namespaces, version: base.version + 1, createdAt: base.createdAt, lastSeen: context.now };
        if (await store.set(base.id, next, { ttl: idleTimeout, ifVersion: base.version })) {
          if (!isStored(base)) publish(stored, () => ({ session: shortHash(next.id) }));
          return next;
        }
      }
      if (attempt === MAX_WRITE_ATTEMPTS) {
        throw new WriteConflictError(`the session kept changing under this write (${attempt} attempts); it was not applied`);
      }
      await backoff(attempt);
      const fresh = await this.reread(base.id);
      // The session expired between the read and the write: the write starts a new one.
      if (fresh === undefined) return this.create(patch, context);
      base = fresh;
    }
  }

  /**
   * The replacement at the end of a session's life: a new session carrying only the keepAlive
   * items, with `patch` written over them (a write that is refused then stores nothing at all).
   * Concurrent renewals of one visitor converge: the first to leave its pointer on the old record
   * wins, and the others write their patch to its successor.
   */
  async renew(record: SessionRecord, context: WriteContext, patch: NamespacesPatch = {}): Promise<SessionRecord> {
    let old = record;
    for (let attempt = 1; ; attempt++) {
      const seed = keepAliveItems(old.namespaces);
      for (const ns of Object.keys(patch)) seed[ns] = { ...seed[ns], ...patch[ns] };
      const namespaces = await this.engine.create(seed, { ...context, creating: true });
      this.checkSize(namespaces);
      const renewed = await this.moveTo(old, namespaces, context.now, context.now, false);
      if (renewed !== undefined) return renewed;
      if (attempt === MAX_WRITE_ATTEMPTS) {
        throw new WriteConflictError(`the session kept changing under this renewal (${attempt} attempts); it was not applied`);
      }
      const fresh = await this.store.get(old.id);
      if (fresh === undefined) return this.create(seed, context);
      // Another request renewed or rotated it first: this one's write goes to that successor.
      if (fresh.successor !== undefined) {
        const successor = await this.latest(fresh);
        return successor === undefined ? this.create(seed, context) : this.write(successor, patch, context);
      }
      old = fresh;
    }
  }

  /**
   * Stores `namespaces` under a new id, then leaves on the old record a pointer to it, by
   * compare-and-set: undefined (and the new record removed) when the old record changed first.
   * The pointer lives a short while, for the requests already on their way with the old token.
   */
  private async moveTo(base: SessionRecord, namespaces: Namespaces, createdAt: number, now: number, rotatedMove: boolean): Promise<SessionRecord | undefined> {
    const { store } = this;
    const { idleTimeout } = this.options;
    const successor: SessionRecord = { id: newSessionId(), namespaces, version: 1, createdAt, lastSeen: now };
    if (!(await store.set(successor.id, successor, { ttl: idleTimeout, ifVersion: 0 }))) {
      throw new WriteConflictError('a new session id collided with a stored one');
    }
    const pointer: SessionRecord = {
      id: base.id,
      namespaces: {},
      version: base.version + 1,
      createdAt: base.createdAt,
      lastSeen: now,
      successor: successor.id,
      ...(rotatedMove ? { rotated: true as const } : {}),
    };
    const ttl = Math.min(idleTimeout, POINTER_TTL);
    if (await store.set(base.id, pointer, { ttl, ifVersion: base.version })) {
      publish(rotatedMove ? rotated : renewed, () => ({ session: shortHash(base.id), successor: shortHash(successor.id) }));
      return successor;
    }
    await store.delete(successor.id);
    return undefined;
  }

  /**
   * The record at the end of a chain of renewals. A rotation's pointer is not followed: the token
   * that names it is refused (SessionRotatedError), so that it neither opens the successor nor
   * starts a session whose cookie would replace the successor's in the browser.
   */
  private async latest(record: SessionRecord): Promise<SessionRecord | undefined> {
    let current = record;
    for (let hop = 0; current.successor !== undefined; hop++) {
      if (current.rotated) throw new SessionRotatedError();
      if (hop === MAX_POINTER_HOPS) return undefined;
      const next = await this.store.get(current.successor);
      if (next === undefined) return undefined;
      current = next;
    }
    return current;
  }

  private async reread(id: string): Promise<SessionRecord | undefined> {
    const fresh = await this.store.get(id);
    return fresh === undefined ? undefined : this.latest(fresh);
  }

  /** A session's stored JSON is bounded, so that no client can grow one without limit, write by write. */
  private checkSize(namespaces: Namespaces): void {
    const limit = this.options.limits.sessionSize;
    const json = JSON.stringify(namespaces);
    // A JSON string holds at most 3 bytes per UTF-16 unit; most are short enough to skip the count.
    if (json.length * 3 <= limit) return;
    const size = Buffer.byteLength(json);
    if (size > limit) {
      throw new SessionTooLargeError(`this write would make the session ${size} bytes, over its limit of ${limit} bytes; nothing was written`);
    }
  }

  /** Extends the idle TTL at most once per touch interval; a failed touch only costs a later one. */
  maybeTouch(record: SessionRecord, now: number): void {
    const { store } = this;
    const { touchInterval, idleTimeout, logger } = this.options;
    if (!isStored(record) || !shouldTouch(record, this.touched.get(record.id), touchInterval, now)) return;
    if (this.touched.size >= MAX_TOUCH_MEMORY) this.touched.clear();
    this.touched.set(record.id, now);
    store.touch(record.id, idleTimeout).catch((error: unknown) => {
      this.touched.delete(record.id);
      logger.error('session touch failed', { session: shortHash(record.id), error: (error as Error)?.message });
    });
  }

  /** Whether an error means the store is unreachable (as opposed to a bug or a refusal). */
  static isStoreFailure(error: unknown): error is StoreUnavailableError {
    return error instanceof StoreUnavailableError;
  }
}

function isEmptyPatch(patch: NamespacesPatch): boolean {
  for (const ns in patch) if (Object.keys(patch[ns]).length > 0) return false;
  return true;
}

/**
 * The pause before a write retries. The losers of one compare-and-set would otherwise re-read and
 * collide again in lockstep, each round letting one writer through; a random pause that grows
 * with every loss spreads them out. The first retry is immediate: two writers need no more.
 */
function backoff(attempt: number): Promise<void> {
  if (attempt < 2) return Promise.resolve();
  const ms = Math.random() * Math.min(MAX_WRITE_BACKOFF, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A random UUID (122 bits from the CSPRNG), copied into a flat string: the one randomUUID returns
 * keeps about 490 bytes of heap alive until flattened, which would be paid once per stored session.
 */
export function newSessionId(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}

export { shortHash } from '../events';
