import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * The `vtex_session` token: a JWT signed HS256 with our secret. VTEX signs ES256 with its own keys;
 * its clients decode the payload without verifying it to read `id`, so the payload keeps VTEX's
 * claims (`id`, `account`, `sub: "session"`, `iat`, `exp`, `jti`).
 */
export interface SessionClaims {
  id: string;
  account: string;
  sub: 'session';
  /** Seconds since the epoch. */
  iat: number;
  /** Seconds since the epoch: the session's absolute end. */
  exp: number;
  jti: string;
  /**
   * `false` on the token of a session that was never written, and so is not in the store: its
   * requests cost no store operation. Absent once the session is stored.
   */
  stored?: false;
}

export type VerifiedToken = { claims: SessionClaims; /** Signed with a secret other than the first: re-sign. */ stale: boolean };

// The only header we issue and the only one we accept: comparing the encoded header as a whole
// refuses `alg: none`, other algorithms and `kid` games before any crypto runs.
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const HEADER_PREFIX = `${HEADER}.`;
// A JWT of ours is a few hundred characters; anything much longer is not worth hashing.
const MAX_TOKEN_LENGTH = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// The one spelling of a 32-byte signature in unpadded base64url: 43 characters, the last holding 4
// bits and two zero bits. Node's decoder skips characters outside the alphabet and ignores those
// low bits, so without this a signature had many spellings (a trailing NUL, space or line break
// included), and the token the client sent, echoed back into Set-Cookie, could make it throw.
const SIGNATURE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
/**
 * Tokens already verified, by their exact spelling. A returning visitor sends the same token with
 * every request; checking it again costs an HMAC, a base64 decode and a JSON parse, a large part
 * of what the session layer adds to a page view. Only tokens that passed are kept, the expiry is
 * checked on every use, and the bound keeps the cache small.
 */
const VERIFIED_TOKENS = 4096;

export class TokenSigner {
  private readonly keys: Buffer[];
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: VERIFIED_TOKENS });

  /**
   * `secrets[0]` signs; every secret verifies, so that a rotation does not log anyone out. Only
   * tokens of `account` are accepted: several shops may share a secret and a store.
   */
  constructor(
    secrets: readonly string[],
    private readonly account: string,
  ) {
    this.keys = secrets.map((secret) => Buffer.from(secret, 'utf8'));
  }

  sign(claims: Omit<SessionClaims, 'sub' | 'jti' | 'iat' | 'account'> & { iat?: number }): string {
    const payload: SessionClaims = {
      id: claims.id,
      account: this.account,
      sub: 'session',
      iat: claims.iat ?? Math.floor(Date.now() / 1000),
      exp: claims.exp,
      jti: randomToken(),
    };
    if (claims.stored === false) payload.stored = false;
    const body = `${HEADER_PREFIX}${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    // Straight to base64url: a Buffer for the signature would only be encoded and dropped.
    return `${body}.${createHmac('sha256', this.keys[0]).update(body).digest('base64url')}`;
  }

  /**
   * Verifies the header, the signature (in constant time, against every key) and the expiry.
   * Answers undefined for anything else: a bad token is never an error, only a new session.
   */
  verify(token: string | undefined, now = Date.now()): VerifiedToken | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (!expired(known.claims, now)) return known;
      this.verified.delete(token);
      return undefined;
    }
    const verified = this.check(token, now);
    // A token cut from a Cookie header shares that header's memory: the kept key is a copy of its own.
    if (verified !== undefined) this.verified.set(Buffer.from(token, 'latin1').toString('latin1'), verified);
    return verified;
  }

  private check(token: string, now: number): VerifiedToken | undefined {
    if (!token.startsWith(HEADER_PREFIX)) return undefined;
    const dot = token.indexOf('.', HEADER_PREFIX.length);
    if (dot < 0 || token.indexOf('.', dot + 1) >= 0) return undefined;
    const body = token.slice(0, dot);
    const encoded = token.slice(dot + 1);
    if (!SIGNATURE.test(encoded)) return undefined;
    // SIGNATURE admits exactly the spellings of 32 bytes, the length of an HMAC-SHA256.
    const received = Buffer.from(encoded, 'base64url');
    let keyIndex = -1;
    for (let i = 0; i < this.keys.length; i++) {
      if (timingSafeEqual(hmac(this.keys[i], body), received)) {
        keyIndex = i;
        break;
      }
    }
    if (keyIndex < 0) return undefined;
    const claims = parseClaims(body.slice(HEADER_PREFIX.length));
    if (claims === undefined || expired(claims, now) || claims.account !== this.account) return undefined;
    // Shared by every request that sends this token: nobody may change it.
    return Object.freeze({ claims: Object.freeze(claims), stale: keyIndex > 0 });
  }
}

/** HMAC-SHA256 of a token's `header.payload`, as RFC 7518 section 3.2 defines HS256. */
function hmac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

// A `jti` needs 12 random bytes; a call to the CSPRNG for each costs more than the rest of the
// token. Drawing them from a pool refilled from the CSPRNG, as crypto.randomUUID does, costs a copy.
const JTI_BYTES = 12;
const entropy = Buffer.alloc(JTI_BYTES * 256);
let entropyAt = entropy.length;

function randomToken(): string {
  if (entropyAt === entropy.length) {
    randomFillSync(entropy);
    entropyAt = 0;
  }
  const token = entropy.toString('base64url', entropyAt, entropyAt + JTI_BYTES);
  entropyAt += JTI_BYTES;
  return token;
}

/** `exp` is in seconds; the token is dead from that instant on. */
const expired = (claims: SessionClaims, now: number): boolean => claims.exp * 1000 <= now;

function parseClaims(encoded: string): SessionClaims | undefined {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (claims === null || typeof claims !== 'object') return undefined;
  const c = claims as Record<string, unknown>;
  if (typeof c.id !== 'string' || !UUID.test(c.id) || c.sub !== 'session') return undefined;
  if (typeof c.exp !== 'number' || typeof c.iat !== 'number' || typeof c.account !== 'string') return undefined;
  if (c.stored !== undefined && c.stored !== false) return undefined;
  return c as unknown as SessionClaims;
}

/** Reads the payload without verifying it, as VTEX's own clients do; for tests and tooling. */
export function decodeSessionToken(token: string): Partial<SessionClaims> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
