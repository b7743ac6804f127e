import { Transport } from './transport';
import { CreatedShare, ID, PublicShare, ShareLink, Unlock } from './types';

/** What to share: exactly one of albumId and mediaId. */
export interface ShareOptions {
  albumId?: ID;
  mediaId?: ID;
  /** Lifetime in seconds (default 7 days; at most MEDIA_SHARE_MAX_TTL). */
  expiresIn?: number;
  /** 4 to 64 characters; recipients must unlock the link with it. */
  password?: string;
  allowDownload?: boolean;
  showDates?: boolean;
}

/** SharesApi: share links, for their creators and (open, unlock) for anyone. */
export class SharesApi {
  constructor(private readonly t: Transport) {}

  /** create makes a share link; its token is shown only here. */
  async create(opts: ShareOptions): Promise<CreatedShare> {
    const body: Record<string, unknown> = {};
    if (opts.albumId) body.album_id = opts.albumId;
    if (opts.mediaId) body.media_id = opts.mediaId;
    if (opts.expiresIn) body.expires_in = opts.expiresIn;
    if (opts.password) body.password = opts.password;
    if (opts.allowDownload) body.allow_download = true;
    if (opts.showDates) body.show_dates = true;
    return this.t.call({ method: 'POST', path: '/v1/shares', body });
  }

  /** list returns the links the caller created, revoked and expired ones too. */
  async list(): Promise<ShareLink[]> {
    return (await this.t.call<{ shares: ShareLink[] }>({ method: 'GET', path: '/v1/shares' })).shares;
  }

  /** revoke stops a link at once (its creator, or the album owner). */
  async revoke(id: ID): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/v1/shares/${id}` });
  }

  /**
   * open shows what a link shows, without a session (a recipient need not
   * sign in). A password link needs the unlockToken from unlock().
   */
  open(token: string, opts: { unlockToken?: string; cursor?: string; limit?: number } = {}): Promise<PublicShare> {
    return this.t.call({
      method: 'GET',
      path: `/v1/public/shares/${encodeURIComponent(token)}`,
      query: { cursor: opts.cursor, limit: opts.limit },
      headers: opts.unlockToken ? { 'X-Share-Unlock': opts.unlockToken } : undefined,
      auth: false,
    });
  }

  /** unlock trades a link's password for an unlock token (valid expires_in seconds). */
  unlock(token: string, password: string): Promise<Unlock> {
    return this.t.call({
      method: 'POST',
      path: `/v1/public/shares/${encodeURIComponent(token)}/unlock`,
      body: { password },
      auth: false,
    });
  }
}
