import { ListOptions } from './media';
import { Transport } from './transport';
import { Album, AlbumDay, AlbumItem, Dissolution, ID, Page, RankEntry, Visibility } from './types';

/** AlbumsApi: albums, their items, and dissolution. */
export class AlbumsApi {
  constructor(private readonly t: Transport) {}

  /** create makes an album owned by the caller. */
  async create(title: string, opts: { defaultVisibility?: Visibility } = {}): Promise<Album> {
    const body: Record<string, unknown> = { title };
    if (opts.defaultVisibility) body.default_visibility = opts.defaultVisibility;
    return (await this.t.call<{ album: Album }>({ method: 'POST', path: '/v1/albums', body })).album;
  }

  /** list returns the albums the caller belongs to. */
  async list(): Promise<Album[]> {
    return (await this.t.call<{ albums: Album[] }>({ method: 'GET', path: '/v1/albums' })).albums;
  }

  /** get returns one album (404 not_found when the caller is not a member). */
  async get(id: ID): Promise<Album> {
    return (await this.t.call<{ album: Album }>({ method: 'GET', path: `/v1/albums/${id}` })).album;
  }

  /** update renames the album or changes its default visibility (owner; PATCH, see README). */
  async update(id: ID, upd: { title?: string; defaultVisibility?: Visibility }): Promise<Album> {
    const body: Record<string, unknown> = {};
    if (upd.title !== undefined) body.title = upd.title;
    if (upd.defaultVisibility !== undefined) body.default_visibility = upd.defaultVisibility;
    return (await this.t.call<{ album: Album }>({ method: 'PATCH', path: `/v1/albums/${id}`, body })).album;
  }

  /**
   * dissolve dissolves the album (owner). The engine requires its exact
   * title as confirmation; another title is 400 `confirm_mismatch`.
   */
  async dissolve(id: ID, confirmTitle: string): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/v1/albums/${id}`, body: { confirm_title: confirmTitle } });
  }

  /** dissolution returns the progress and receipt of a dissolution (its former owner). */
  async dissolution(id: ID): Promise<Dissolution> {
    return (await this.t.call<{ dissolution: Dissolution }>({ method: 'GET', path: `/v1/albums/${id}/dissolution` }))
      .dissolution;
  }

  /** setCover makes one of the album's ready items its cover (owner). */
  async setCover(id: ID, mediaId: ID): Promise<Album> {
    return (
      await this.t.call<{ album: Album }>({ method: 'PUT', path: `/v1/albums/${id}/cover`, body: { media_id: mediaId } })
    ).album;
  }

  /** items lists the items the caller may see, newest first. */
  async items(id: ID, opts: ListOptions = {}): Promise<Page<AlbumItem>> {
    return this.t.call<Page<AlbumItem>>({
      method: 'GET',
      path: `/v1/albums/${id}/items`,
      query: { order: opts.order, cursor: opts.cursor, limit: opts.limit },
    });
  }

  /** days returns the album's timeline by day. */
  async days(id: ID, opts: { cursor?: string; limit?: number } = {}): Promise<{ days: AlbumDay[]; next_cursor: string }> {
    return this.t.call({ method: 'GET', path: `/v1/albums/${id}/days`, query: { cursor: opts.cursor, limit: opts.limit } });
  }

  /** removeItem deletes an item from the album (its uploader, or the owner). */
  async removeItem(id: ID, mediaId: ID): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/v1/albums/${id}/items/${mediaId}` });
  }

  /** ranking returns members ranked by the items of theirs the caller can see. */
  async ranking(id: ID): Promise<RankEntry[]> {
    return (await this.t.call<{ ranking: RankEntry[] }>({ method: 'GET', path: `/v1/albums/${id}/ranking` })).ranking;
  }

  /** leave removes the caller's membership (not the owner's). */
  async leave(id: ID, opts: { deleteMyItems?: boolean } = {}): Promise<void> {
    await this.t.call({ method: 'POST', path: `/v1/albums/${id}/leave`, body: { delete_my_items: !!opts.deleteMyItems } });
  }

  /** transfer hands ownership to another member (owner). */
  async transfer(id: ID, userId: ID): Promise<void> {
    await this.t.call({ method: 'POST', path: `/v1/albums/${id}/transfer`, body: { user_id: userId } });
  }
}
