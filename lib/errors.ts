/**
 * Typed errors. Each has a stable `code` and the HTTP status the API answers with, so that the API
 * layer turns them into `{ error: { code, message } }` and page requests pass them to `next(err)`.
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
