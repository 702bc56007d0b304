import { randomUUID } from 'node:crypto';
import { StoreUnavailableError, WriteConflictError } from '../errors';
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
import { expiresAt, shouldRotateId, shouldTouch } from './lifecycle';
import { TokenSigner, type VerifiedToken } from './token';

/** Attempts of one write before concurrent writers are reported as a conflict. */
const MAX_WRITE_ATTEMPTS = 16;
/** The longest pause between two attempts of one write, in milliseconds. */
const MAX_WRITE_BACKOFF = 100;
// Sessions touched by this process recently; bounded so that it can never grow with traffic.
const MAX_TOUCH_MEMORY = 50_000;

/**
 * The session lifecycle without HTTP: verify a token, load or create a record, apply a write with
 * the transforms and a compare-and-set, rotate the id on a change of identity. The middleware and
 * the API call this; it knows nothing of Express.
 */
export class SessionManager {
  readonly engine: TransformEngine;
  readonly signer: TokenSigner;
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
    this.signer = new TokenSigner(options.secrets);
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

  get store() {
    return this.options.store;
  }

  verify(token: string | undefined, now: number): VerifiedToken | undefined {
    return token === undefined ? undefined : this.signer.verify(token, now);
  }

  /** The stored record a verified token names, or undefined when the store no longer has it. */
  async load(verified: VerifiedToken): Promise<SessionRecord | undefined> {
    const record = await this.options.store.get(verified.claims.id);
    return record !== undefined && record.id === verified.claims.id ? record : undefined;
  }

  tokenFor(record: SessionRecord): string {
    return this.signer.sign({
      id: record.id,
      account: this.options.account.name,
      exp: Math.floor(expiresAt(record, this.options.maxAge) / 1000),
    });
  }

  segmentOf(record: SessionRecord | undefined): Segment {
    return segmentOf(record?.namespaces ?? this.fallbackNamespaces);
  }

  /** A new session: the creation transforms, then `seed` (query captures, carried keepAlive items), then the cascade. */
  async create(seed: NamespacesPatch, context: WriteContext): Promise<SessionRecord> {
    const now = context.now;
    const namespaces = await this.createNamespaces(seed, context);
    const record: SessionRecord = { id: newSessionId(), namespaces, version: 1, createdAt: now, lastSeen: now };
    // `ifVersion: 0`: a new id never overwrites anything, however unlikely a collision is.
    if (!(await this.options.store.set(record.id, record, { ttl: this.options.idleTimeout, ifVersion: 0 }))) {
      throw new WriteConflictError('a new session id collided with a stored one');
    }
    return record;
  }

  /** Builds the record that a session would have, without storing it (the segment API's anonymous answer). */
  async draftNamespaces(seed: NamespacesPatch, context: WriteContext): Promise<Namespaces> {
    return this.createNamespaces(seed, context);
  }

  private async createNamespaces(seed: NamespacesPatch, context: WriteContext): Promise<Namespaces> {
    const empty = Object.keys(seed).length === 0;
    if (empty && this.memoizeCreation) {
      const second = Math.floor(context.now / 1000);
      let epoch = 0;
      while (epoch < this.audienceBoundaries.length && this.audienceBoundaries[epoch] <= context.now) epoch++;
      if (this.created?.at === second && this.created.epoch === epoch) return this.created.namespaces;
      const namespaces = freezeNamespaces(await this.engine.create({}, { ...context, creating: true }));
      this.created = { at: second, epoch, namespaces };
      return namespaces;
    }
    return this.engine.create(seed, { ...context, creating: true });
  }

  /**
   * Applies a write: the patch, then the transforms to a fixpoint, then a compare-and-set on the
   * version. The loser of a race re-reads, re-applies its patch, re-runs the transforms and tries
   * again, so two concurrent writes never lose each other's items. A change of identity moves the
   * session to a new id and deletes the old record.
   */
  async write(current: SessionRecord, patch: NamespacesPatch, context: WriteContext): Promise<SessionRecord> {
    const { store, idleTimeout } = this.options;
    let base = current;
    for (let attempt = 1; ; attempt++) {
      const applied = applyPatch(base.namespaces, patch);
      const namespaces = await this.engine.cascade(applied.namespaces, applied.changed, { ...context, creating: false });
      if (namespaces === base.namespaces) return base;
      const next: SessionRecord = { ...base, namespaces, version: base.version + 1, lastSeen: context.now };
      if (await store.set(base.id, next, { ttl: idleTimeout, ifVersion: base.version })) {
        return shouldRotateId(base.namespaces, namespaces) ? this.rotate(next, context.now) : next;
      }
      if (attempt === MAX_WRITE_ATTEMPTS) {
        throw new WriteConflictError(`the session kept changing under this write (${attempt} attempts); it was not applied`);
      }
      await backoff(attempt);
      const fresh = await store.get(base.id);
      // The session expired between the read and the write: the write starts a new one.
      if (fresh === undefined) return this.create(patch, context);
      base = fresh;
    }
  }

  /** A new id for the same data: the old id may have been planted by someone else before login. */
  private async rotate(record: SessionRecord, now: number): Promise<SessionRecord> {
    const moved: SessionRecord = { ...record, id: newSessionId(), lastSeen: now };
    if (!(await this.options.store.set(moved.id, moved, { ttl: this.options.idleTimeout, ifVersion: 0 }))) {
      throw new WriteConflictError('a new session id collided with a stored one');
    }
    await this.options.store.delete(record.id);
    return moved;
  }

  /**
   * A replacement session that carries only the keepAlive items (renewal at the end of a session's
   * life), with `patch` written over them: a write that is refused then stores nothing at all.
   */
  async replace(record: SessionRecord, context: WriteContext, patch: NamespacesPatch = {}): Promise<SessionRecord> {
    const seed = keepAliveItems(record.namespaces);
    for (const ns of Object.keys(patch)) seed[ns] = { ...seed[ns], ...patch[ns] };
    const renewed = await this.create(seed, context);
    await this.options.store.delete(record.id);
    return renewed;
  }

  /** Extends the idle TTL at most once per touch interval; a failed touch only costs a later one. */
  maybeTouch(record: SessionRecord, now: number): void {
    const { touchInterval, idleTimeout, store, logger } = this.options;
    if (!shouldTouch(record, this.touched.get(record.id), touchInterval, now)) return;
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

/** Logs name a session by a short hash, never by its id or token. */
export function shortHash(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}
