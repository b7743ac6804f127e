import { MediadError } from './errors';
import { Session } from './types';
import { MiniWx, WxError, WxMethod, WxRequestResult, WxRequestTask, isWxError, wxCall } from './wx';

/** Settings of a MediadClient. */
export interface ClientOptions {
  /** The engine's base URL, e.g. `https://album.example.com` (its MEDIA_PUBLIC_URL). */
  baseURL: string;
  /** The mini-program's global `wx` (or anything implementing MiniWx). */
  wx: MiniWx;
  /** Prefix of every storage key the SDK writes (default `mediad:`). */
  storagePrefix?: string;
  /** Timeout of an API call in ms (default 30 s; parts and uploads have their own). */
  timeoutMs?: number;
}

/** HTTP methods the engine uses; PATCH, which wx.request lacks, is sent as POST with X-HTTP-Method-Override. */
export type Method = WxMethod | 'PATCH';

/** One API call. */
export interface ApiRequest {
  method: Method;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body (object), or raw bytes (ArrayBuffer, sent as application/octet-stream). */
  body?: unknown;
  /** Send the session token (default true); false for sign-in and public routes. */
  auth?: boolean;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Receives wx's RequestTask of each attempt, e.g. to abort it. */
  onTask?: (task: WxRequestTask) => void;
}

/** The session the SDK keeps in storage. */
export interface StoredSession {
  token: string;
  expires_at: string;
  user_id: string;
}

// Codes of a 401 that a fresh sign-in cures (not wechat_invalid_code,
// password_required or wrong_password).
const RELOGIN_CODES = new Set(['unauthorized', 'reauth_required']);

/**
 * Transport sends requests over wx.request with the session token, signs in
 * with wx.login when there is none, and on a 401 signs in again once and
 * retries once.
 */
export class Transport {
  readonly wx: MiniWx;
  readonly baseURL: string;
  readonly prefix: string;
  readonly timeoutMs: number;
  private signingIn?: Promise<StoredSession>;

