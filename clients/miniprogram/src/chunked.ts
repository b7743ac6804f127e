import { MediadError } from './errors';
import { fileSha256, fileSize, readRange } from './files';
import { ApiRequest, Transport } from './transport';
import { MediaCreated, UploadView } from './types';
import { UploadHandle, UploadOptions } from './upload';
import { SavedUpload, UploadStore } from './uploadstate';
import { Backoff, progressReporter, randomKey, sleep } from './util';
import { WxRequestTask } from './wx';

/** Options of a chunked (resumable) upload. */
export interface ChunkedOptions extends Omit<UploadOptions, 'idempotencyKey' | 'timeoutMs'> {
  /** Parts in flight at once (default 4). */
  concurrency?: number;
  /**
   * SHA-256 to declare at start, checked by the engine at completion: true
   * hashes the file first (one extra read of it), a string is taken as the
   * hex digest, false/absent declares none.
   */
  sha256?: boolean | string;
  /** Timeout of one part in ms (default 5 minutes). */
  partTimeoutMs?: number;
  /** Tries of a part after a network error, 408, 429 or 5xx (default 4). */
  partTries?: number;
}

/** Options when resuming a saved upload. */
export type ResumeOptions = Pick<ChunkedOptions, 'onProgress' | 'concurrency' | 'partTimeoutMs' | 'partTries'>;

const RETRYABLE = new Set([0, 408, 429, 500, 502, 503, 504]);
// Errors after which the engine holds no upload any more: forget it.
const GONE = new Set(['not_found', 'unsupported_type', 'checksum_mismatch', 'too_large', 'quota_exceeded']);

/**
 * ChunkedUpload sends a large file through /v1/uploads in parts read with
 * FileSystemManager.readFile, several at once, saving its state in storage
 * after every part so that it can resume after the mini-program is killed.
 */
export class ChunkedUpload implements UploadHandle {
  /** The created item. Rejects with code `cancelled` after cancel() or pause(). */
  readonly result: Promise<MediaCreated>;
  private readonly inflight = new Set<WxRequestTask>();
  private stopped?: MediadError;
  private state: SavedUpload;

  private constructor(
    private readonly t: Transport,
    private readonly store: UploadStore,
    state: SavedUpload,
    private readonly opts: ResumeOptions & { sha256?: boolean | string },
  ) {
    this.state = state;
    this.result = this.run();
    this.result.catch(() => undefined); // the caller may only cancel
  }

  /** begin starts a new chunked upload. */
  static begin(t: Transport, store: UploadStore, opts: ChunkedOptions): ChunkedUpload {
    const state: SavedUpload = {
      v: 1,
      localId: randomKey(),
      filePath: opts.filePath,
      size: -1,
      kind: opts.kind,
      albumId: opts.albumId,
      visibility: opts.visibility,
      done: [],
      startedAt: new Date().toISOString(),
    };
    return new ChunkedUpload(t, store, state, opts);
  }

  /** resume goes on with a saved upload (see Uploads.pending). */
  static resume(t: Transport, store: UploadStore, saved: SavedUpload, opts: ResumeOptions = {}): ChunkedUpload {
    return new ChunkedUpload(t, store, { ...saved, done: [...saved.done] }, opts);
  }

  /** localId identifies the upload in storage. */
  get localId(): string {
    return this.state.localId;
  }

  /** snapshot returns a copy of the saved state. */
  snapshot(): SavedUpload {
    return { ...this.state, done: [...this.state.done] };
  }

  /** pause stops sending and keeps the state for a later resume. */
  pause(): Promise<void> {
    this.stop(new MediadError(0, 'cancelled', 'upload paused'));
    return this.result.then(
      () => undefined,
      () => undefined,
    );
  }

  /** cancel stops sending, aborts the upload on the engine (DELETE) and forgets it. */
  async cancel(): Promise<void> {
    this.stop(new MediadError(0, 'cancelled', 'upload cancelled'));
    await this.result.catch(() => undefined);
    await this.discard();
  }

  private async discard(): Promise<void> {
    const id = this.state.uploadId;
    this.store.remove(this.state.localId);
    if (!id) return;
    await this.t.call({ method: 'DELETE', path: `/v1/uploads/${id}` }).catch((e) => {
      if (!(e instanceof MediadError && e.status === 404)) throw e;
    });
  }

  private stop(err: MediadError): void {
    if (!this.stopped) this.stopped = err;
    for (const tk of this.inflight) tk.abort();
  }

  private check(): void {
    if (this.stopped) throw this.stopped;
  }

  private async run(): Promise<MediaCreated> {
    try {
      return await this.upload();
    } catch (e) {
      const err = this.stopped ?? e;
      if (err instanceof MediadError && err.status !== 0 && GONE.has(err.code)) this.store.remove(this.state.localId);
      throw err;
    }
  }

