import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { runInNewContext, runInThisContext } from 'node:vm';
import type { Express } from 'express';
import { LruSessionStore, decodeSessionToken, type SessionOptions, type SessionRecord, type SessionStore, type SetOptions } from '../../lib';

/**
 * Helpers for hostile-input and load tests: one real HTTP server per file (much cheaper than a
 * server per request), a store whose contents can be read and compared, hand-made tokens, and
 * watchers for what must never happen to the process.
 */

/**
 * A storefront with every built-in transform at work (three channels, one private; a region table;
 * two audiences; a profile resolver), so that hostile writes reach every derived namespace.
 */
export function storefrontOptions(store: SessionStore): SessionOptions {
  return {
    store,
    channels: {
      '1': { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR', supportedLocales: ['pt-BR', 'en-US'] },
      '2': { currencyCode: 'USD', currencySymbol: '$', countryCode: 'USA', cultureInfo: 'en-US' },
      '3': { currencyCode: 'BRL', currencySymbol: 'R$', countryCode: 'BRA', cultureInfo: 'pt-BR', privacy: 'private' },
    },
    regions: { BRA: [{ from: '01000000', to: '09999999', sellers: ['sp1', 'sp2'] }] },
    audiences: [
      { id: 'newsletter', utm_source: ['newsletter'] },
      { id: 'sao-paulo', postalCodes: [{ country: 'BRA', from: '01000000', to: '09999999' }] },
    ],
    profiles: ({ email }) => (email?.endsWith('@b2b.example') ? { email, priceTables: ['gold'] } : undefined),
    // So that a hostile public.storeUserEmail reaches the profile transform too.
    anonymousPriceTables: true,
  };
}

/** The public keys the built-in transforms read: hostile values for them reach every transform. */
export const TRANSFORM_INPUTS = [
  'utm_source', 'utm_campaign', 'utmi_cp', 'utmi_campaign', 'sc', 'cultureInfo', 'locale', 'country', 'postalCode',
  'geoCoordinates', 'regionId', 'facets', 'storeUserEmail', 'vtex-impersonated-customer-email',
];

/** Namespaces a client's write may change: `public` and what the built-in transforms derive from it. */
export const CLIENT_DERIVED = new Set(['public', 'checkout', 'rnb', 'store', 'search', 'profile']);

export interface RunningServer {
  /** `http://127.0.0.1:<port>`, for supertest or plain http clients. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(app: Express): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.keepAliveTimeout = 30_000;
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * The in-process store, with a readable copy of what it holds (id → JSON of the record as the last
 * successful write left it) and a log of every operation. Still an LruSessionStore, so the
 * middleware uses it exactly as it uses the default store.
 */
export class RecordingStore extends LruSessionStore {
  private readonly contents = new Map<string, string>();
  readonly log: Array<{ op: 'get' | 'set' | 'delete' | 'touch'; id: string }> = [];

  constructor(max = 100_000) {
    super({ max });
  }

  override async get(id: string): Promise<SessionRecord | undefined> {
    this.log.push({ op: 'get', id });
    return super.get(id);
  }

  override async set(id: string, record: SessionRecord, options: SetOptions): Promise<boolean> {
    const written = await super.set(id, record, options);
    if (written) {
      this.contents.set(id, JSON.stringify(record));
      this.log.push({ op: 'set', id });
    }
    return written;
  }

  override async delete(id: string): Promise<void> {
    this.contents.delete(id);
    this.log.push({ op: 'delete', id });
    return super.delete(id);
  }

  override async touch(id: string, ttl: number): Promise<void> {
    this.log.push({ op: 'touch', id });
    return super.touch(id, ttl);
  }

  /** What is stored now, as JSON text per id: compare two snapshots with toEqual. */
  snapshot(): Map<string, string> {
    return new Map(this.contents);
  }

  /** A stored record, as it was written (a copy). */
  read(id: string): SessionRecord | undefined {
    const json = this.contents.get(id);
    return json === undefined ? undefined : JSON.parse(json);
  }

  ids(): string[] {
    return [...this.contents.keys()];
  }

  /** Operations logged since `mark` (a length of `log` taken earlier). */
  since(mark: number, op?: 'get' | 'set' | 'delete' | 'touch') {
    return this.log.slice(mark).filter((entry) => op === undefined || entry.op === op);
  }
}

/** The ids whose stored record a request added, removed or changed. */
export function storeChanges(before: Map<string, string>, after: Map<string, string>) {
  const added = [...after.keys()].filter((id) => !before.has(id));
  const removed = [...before.keys()].filter((id) => !after.has(id));
  const changed = [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id));
  return { added, removed, changed };
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWT made by hand, so that tests can forge what a client could: any header, payload and key. */
export function signJwt(header: object, payload: object, secret: string | undefined): string {
  const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = secret === undefined ? '' : createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${signature}`;
}

/** The claims a session token of ours carries, for a given id and expiry (seconds). */
export function sessionClaims(id: string, exp: number, account = 'store') {
  return { id, account, sub: 'session', iat: Math.floor(Date.now() / 1000), exp, jti: 'forged' };
}

/**
 * Records what must never happen while hostile requests run: an unhandled rejection or an uncaught
 * exception anywhere in the process. Call `stop()` at the end and assert the list is empty.
 *
 * The listeners go on the process itself: a test file runs in its own context, whose `process`
 * is a stand-in that never hears of these events.
 */
export function watchProcess() {
  const real = runInThisContext('process') as NodeJS.Process;
  const events: string[] = [];
  const onRejection = (reason: unknown) => void events.push(`unhandledRejection: ${(reason as Error)?.stack ?? String(reason)}`);
  const onException = (error: Error) => void events.push(`uncaughtException: ${error?.stack ?? String(error)}`);
  real.on('unhandledRejection', onRejection);
  real.on('uncaughtException', onException);
  return {
    events,
    stop() {
      real.off('unhandledRejection', onRejection);
      real.off('uncaughtException', onException);
      return events;
    },
  };
}

const PROTOTYPES: Array<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

/** Own keys of the built-in prototypes now, to tell later whether anything was added to them. */
export function prototypeGuard() {
  const before = new Map(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
  return {
    /** `Name.key` for every own key a built-in prototype gained, plus the `polluted` probe. */
    added(): string[] {
      const added: string[] = [];
      for (const [name, proto] of PROTOTYPES) {
        const was = new Set(before.get(name));
        for (const key of Reflect.ownKeys(proto).map(String)) if (!was.has(key)) added.push(`${name}.${key}`);
      }
      if ((({}) as Record<string, unknown>).polluted !== undefined) added.push('({}).polluted');
      return added;
    },
  };
}

/** Every object inside a value whose prototype is not Object.prototype or Array.prototype (a JSON value's only two). */
export function foreignPrototypes(value: unknown, path = '$'): string[] {
  if (value === null || typeof value !== 'object') return [];
  const proto = Object.getPrototypeOf(value);
  const found = proto === Object.prototype || proto === Array.prototype ? [] : [path];
  for (const key of Object.keys(value)) found.push(...foreignPrototypes((value as Record<string, unknown>)[key], `${path}.${key}`));
  return found;
}

/**
 * A full garbage collection, when the runtime can be asked for one: `--expose-gc` set at run time
 * exposes `gc` to contexts created afterwards. Undefined where the runtime refuses.
 */
export function garbageCollector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

export function memoryFigures(gc: (() => void) | undefined) {
  gc?.();
  const { heapUsed, arrayBuffers, rss } = process.memoryUsage();
  return { heapUsed, arrayBuffers, rss };
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed, when it is JSON. */
  json: unknown;
  /** The Set-Cookie values of the response, name → value. */
  cookies: Record<string, string>;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as given: no normalisation, no re-encoding (characters 0x21-0xFF only). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * A plain keep-alive HTTP client that sends the request line and headers byte for byte, which
 * test clients built on URL parsers do not do (they normalise `..`, re-encode `%`, reject bytes).
 */
export function rawClient(server: RunningServer, agent = new http.Agent({ keepAlive: true, maxSockets: 16 })) {
  const send = ({ method = 'GET', path, headers = {}, body }: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (String(res.headers['content-type'] ?? '').startsWith('application/json') && text !== '') {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          const cookies: Record<string, string> = {};
          for (const line of res.headers['set-cookie'] ?? []) {
            const pair = line.split(';')[0];
            const eq = pair.indexOf('=');
            cookies[pair.slice(0, eq)] = pair.slice(eq + 1);
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, cookies });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  return { send, agent, close: () => agent.destroy() };
}

/** Browsers keep a cookie whose name and value fit in 4096 bytes, and silently drop a longer one. */
export function expectCookiesFit(res: RawResponse): void {
  for (const [name, value] of Object.entries(res.cookies)) expect({ [name]: Buffer.byteLength(`${name}=${value}`) <= 4096 }).toEqual({ [name]: true });
}

/** A string's UTF-8 bytes as the Latin-1 text that carries them on the wire (how browsers send non-ASCII cookies). */
export const utf8OnTheWire = (value: string): string => Buffer.from(value, 'utf8').toString('latin1');

/** Percent-encodes every byte of a string's UTF-8 except the unreserved characters (lone surrogates become U+FFFD). */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A visitor of a fuzzed storefront. `token` is the latest token a response handed its session, as a
 * browser's cookie jar keeps it (a session's first write replaces the token that said it was never
 * stored); `tokens` holds every token it was handed, each of which still names the session.
 */
export interface FuzzVisitor {
  id: string;
  token: string;
  tokens: string[];
}

export function fuzzVisitor(id: string, token: string): FuzzVisitor {
  return { id, token, tokens: [token] };
}

/** Keeps a new token that a response set for one of the visitors' sessions. */
export function keepIssuedToken(visitors: FuzzVisitor[], res: RawResponse): void {
  const token = res.cookies.vtex_session;
  if (token === undefined) return;
  const visitor = visitors.find((v) => v.id === decodeSessionToken(token)?.id);
  if (visitor === undefined || visitor.token === token) return;
  visitor.token = token;
  visitor.tokens.push(token);
}
