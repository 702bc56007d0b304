// The `type` of VTEX's own error bodies, which its session-client reads (with `message`) to tell a
// failure; a status without a name of its own gets its class's.
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

/** Every `type` an error body may carry, for the OpenAPI document. */
export const ERROR_TYPE_NAMES: readonly string[] = Object.values(ERROR_TYPES);

/** The VTEX error `type` of an HTTP status. */
export function errorTypeOf(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequest');
}

/**
 * Typed errors. Each has a stable `code` and the HTTP status the API answers with, so that the API
 * layer turns them into `{ type, message, error: { code, message } }` and page requests pass them to
 * `next(err)`.
 */
export class VtexSessionError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VtexSessionError';
    this.code = code;
    this.status = status;
  }

  /** What VTEX calls this failure in its error bodies (`"BadRequest"`, `"Unauthorized"`, ...). */
  get type(): string {
    return errorTypeOf(this.status);
  }
}

/** A request that is malformed or breaks a limit: 4xx, nothing stored. */
export class BadRequestError extends VtexSessionError {
  constructor(code: string, message: string, status = 400) {
    super(code, status, message);
    this.name = 'BadRequestError';
  }
}

/** A transform refused the write (a private sales channel): 401 when anonymous, 403 when logged in. */
export class TransformRefusedError extends VtexSessionError {
  constructor(message: string, status: 401 | 403) {
    super(status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', status, message);
    this.name = 'TransformRefusedError';
  }
}

/** The store failed or did not answer in time. Nothing was written. */
export class StoreUnavailableError extends VtexSessionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', 503, message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Concurrent writers kept winning the compare-and-set; the write was not applied. */
export class WriteConflictError extends VtexSessionError {
  constructor(message: string) {
    super('WRITE_CONFLICT', 409, message);
    this.name = 'WriteConflictError';
  }
}

/** A write would make the session's stored JSON larger than `limits.sessionSize`: 413, nothing stored. */
export class SessionTooLargeError extends VtexSessionError {
  constructor(message: string) {
    super('SESSION_TOO_LARGE', 413, message);
    this.name = 'SessionTooLargeError';
  }
}

/**
 * The token names a session whose id rotated (a login or logout) while the request was on its way:
 * 409, nothing written. The old token never opens the successor, which may belong to someone else.
 */
export class SessionRotatedError extends VtexSessionError {
  constructor() {
    super('SESSION_ROTATED', 409, 'the session changed identity (a login or logout) while this request was on its way; nothing was written');
    this.name = 'SessionRotatedError';
  }
}
