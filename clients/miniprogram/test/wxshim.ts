// A `wx` for Node: login, request, uploadFile, storage and the two
// FileSystemManager calls the SDK uses, in wx's callback style
// (success/fail/complete, called asynchronously) on top of fetch, node:http
// and fs. kill() simulates the mini-program being killed: in-flight
// requests are cut and nothing ever calls back again.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type {
  MiniWx,
  WxCallbacks,
  WxError,
  WxFileSystemManager,
  WxReadFileOption,
  WxRequestOption,
  WxRequestTask,
  WxStatOption,
  WxUploadFileOption,
  WxUploadProgress,
  WxUploadTask,
} from '../dist/index';

/** Methods wx.request documents; others fail unless methods is 'any'. */
const WX_METHODS = new Set(['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT']);

/** One request the shim sent, for assertions. */
export interface ShimCall {
  api: 'request' | 'uploadFile';
  method: string;
  path: string;
  status?: number;
  auth?: string;
}

export interface ShimOptions {
  /** The WeChat user behind wx.login (the fake jscode2session maps codes to it). */
  openid: string;
  /** Storage to start from (a snapshot() of another shim: a restart). */
  storage?: Record<string, string>;
  /** 'wx' (default) refuses methods wx.request does not document, such as PATCH. */
  methods?: 'wx' | 'any';
}

let codeSeq = 0;

/** WxShim implements MiniWx for tests. */
export class WxShim implements MiniWx {
  readonly openid: string;
  readonly calls: ShimCall[] = [];
  logins = 0;
  private readonly storage: Map<string, string>;
  private readonly methods: 'wx' | 'any';
  private readonly cutters = new Set<() => void>();
  private dead = false;

  constructor(opts: ShimOptions) {
    this.openid = opts.openid;
    this.methods = opts.methods ?? 'wx';
    this.storage = new Map(Object.entries(opts.storage ?? {}));
  }

  /** snapshot copies storage, as it would be found after a restart. */
  snapshot(): Record<string, string> {
    return Object.fromEntries(this.storage);
  }

  /** kill cuts every in-flight request and silences the shim for good; returns the storage. */
  kill(): Record<string, string> {
    this.dead = true;
    for (const cut of this.cutters) cut();
    this.cutters.clear();
    return this.snapshot();
  }

  /** settle calls wx-style callbacks later, unless the shim was killed meanwhile. */
  private settle<R>(cb: WxCallbacks<R>, ok: boolean, value: R | WxError): void {
    setImmediate(() => {
      if (this.dead) return;
      if (ok) cb.success?.(value as R);
      else cb.fail?.(value as WxError);
      cb.complete?.(value);
    });
  }

  login(option: WxCallbacks<{ code: string }>): void {
    if (this.dead) return;
    this.logins++;
    const code = `${this.openid}.${++codeSeq}.${Math.random().toString(36).slice(2, 8)}`;
    this.settle(option, true, { code, errMsg: 'login:ok' } as { code: string });
  }

  request(option: WxRequestOption): WxRequestTask {
    const method = option.method ?? 'GET';
    const ctl = new AbortController();
    const task = { abort: () => ctl.abort() };
    if (this.dead) return task;
    if (this.methods === 'wx' && !WX_METHODS.has(method)) {
      this.settle(option, false, { errMsg: `request:fail method ${method} is not supported by wx.request` });
      return task;
    }
    const cut = () => ctl.abort();
    this.cutters.add(cut);
    const call: ShimCall = { api: 'request', method, path: new URL(option.url).pathname, auth: option.header?.Authorization };
    this.calls.push(call);
    let body: string | ArrayBuffer | undefined;
    if (typeof option.data === 'string' || option.data instanceof ArrayBuffer) body = option.data;
    else if (option.data !== undefined) body = JSON.stringify(option.data);
    const timer = setTimeout(() => ctl.abort(new Error('timeout')), option.timeout ?? 60_000);
    (async () => {
      const res = await fetch(option.url, {
        method,
        headers: option.header,
        body: method === 'GET' || method === 'HEAD' ? undefined : body,
        signal: ctl.signal,
      });
      const raw = option.responseType === 'arraybuffer' ? await res.arrayBuffer() : await res.text();
      let data: unknown = raw;
      if (typeof raw === 'string' && (option.dataType ?? 'json') === 'json') {
        try {
          data = JSON.parse(raw);
        } catch {
          data = raw;
        }
      }
      call.status = res.status;
      return { data, statusCode: res.status, header: Object.fromEntries(res.headers) };
    })().then(
      (res) => this.settle(option, true, res),
      (err: Error) => {
        const why = ctl.signal.aborted ? (ctl.signal.reason instanceof Error && ctl.signal.reason.message === 'timeout' ? 'timeout' : 'abort') : err.message;
        this.settle(option, false, { errMsg: 'request:fail ' + why });
      },
    ).finally(() => {
      clearTimeout(timer);
      this.cutters.delete(cut);
    });
    return task;
  }

