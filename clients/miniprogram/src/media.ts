import { Transport } from './transport';
import { ID, Media, Order, Page, Visibility } from './types';
import { pollUntil } from './util';

/** Options of list calls. */
export interface ListOptions {
  order?: Order;
  cursor?: string;
  limit?: number;
}

/** Options of waitReady. */
export interface WaitOptions {
  /** Give up after this many ms (default 2 minutes); throws code `timeout`. */
  timeoutMs?: number;
  /** First poll delay in ms (default 300), growing to maxDelayMs (default 3000). */
  startDelayMs?: number;
  maxDelayMs?: number;
}

/** MediaApi: the caller's items. */
export class MediaApi {
  constructor(private readonly t: Transport) {}

  /** get returns an item the caller may see, with fresh signed URLs when ready. */
  async get(id: ID): Promise<Media> {
    return (await this.t.call<{ media: Media }>({ method: 'GET', path: `/v1/media/${id}` })).media;
  }

  /** mine lists everything the caller uploaded (GET /v1/me/media). */
  async mine(opts: ListOptions = {}): Promise<Page<Media>> {
    const r = await this.t.call<{ media: Media[]; next_cursor: string }>({
      method: 'GET',
      path: '/v1/me/media',
      query: { order: opts.order, cursor: opts.cursor, limit: opts.limit },
    });
    return { items: r.media, next_cursor: r.next_cursor };
  }

  /**
   * setVisibility changes the visibility of one of the caller's items
   * (PATCH /v1/media/:id). wx.request does not document PATCH: see README.
   */
  async setVisibility(id: ID, visibility: Visibility): Promise<Media> {
    return (await this.t.call<{ media: Media }>({ method: 'PATCH', path: `/v1/media/${id}`, body: { visibility } })).media;
  }

  /** delete hides the item at once; its objects are removed in the background. */
  async delete(id: ID): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/v1/media/${id}` });
  }

  /** waitReady polls the item with backoff until it is `ready` or `failed`, and returns it. */
  waitReady(id: ID, opts: WaitOptions = {}): Promise<Media> {
    return pollUntil(
      () => this.get(id),
      (m) => m.status === 'ready' || m.status === 'failed',
      { timeoutMs: opts.timeoutMs ?? 120_000, startMs: opts.startDelayMs, maxMs: opts.maxDelayMs, what: `media ${id}` },
    );
  }

  /**
   * fresh returns m itself while its signed URLs stay valid for more than
   * marginMs (default 60 s), else the item fetched again with new URLs.
   * Signed URLs are used as they are, e.g. `<image src="{{m.urls.preview}}">`.
   */
  async fresh(m: Media, marginMs = 60_000): Promise<Media> {
    if (m.status === 'ready' && !urlsExpiring(m, marginMs)) return m;
    return this.get(m.id);
  }
}

/** urlsExpiring tells whether m's signed URLs expire within marginMs (or are missing). */
export function urlsExpiring(m: Pick<Media, 'urls' | 'urls_expire_at'>, marginMs = 60_000, now = Date.now()): boolean {
  if (!m.urls || !m.urls_expire_at) return true;
  const at = Date.parse(m.urls_expire_at);
  return !Number.isFinite(at) || at - now <= marginMs;
}
