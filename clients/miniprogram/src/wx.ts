// The part of the mini-program `wx` API the SDK uses, in wx's own callback
// style. The real `wx` satisfies it (src/wxcompat.ts checks that against
// miniprogram-api-typings at build time); tests pass a shim built on Node.

/** Error object wx passes to `fail` callbacks. */
export interface WxError {
  errMsg: string;
  errno?: number;
}

/** wx's success/fail/complete callback trio. */
export interface WxCallbacks<R> {
  success?(res: R): void;
  fail?(err: WxError): void;
  complete?(res: R | WxError): void;
}

/** HTTP methods wx.request documents (no PATCH: see README). */
export type WxMethod = 'OPTIONS' | 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'TRACE' | 'CONNECT';

/** Options of wx.request that the SDK sets. */
export interface WxRequestOption extends WxCallbacks<WxRequestResult> {
  url: string;
  method?: WxMethod;
  data?: string | Record<string, unknown> | ArrayBuffer;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: string;
  responseType?: 'text' | 'arraybuffer';
}

/** What wx.request hands to `success` (any HTTP status). */
export interface WxRequestResult {
  data: unknown;
  statusCode: number;
  header: Record<string, string>;
}

/** The task wx.request returns. */
export interface WxRequestTask {
  abort(): void;
}

/** Options of wx.uploadFile (a multipart POST). */
export interface WxUploadFileOption extends WxCallbacks<WxUploadFileResult> {
  url: string;
  filePath: string;
  name: string;
  header?: Record<string, string>;
  formData?: Record<string, string>;
  timeout?: number;
}

/** What wx.uploadFile hands to `success`: the body is always a string. */
export interface WxUploadFileResult {
  data: string;
  statusCode: number;
}

/** wx.uploadFile's progress event. */
export interface WxUploadProgress {
  progress: number;
  totalBytesSent: number;
  totalBytesExpectedToSend: number;
}

/** The task wx.uploadFile returns. */
export interface WxUploadTask {
  abort(): void;
  onProgressUpdate(listener: (res: WxUploadProgress) => void): void;
}

/** Options of FileSystemManager.readFile (binary, a byte range). */
export interface WxReadFileOption extends WxCallbacks<{ data: string | ArrayBuffer }> {
  filePath: string;
  position?: number;
  length?: number;
}

/** File facts from FileSystemManager.stat. */
export interface WxStats {
  size: number;
  isFile(): boolean;
}

/** Options of FileSystemManager.stat. */
export interface WxStatOption extends WxCallbacks<{ stats: WxStats | unknown[] }> {
  path: string;
}

/** The FileSystemManager methods the SDK uses. */
export interface WxFileSystemManager {
  readFile(option: WxReadFileOption): void;
  stat(option: WxStatOption): void;
}

/** The `wx` methods the SDK uses. Pass the global `wx` in a mini-program. */
export interface MiniWx {
  login(option: WxCallbacks<{ code: string }> & { timeout?: number }): unknown;
  request(option: WxRequestOption): WxRequestTask;
  uploadFile(option: WxUploadFileOption): WxUploadTask;
  setStorageSync(key: string, data: unknown): void;
  getStorageSync(key: string): unknown;
  removeStorageSync(key: string): void;
  getFileSystemManager(): WxFileSystemManager;
}

/**
 * wxCall runs a wx callback-style API as a promise. start receives the
 * success and fail callbacks to put in the option object and returns the
 * task wx returns (if any), handed to onTask before the call can settle.
 */
export function wxCall<R, T = unknown>(
  start: (success: (res: R) => void, fail: (err: WxError) => void) => T,
  onTask?: (task: T) => void,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const task = start(resolve, (err) => reject(err));
    if (onTask) onTask(task);
  });
}

/** isWxError tells a wx `fail` object from other thrown values. */
export function isWxError(e: unknown): e is WxError {
  return typeof e === 'object' && e !== null && typeof (e as WxError).errMsg === 'string';
}