  constructor(opts: ClientOptions) {
    if (!opts.wx) throw new TypeError('mediad: pass the mini-program `wx` as options.wx');
    this.wx = opts.wx;
    this.baseURL = opts.baseURL.replace(/\/+$/, '');
    this.prefix = opts.storagePrefix ?? 'mediad:';
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** session returns the stored session, if any. */
  session(): StoredSession | undefined {
    const s = this.wx.getStorageSync(this.prefix + 'session') as StoredSession | '' | undefined;
    return s && typeof s === 'object' && typeof s.token === 'string' ? s : undefined;
  }

  /** login signs in with a fresh wx.login code; concurrent calls share one sign-in. */
  login(): Promise<StoredSession> {
    if (this.signingIn) return this.signingIn;
    const p = this.signIn();
    this.signingIn = p;
    const clear = () => {
      if (this.signingIn === p) this.signingIn = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private async signIn(): Promise<StoredSession> {
    let code: string;
    try {
      code = (await wxCall<{ code: string }>((success, fail) => this.wx.login({ success, fail }))).code;
    } catch (e) {
      throw new MediadError(0, 'login_failed', 'wx.login failed: ' + (isWxError(e) ? e.errMsg : String(e)));
    }
    const s = await this.call<Session>({ method: 'POST', path: '/v1/auth/wechat', body: { code }, auth: false });
    const stored: StoredSession = { token: s.token, expires_at: s.expires_at, user_id: s.user.id };
    this.wx.setStorageSync(this.prefix + 'session', stored);
    return stored;
  }

  /** forget removes the stored session (the token is not revoked). */
  forget(): void {
    this.wx.removeStorageSync(this.prefix + 'session');
  }

  /**
   * authed runs attempt with a session token, signing in first when there
   * is none; if the engine answers 401 unauthorized (or reauth_required),
   * it signs in again and runs attempt once more.
   */
  async authed<T>(attempt: (token: string) => Promise<T>): Promise<T> {
    const kept = this.session();
    // A session past its expiry is not worth a 401 round trip.
    const first = kept && !(Date.parse(kept.expires_at) <= Date.now()) ? kept : await this.login();
    try {
      return await attempt(first.token);
    } catch (e) {
      if (!(e instanceof MediadError) || e.status !== 401 || !RELOGIN_CODES.has(e.code)) throw e;
    }
    // Another call may have signed in meanwhile: use its session.
    const now = this.session();
    const next = now && now.token !== first.token ? now : await this.login();
    return attempt(next.token);
  }

  /** call sends req and returns the parsed JSON body (undefined for 204). */
  call<T>(req: ApiRequest): Promise<T> {
    if (req.auth === false) return this.once<T>(req);
    return this.authed((token) => this.once<T>(req, token));
  }

  /** once sends req a single time. */
  once<T>(req: ApiRequest, token?: string): Promise<T> {
    const header: Record<string, string> = { ...req.headers };
    if (token) header['Authorization'] = 'Bearer ' + token;
    // wx.request cannot send PATCH: the engine takes it as POST with
    // X-HTTP-Method-Override (internal/httpx/override.go).
    let method = req.method as WxMethod;
    if (req.method === 'PATCH') {
      method = 'POST';
      header['X-HTTP-Method-Override'] = 'PATCH';
    }
    let data: string | ArrayBuffer | undefined;
    if (req.body instanceof ArrayBuffer) {
      data = req.body;
      header['Content-Type'] = 'application/octet-stream';
    } else if (req.body !== undefined) {
      data = JSON.stringify(req.body);
      header['Content-Type'] = 'application/json';
    }
    return wxCall<WxRequestResult, WxRequestTask>(
      (success, fail) =>
        this.wx.request({
          url: this.url(req.path, req.query),
          method,
          data,
          header,
          timeout: req.timeoutMs ?? this.timeoutMs,
          dataType: 'json',
          responseType: 'text',
          success,
          fail,
        }),
      req.onTask,
    ).then(
      (res) => decode<T>(res.statusCode, res.data, res.header),
      (err: WxError) => {
        throw wxFailure(err);
      },
    );
  }

  /** url joins the base URL, path and query. */
  url(path: string, query?: ApiRequest['query']): string {
    let q = '';
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === '') continue;
      q += (q ? '&' : '?') + encodeURIComponent(k) + '=' + encodeURIComponent(String(v));
    }
    return this.baseURL + path + q;
  }
}

/** decode turns an answer into its body or a MediadError. */
export function decode<T>(status: number, data: unknown, header: Record<string, string> = {}): T {
  const body = typeof data === 'string' ? parseJSON(data) : data;
  const extra = { requestId: headerValue(header, 'x-request-id'), retryAfter: retryAfter(header) };
  if (status >= 200 && status < 300) {
    // Every answer of the engine with a body is JSON; text is someone else's (a proxy, a portal).
    if (typeof body === 'string') {
      return throwError(new MediadError(status, 'bad_response', `HTTP ${status} with a body that is not JSON`, extra));
    }
    return body as T;
  }
  const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (err && typeof err.code === 'string') {
    return throwError(new MediadError(status, err.code, String(err.message ?? err.code), extra));
  }
  return throwError(new MediadError(status, 'bad_response', `HTTP ${status} without an error body`, extra));
}

function throwError(e: MediadError): never {
  throw e;
}

function parseJSON(s: string): unknown {
  if (s === '') return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** headerValue looks a response header up case-insensitively. */
export function headerValue(header: Record<string, string>, name: string): string | undefined {
  for (const k of Object.keys(header)) if (k.toLowerCase() === name) return String(header[k]);
  return undefined;
}

function retryAfter(header: Record<string, string>): number | undefined {
  const v = headerValue(header, 'retry-after');
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** wxFailure maps a wx `fail` to a MediadError (status 0). */
export function wxFailure(err: unknown): MediadError {
  const msg = isWxError(err) ? err.errMsg : String(err);
  return new MediadError(0, /abort/i.test(msg) ? 'cancelled' : 'network_error', msg);
}
