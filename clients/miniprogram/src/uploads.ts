import { ChunkedOptions, ChunkedUpload, ResumeOptions } from './chunked';
import { MediadError } from './errors';
import { fileSize } from './files';
import { Transport } from './transport';
import { MediaCreated } from './types';
import { UploadHandle, UploadOptions, directUpload } from './upload';
import { SavedUpload, UploadStore } from './uploadstate';

/** Options of Uploads.upload, which picks direct or chunked. */
export interface AutoUploadOptions extends UploadOptions, Omit<ChunkedOptions, keyof UploadOptions> {
  /** Videos larger than this go through the chunked API (default 10 MiB). */
  chunkedAbove?: number;
}

/** Uploads: direct (wx.uploadFile) and chunked, resumable uploads. */
export class Uploads {
  private readonly store: UploadStore;

  constructor(private readonly t: Transport) {
    this.store = new UploadStore(t.wx, t.prefix);
  }

  /** direct sends a file in one wx.uploadFile request (POST /v1/media). */
  direct(opts: UploadOptions): UploadHandle {
    return directUpload(this.t, opts);
  }

  /** chunked sends a file through the resumable chunked API (/v1/uploads). */
  chunked(opts: ChunkedOptions): ChunkedUpload {
    return ChunkedUpload.begin(this.t, this.store, opts);
  }

  /** upload sends videos above chunkedAbove in parts, everything else directly. */
  upload(opts: AutoUploadOptions): UploadHandle {
    let inner: UploadHandle | undefined;
    let cancelled = false;
    const result = (async (): Promise<MediaCreated> => {
      const big = opts.kind === 'video' && (await fileSize(this.t.wx, opts.filePath)) > (opts.chunkedAbove ?? 10 << 20);
      if (cancelled) throw new MediadError(0, 'cancelled', 'upload cancelled');
      inner = big ? this.chunked(opts) : this.direct(opts);
      return inner.result;
    })();
    return {
      result,
      async cancel() {
        cancelled = true;
        await inner?.cancel();
        await result.catch(() => undefined);
      },
    };
  }

  /** pending lists chunked uploads saved in storage that have not finished (e.g. after a kill). */
  pending(): SavedUpload[] {
    return this.store.list();
  }

  /** resume goes on with a saved upload: it asks the engine which parts it has and sends the rest. */
  resume(localId: string, opts: ResumeOptions = {}): ChunkedUpload {
    const saved = this.store.get(localId);
    if (!saved) throw new MediadError(0, 'file_error', `no saved upload ${localId}`);
    return ChunkedUpload.resume(this.t, this.store, saved, opts);
  }

  /** forget drops a saved upload from storage without telling the engine (it expires there). */
  forget(localId: string): void {
    this.store.remove(localId);
  }
}
