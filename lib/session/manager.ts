import { SessionTooLargeError, StoreUnavailableError, WriteConflictError } from '../errors';
import {
  applyPatch,
  freezeNamespaces,
  isEmptyPatch,
  keepAliveItems,
  type Namespaces,
  type NamespacesPatch,
  type SessionRecord,
} from '../namespaces';
import { segmentOf } from '../segment/derive';
import type { Segment } from '../segment/codec';
import { TransformEngine, type EngineLogger } from '../transforms/engine';
import { channelStoreItems, type Channel } from '../transforms/builtin/store';
import type { Transform, WriteContext } from '../transforms/types';
import { expiresAt, isStored, shouldRotateId, shouldTouch } from './lifecycle';
import { latest, moveTo, newSessionId, storeNew } from './succession';
import { TokenSigner, type VerifiedToken } from './token';
import { TracedStore } from '../stores/traced';
import type { SessionStore } from '../stores/store';
import { created, loaded, publish, shortHash, stored } from '../events';
import { andThen, type MaybePromise } from '../maybe';

/** Attempts of one write before concurrent writers are reported as a conflict. */
const MAX_WRITE_ATTEMPTS = 16;
/** The longest pause between two attempts of one write, in milliseconds. */
const MAX_WRITE_BACKOFF = 100;
// Sessions touched by this process recently; bounded so that it can never grow with traffic.
const MAX_TOUCH_MEMORY = 50_000;

/** What the session lifecycle is built from: the middleware assembles it from the normalised options. */
export interface ManagerSettings {
  /** The first signs; all verify. */
  secrets: readonly string[];
  account: { name: string; id: string };
  /** The channel of a session the store cannot give. */
  defaultChannel: Channel;
  /** The store, bounded in time by the caller. */
  store: SessionStore;
  /** Every transform: the built-in ones, then the application's. */
  transforms: readonly Transform[];
  /** The application's own transforms (they decide whether a new session's namespaces can be shared). */
  customTransforms: readonly Transform[];
  /** Audience windows: where the namespaces of a new session may change with the clock. */
  audiences: ReadonlyArray<{ from?: string; to?: string }>;
  maxAge: number;
  idleTimeout: number;
  touchInterval: number;
  maxRounds: number;
  transformTimeout: number;
  limits: { sessionSize: number };
  logger: EngineLogger;
}

/**
 * The session lifecycle without HTTP: verify a token, load or create a record, apply a write with
 * the transforms and a compare-and-set, rotate the id on a change of identity. The middleware and
 * the API call this; it knows nothing of Express.
 */
export class SessionManager {
  readonly engine: TransformEngine;
  readonly signer: TokenSigner;
  /** The configured store, its operations published on the store TracingChannel. */
  readonly store: TracedStore;
  /** The namespaces a session holds when the store cannot be reached. */
  readonly fallbackNamespaces: Namespaces;
  private readonly touched = new Map<string, number>();
  private created?: { at: number; epoch: number; namespaces: Namespaces };
  private readonly memoizeCreation: boolean;
  /** Where an audience window opens or closes, in milliseconds, ascending. */
  private readonly audienceBoundaries: number[];

  constructor(readonly options: ManagerSettings) {
    this.engine = new TransformEngine([...options.transforms], {
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
      store: channelStoreItems(channel),
      impersonate: { canImpersonate: { value: 'false' } },
      profile: { isAuthenticated: { value: 'false' } },
    });
  }

  verify(token: string | undefined, now: number): VerifiedToken | undefined {
    return token === undefined ? undefined : this.signer.verify(token, now);
  }

  /**
   * The session a verified token names: computed for a never-written one (no store operation),
   * unless `unstoredMayBeStored` asks whether a concurrent first write stored it meanwhile (one
   * read: the API does, so that a client still holding the first token reads what it wrote), else
   * the stored record, following a renewal's or a rotation's pointer to its successor.
   * Undefined when the store no longer has it.
   */
  load(verified: VerifiedToken, now: number, context: () => WriteContext, { unstoredMayBeStored = false } = {}): MaybePromise<SessionRecord | undefined> {
    const { claims } = verified;
    if (claims.stored === false && !unstoredMayBeStored) return this.unstored(claims.id, claims.iat * 1000, now, context);
    return andThen(this.store.read(claims.id), (record) => {
      if (claims.stored === false && (record === undefined || record.id !== claims.id)) return this.unstored(claims.id, claims.iat * 1000, now, context);
      if (record === undefined || record.id !== claims.id) return undefined;
      return andThen(latest(this.store, record), (current) => {
        if (current !== undefined) publish(loaded, () => ({ session: shortHash(current.id), version: current.version }));
        return current;
      });
    });
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
  create(seed: NamespacesPatch, context: WriteContext): MaybePromise<SessionRecord> {
    if (!isEmptyPatch(seed)) return this.createStored(seed, context);
    return andThen(this.unstored(newSessionId(), Math.floor(context.now / 1000) * 1000, context.now, () => context), (unstored) => {
      publish(created, () => ({ session: shortHash(unstored.id), stored: false }));
      return unstored;
    });
  }

  private async createStored(seed: NamespacesPatch, context: WriteContext): Promise<SessionRecord> {
    const now = context.now;
    const namespaces = await this.engine.create(seed, { ...context, creating: true });
    this.checkSize(namespaces);
    const record = await storeNew(this.store, namespaces, now, now, this.options.idleTimeout);
    publish(created, () => ({ session: shortHash(record.id), stored: true }));
    return record;
  }

  /** A session that is not in the store: version 0, its namespaces computed by the creation. */
  private unstored(id: string, createdAt: number, now: number, context: () => WriteContext): MaybePromise<SessionRecord> {
    return andThen(this.createNamespaces(now, context), (namespaces) => ({ id, namespaces, version: 0, createdAt, lastSeen: createdAt }));
  }

  /** What the creation computes, shared for a second by every new session when nothing else can change it. */
  private createNamespaces(now: number, context: () => WriteContext): MaybePromise<Namespaces> {
    if (!this.memoizeCreation) return this.engine.create({}, { ...context(), creating: true });
    const second = Math.floor(now / 1000);
    let epoch = 0;
    while (epoch < this.audienceBoundaries.length && this.audienceBoundaries[epoch] <= now) epoch++;
    if (this.created?.at === second && this.created.epoch === epoch) return this.created.namespaces;
    return this.engine.create({}, { ...context(), creating: true }).then((computed) => {
      const namespaces = freezeNamespaces(computed);
      this.created = { at: second, epoch, namespaces };
      return namespaces;
    });
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
        const moved = await moveTo(this.store, { from: base, namespaces, createdAt: base.createdAt, now: context.now, idleTimeout, rotated: true });
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
      const renewed = await moveTo(this.store, { from: old, namespaces, createdAt: context.now, now: context.now, idleTimeout: this.options.idleTimeout, rotated: false });
      if (renewed !== undefined) return renewed;
      if (attempt === MAX_WRITE_ATTEMPTS) {
        throw new WriteConflictError(`the session kept changing under this renewal (${attempt} attempts); it was not applied`);
      }
      const fresh = await this.store.get(old.id);
      if (fresh === undefined) return this.create(seed, context);
      // Another request renewed or rotated it first: this one's write goes to that successor.
      if (fresh.successor !== undefined) {
        const successor = await latest(this.store, fresh);
        return successor === undefined ? this.create(seed, context) : this.write(successor, patch, context);
      }
      old = fresh;
    }
  }

  private async reread(id: string): Promise<SessionRecord | undefined> {
    const fresh = await this.store.get(id);
    return fresh === undefined ? undefined : latest(this.store, fresh);
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