  private async upload(): Promise<MediaCreated> {
    const s = this.state;
    const size = await fileSize(this.t.wx, s.filePath);
    this.check();
    if (s.size === -1) {
      s.size = size;
      if (typeof this.opts.sha256 === 'string') s.sha256 = this.opts.sha256.toLowerCase();
      else if (this.opts.sha256) s.sha256 = await fileSha256(this.t.wx, s.filePath, size);
      this.check();
      this.store.save(s); // before the start request, so a kill right after it can replay it
    } else if (size !== s.size) {
      await this.discard();
      throw new MediadError(0, 'file_error', `${s.filePath} changed size (${s.size} -> ${size}); upload discarded`);
    }
    const view = s.uploadId ? await this.fetchView(s.uploadId) : await this.start();
    this.check();
    s.uploadId = view.upload_id;
    s.partSize = view.part_size;
    s.partCount = view.part_count;
    s.expiresAt = view.expires_at;
    s.done = view.parts.filter((p) => p.size === this.partLen(p.n)).map((p) => p.n);
    this.store.save(s);
    const progress = progressReporter(this.opts.onProgress, s.size);
    await this.sendParts(progress.sent);
    const created = await this.complete();
    this.store.remove(s.localId);
    progress.done();
    return created;
  }

  private start(): Promise<UploadView> {
    const s = this.state;
    const body: Record<string, unknown> = { kind: s.kind, size: s.size };
    if (s.sha256) body.sha256 = s.sha256;
    if (s.albumId) body.album_id = s.albumId;
    if (s.visibility) body.visibility = s.visibility;
    return this.call<UploadView>({ method: 'POST', path: '/v1/uploads', body, headers: { 'Idempotency-Key': s.localId } });
  }

  private fetchView(id: string): Promise<UploadView> {
    return this.call<UploadView>({ method: 'GET', path: `/v1/uploads/${id}` });
  }

  /** call sends req with its wx tasks in this.inflight while it runs, so stop() can abort them. */
  private async call<T>(req: ApiRequest): Promise<T> {
    const mine: WxRequestTask[] = [];
    try {
      return await this.t.call<T>({
        ...req,
        onTask: (tk) => {
          mine.push(tk);
          this.inflight.add(tk);
          if (this.stopped) tk.abort();
        },
      });
    } finally {
      for (const tk of mine) this.inflight.delete(tk);
    }
  }

  private partLen(n: number): number {
    const { size, partSize = 0, partCount = 0 } = this.state;
    return n < partCount ? partSize : size - partSize * (partCount - 1);
  }

  private doneBytes(): number {
    return this.state.done.reduce((sum, n) => sum + this.partLen(n), 0);
  }

  private async sendParts(sent: (bytes: number) => void): Promise<void> {
    const s = this.state;
    const queue: number[] = [];
    for (let n = 1; n <= (s.partCount ?? 0); n++) if (!s.done.includes(n)) queue.push(n);
    sent(this.doneBytes());
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        this.check();
        await this.sendPart(n);
        this.check();
        s.done.push(n);
        this.store.save(s); // saved before progress is reported
        sent(this.doneBytes());
      }
    };
    let failed: unknown;
    const n = Math.max(1, Math.min(this.opts.concurrency ?? 4, queue.length));
    await Promise.all(
      Array.from({ length: n }, () =>
        worker().catch((e) => {
          // The first failure stops the others (and aborts their parts).
          if (failed === undefined) failed = e;
          this.stop(e instanceof MediadError ? e : new MediadError(0, 'network_error', String(e)));
        }),
      ),
    );
    if (failed !== undefined) throw this.stopped ?? failed;
  }

  private async sendPart(n: number): Promise<void> {
    const s = this.state;
    const len = this.partLen(n);
    const body = await readRange(this.t.wx, s.filePath, (n - 1) * (s.partSize ?? 0), len);
    const backoff = new Backoff(500, 8000);
    const tries = this.opts.partTries ?? 4;
    for (let attempt = 1; ; attempt++) {
      this.check();
      try {
        await this.call({
          method: 'PUT',
          path: `/v1/uploads/${s.uploadId}/parts/${n}`,
          body,
          timeoutMs: this.opts.partTimeoutMs ?? 5 * 60_000,
        });
        return;
      } catch (e) {
        this.check();
        if (!(e instanceof MediadError) || !RETRYABLE.has(e.status) || attempt >= tries) throw e;
        await sleep(e.retryAfter !== undefined ? e.retryAfter * 1000 : backoff.delay());
      }
    }
  }

  private async complete(): Promise<MediaCreated> {
    const id = this.state.uploadId;
    for (let attempt = 1; ; attempt++) {
      this.check();
      try {
        return await this.call<MediaCreated>({ method: 'POST', path: `/v1/uploads/${id}/complete`, timeoutMs: 15 * 60_000 });
      } catch (e) {
        // A part the engine lost or refused: send what it lacks, once.
        if (!(e instanceof MediadError) || e.code !== 'upload_incomplete' || attempt > 1) throw e;
        const view = await this.fetchView(id as string);
        this.state.done = view.parts.filter((p) => p.size === this.partLen(p.n)).map((p) => p.n);
        await this.sendParts(() => undefined);
      }
    }
  }
}
