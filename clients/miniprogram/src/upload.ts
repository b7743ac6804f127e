import { MediadError } from './errors';
import { fileSize } from './files';
import { Transport, decode, wxFailure } from './transport';
import { Kind, MediaCreated, Visibility } from './types';
import { Progress, progressReporter, randomKey } from './util';
import { WxUploadFileResult, WxUploadTask, wxCall } from './wx';

/** What to upload, and where. */
export interface UploadOptions {
  /** A local file path (wx.chooseMedia's tempFilePath, or a saved file). */
  filePath: string;
  kind: Kind;
  /** Album to upload into (required for covers, not allowed for avatars). */
  albumId?: string;
  /** Defaults to the album's default visibility, or `members` without an album. */
  visibility?: Visibility;
  /** Called with growing values; percent is 100 once the engine holds the file. */
  onProgress?: (p: Progress) => void;
  /** Idempotency-Key of the upload (a fresh one by default). */
  idempotencyKey?: string;
  /** Timeout of the whole request in ms (default 10 minutes). */
  timeoutMs?: number;
}

/** A running upload. */
export interface UploadHandle {
  /** The created item (or the existing one, with duplicate: true). */
  readonly result: Promise<MediaCreated>;
  /** cancel stops the upload; result rejects with code `cancelled`. */
  cancel(): Promise<void>;
}

/**
 * directUpload sends a file with wx.uploadFile (POST /v1/media, field
 * `file`, with `kind`, `album_id` and `visibility` as form fields). A retry
 * after a 401 re-sends it with the same Idempotency-Key.
 */
export function directUpload(t: Transport, opts: UploadOptions): UploadHandle {
  let task: WxUploadTask | undefined;
  let cancelled = false;
  const key = opts.idempotencyKey ?? randomKey();
  const formData: Record<string, string> = { kind: opts.kind };
  if (opts.albumId) formData.album_id = opts.albumId;
  if (opts.visibility) formData.visibility = opts.visibility;

  const run = async (): Promise<MediaCreated> => {
    const size = await fileSize(t.wx, opts.filePath);
    const progress = progressReporter(opts.onProgress, size);
    const created = await t.authed(async (token) => {
      if (cancelled) throw new MediadError(0, 'cancelled', 'upload cancelled');
      const res = await wxCall<WxUploadFileResult, WxUploadTask>(
        (success, fail) =>
          t.wx.uploadFile({
            url: t.url('/v1/media'),
            filePath: opts.filePath,
            name: 'file',
            formData,
            header: { Authorization: 'Bearer ' + token, 'Idempotency-Key': key },
            timeout: opts.timeoutMs ?? 10 * 60_000,
            success,
            fail,
          }),
        (tk) => {
          task = tk;
          tk.onProgressUpdate((ev) => {
            if (ev.totalBytesExpectedToSend > 0) {
              progress.sent(Math.round((size * ev.totalBytesSent) / ev.totalBytesExpectedToSend));
            }
          });
        },
      ).catch((e) => {
        throw cancelled ? new MediadError(0, 'cancelled', 'upload cancelled') : wxFailure(e);
      });
      return decode<MediaCreated>(res.statusCode, res.data);
    });
    progress.done();
    return created;
  };
  const result = run();
  return {
    result,
    async cancel() {
      cancelled = true;
      task?.abort();
      await result.catch(() => undefined);
    },
  };
}
