/**
 * Codes the SDK itself produces (status 0): the request never got an
 * answer from the engine, or was stopped by the caller.
 */
export type ClientErrorCode =
  | 'network_error' // wx.request/uploadFile failed (offline, DNS, TLS, timeout)
  | 'cancelled' // the caller cancelled or paused the operation
  | 'bad_response' // the engine's answer was not the JSON expected
  | 'login_failed' // wx.login failed
  | 'timeout' // a wait (waitReady, waitExport) ran out of time
  | 'file_error'; // the file could not be read or stat'ed

/**
 * MediadError is every error the SDK throws: status and code come from the
 * engine's `{"error":{"code","message"}}` body, or status 0 and a
 * ClientErrorCode when there was no answer.
 */
export class MediadError extends Error {
  /** HTTP status, or 0 when the engine did not answer. */
  readonly status: number;
  /** The engine's stable error code (e.g. `not_found`), or a ClientErrorCode. */
  readonly code: string;
  /** The engine's X-Request-Id, when there was an answer. */
  readonly requestId?: string;
  /** Seconds the engine asked to wait (Retry-After on 429/503). */
  readonly retryAfter?: number;

  constructor(status: number, code: string, message: string, extra: { requestId?: string; retryAfter?: number } = {}) {
    super(message);
    this.name = 'MediadError';
    this.status = status;
    this.code = code;
    this.requestId = extra.requestId;
    this.retryAfter = extra.retryAfter;
    Object.setPrototypeOf(this, MediadError.prototype);
  }
}

/** isMediadError tells whether e is a MediadError, optionally with code. */
export function isMediadError(e: unknown, code?: string): e is MediadError {
  return e instanceof MediadError && (code === undefined || e.code === code);
}
