import { Kind, Visibility } from './types';
import { MiniWx } from './wx';

/**
 * SavedUpload is what the SDK keeps in storage for a chunked upload, so a
 * mini-program that was killed can resume it (see Uploads.pending/resume).
 */
export interface SavedUpload {
  v: 1;
  /** Local id; also the Idempotency-Key of the start request. */
  localId: string;
  filePath: string;
  size: number;
  kind: Kind;
  albumId?: string;
  visibility?: Visibility;
  /** SHA-256 declared at start (hex), when one was. */
  sha256?: string;
  /** The engine's upload id, once it answered the start. */
  uploadId?: string;
  partSize?: number;
  partCount?: number;
  expiresAt?: string;
  /** Parts the engine confirmed, as far as this client knows (the engine's list wins on resume). */
  done: number[];
  startedAt: string;
}

/** UploadStore keeps SavedUploads under `<prefix>upload:<localId>` plus an index. */
export class UploadStore {
  constructor(
    private readonly wx: MiniWx,
    private readonly prefix: string,
  ) {}

  private get indexKey(): string {
    return this.prefix + 'uploads';
  }

  private ids(): string[] {
    const v = this.wx.getStorageSync(this.indexKey);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  /** list returns every saved upload, oldest first. */
  list(): SavedUpload[] {
    const out: SavedUpload[] = [];
    for (const id of this.ids()) {
      const s = this.get(id);
      if (s) out.push(s);
    }
    return out;
  }

  /** get returns one saved upload. */
  get(localId: string): SavedUpload | undefined {
    const v = this.wx.getStorageSync(this.prefix + 'upload:' + localId) as SavedUpload | '' | undefined;
    return v && typeof v === 'object' && v.v === 1 ? v : undefined;
  }

  /** save writes s (a copy) and indexes it. */
  save(s: SavedUpload): void {
    this.wx.setStorageSync(this.prefix + 'upload:' + s.localId, { ...s, done: [...s.done].sort((a, b) => a - b) });
    const ids = this.ids();
    if (!ids.includes(s.localId)) this.wx.setStorageSync(this.indexKey, [...ids, s.localId]);
  }

  /** remove forgets an upload. */
  remove(localId: string): void {
    this.wx.removeStorageSync(this.prefix + 'upload:' + localId);
    this.wx.setStorageSync(
      this.indexKey,
      this.ids().filter((id) => id !== localId),
    );
  }
}