  uploadFile(option: WxUploadFileOption): WxUploadTask {
    const listeners: ((p: WxUploadProgress) => void)[] = [];
    let req: http.ClientRequest | undefined;
    let aborted = false;
    const task: WxUploadTask = {
      abort: () => {
        aborted = true;
        req?.destroy(new Error('abort'));
      },
      onProgressUpdate: (l) => listeners.push(l),
    };
    if (this.dead) return task;
    const cut = () => task.abort();
    this.cutters.add(cut);
    const call: ShimCall = { api: 'uploadFile', method: 'POST', path: new URL(option.url).pathname, auth: option.header?.Authorization };
    this.calls.push(call);
    (async () => {
      // A real multipart body, encoded by FormData with a Blob of the file.
      const form = new FormData();
      for (const [k, v] of Object.entries(option.formData ?? {})) form.append(k, String(v));
      form.append(option.name, new Blob([await fs.promises.readFile(option.filePath)]), path.basename(option.filePath));
      const encoded = new Response(form);
      const bytes = Buffer.from(await encoded.arrayBuffer());
      if (aborted) throw new Error('abort');
      return await new Promise<{ statusCode: number; data: string }>((resolve, reject) => {
        const u = new URL(option.url);
        req = http.request(
          {
            host: u.hostname,
            port: u.port,
            path: u.pathname + u.search,
            method: 'POST',
            timeout: option.timeout ?? 60_000,
            headers: {
              ...option.header,
              'Content-Type': encoded.headers.get('content-type') ?? '',
              'Content-Length': String(bytes.length),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, data: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.on('timeout', () => req?.destroy(new Error('timeout')));
        // Write in slices and report progress as wx does.
        const slice = 32 << 10;
        let sent = 0;
        const next = () => {
          if (sent >= bytes.length) return void req?.end();
          const chunk = bytes.subarray(sent, sent + slice);
          req?.write(chunk, () => {
            sent += chunk.length;
            const ev = { progress: Math.floor((sent * 100) / bytes.length), totalBytesSent: sent, totalBytesExpectedToSend: bytes.length };
            if (!this.dead) for (const l of listeners) l(ev);
            next();
          });
        };
        next();
      });
    })().then(
      (res) => {
        call.status = res.statusCode;
        this.settle(option, true, { ...res, errMsg: 'uploadFile:ok' });
      },
      (err: Error) => this.settle(option, false, { errMsg: 'uploadFile:fail ' + (aborted ? 'abort' : err.message) }),
    ).finally(() => this.cutters.delete(cut));
    return task;
  }

  setStorageSync(key: string, data: unknown): void {
    if (this.dead) return;
    this.storage.set(key, JSON.stringify(data));
  }

  getStorageSync(key: string): unknown {
    const v = this.storage.get(key);
    return v === undefined ? '' : JSON.parse(v);
  }

  removeStorageSync(key: string): void {
    if (this.dead) return;
    this.storage.delete(key);
  }

  getFileSystemManager(): WxFileSystemManager {
    return {
      readFile: (option: WxReadFileOption) => {
        if (this.dead) return;
        readRange(option.filePath, option.position ?? 0, option.length).then(
          (data) => this.settle(option, true, { data, errMsg: 'readFile:ok' } as { data: ArrayBuffer }),
          (err: Error) => this.settle(option, false, { errMsg: 'readFile:fail ' + err.message }),
        );
      },
      stat: (option: WxStatOption) => {
        if (this.dead) return;
        fs.promises.stat(option.path).then(
          (st) =>
            this.settle(option, true, {
              stats: { size: st.size, mode: st.mode, isFile: () => st.isFile(), isDirectory: () => st.isDirectory() },
              errMsg: 'stat:ok',
            } as { stats: { size: number; isFile(): boolean } }),
          (err: Error) => this.settle(option, false, { errMsg: 'stat:fail ' + err.message }),
        );
      },
    };
  }
}

/** readRange reads [position, position+length) as a fresh ArrayBuffer, like wx. */
async function readRange(file: string, position: number, length?: number): Promise<ArrayBuffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const n = length ?? size - position;
    if (position < 0 || n < 1 || position + n > size) throw new Error(`invalid range ${position}+${n} of ${size}`);
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, position);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead) as ArrayBuffer;
  } finally {
    await fh.close();
  }
}
