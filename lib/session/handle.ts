import { SessionRotatedError, StoreUnavailableError } from '../errors';
import { getValue, type JsonValue, type Namespaces, type NamespacesPatch } from '../namespaces';
import type { Segment } from '../segment/codec';
import type { RequestSession } from './request';

/** What `req.vtexSession` is. */
export interface VtexSession {
  /** The session id (the `id` of the token's payload and of the API view). */
  readonly id: string;
  /** A read-only view: `{ ns: { key: { value, keepAlive? } } }`. */
  readonly namespaces: Readonly<Namespaces>;
  readonly version: number;
  /** True when the store could not be reached and the request runs on the default segment. */
  readonly degraded: boolean;
  get(ns: string, key: string): JsonValue | undefined;
  /**
   * A server-side write to any namespace: runs the transforms, persists, refreshes
   * `req.vtexSegment` and sets the cookies if the headers are not yet sent.
   */
  patch(changes: NamespacesPatch): Promise<void>;
}

/**
 * `req.vtexSession`: a thin view over the request's session. Getters read the current record, so
 * the handle stays right after a write or an id rotation.
 */
export class SessionHandle implements VtexSession {
  constructor(
    private readonly session: RequestSession,
    private readonly onSegment: (segment: Segment) => void,
  ) {}

  get id(): string {
    return this.session.record?.id ?? this.session.tokenId ?? '';
  }

  get namespaces(): Readonly<Namespaces> {
    return this.session.record?.namespaces ?? this.session.manager.fallbackNamespaces;
  }

  get version(): number {
    return this.session.record?.version ?? 0;
  }

  get degraded(): boolean {
    return this.session.degraded;
  }

  get(ns: string, key: string): JsonValue | undefined {
    return getValue(this.namespaces, ns, key);
  }

  async patch(changes: NamespacesPatch): Promise<void> {
    assertPatch(changes);
    if (this.session.degraded) {
      throw new StoreUnavailableError('the session store is unavailable: this request runs on the default segment and cannot write');
    }
    if (this.session.superseded) throw new SessionRotatedError();
    await this.session.write(changes);
    const segment = this.session.segment();
    this.onSegment(segment);
    this.session.commitCookies(segment);
  }

  toJSON(): { id: string; namespaces: Readonly<Namespaces>; version: number } {
    return { id: this.id, namespaces: this.namespaces, version: this.version };
  }
}

function assertPatch(changes: unknown): asserts changes is NamespacesPatch {
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
    throw new TypeError('vtexSession.patch expects { namespace: { key: { value } } }');
  }
  for (const [ns, items] of Object.entries(changes)) {
    if (items === null || typeof items !== 'object' || Array.isArray(items)) {
      throw new TypeError(`vtexSession.patch: namespace ${ns} must be an object of items`);
    }
    for (const [key, item] of Object.entries(items)) {
      if (item === null || typeof item !== 'object' || !('value' in item)) {
        throw new TypeError(`vtexSession.patch: item ${ns}.${key} must be { value }`);
      }
    }
  }
}
