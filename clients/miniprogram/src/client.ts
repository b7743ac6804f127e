import { AccountApi } from './account';
import { AlbumsApi } from './albums';
import { MediadError } from './errors';
import { MediaApi } from './media';
import { InvitesApi, MembersApi } from './members';
import { SharesApi } from './shares';
import { ClientOptions, StoredSession, Transport } from './transport';
import { Uploads } from './uploads';

/**
 * MediadClient is the SDK's entry point: one per mini-program, with the
 * global `wx`. It signs in with wx.login on the first call that needs a
 * session and keeps the token in storage.
 */
export class MediadClient {
  readonly transport: Transport;
  readonly media: MediaApi;
  readonly uploads: Uploads;
  readonly albums: AlbumsApi;
  readonly members: MembersApi;
  readonly invites: InvitesApi;
  readonly shares: SharesApi;
  readonly account: AccountApi;

  constructor(opts: ClientOptions) {
    this.transport = new Transport(opts);
    this.media = new MediaApi(this.transport);
    this.uploads = new Uploads(this.transport);
    this.albums = new AlbumsApi(this.transport);
    this.members = new MembersApi(this.transport);
    this.invites = new InvitesApi(this.transport);
    this.shares = new SharesApi(this.transport);
    this.account = new AccountApi(this.transport);
  }

  /** login signs in now with a fresh wx.login code (otherwise done on demand). */
  login(): Promise<StoredSession> {
    return this.transport.login();
  }

  /** session returns the stored session, if signed in. */
  session(): StoredSession | undefined {
    return this.transport.session();
  }

  /** logout revokes the session token on the engine and forgets it. */
  async logout(): Promise<void> {
    const s = this.transport.session();
    if (!s) return;
    try {
      await this.transport.once({ method: 'POST', path: '/v1/auth/logout' }, s.token);
    } catch (e) {
      // A token the engine no longer knows is as good as revoked.
      if (!(e instanceof MediadError && e.status === 401)) throw e;
    } finally {
      this.transport.forget();
    }
  }
}
