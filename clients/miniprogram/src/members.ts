import { Transport } from './transport';
import { Album, ID, Invite, InvitePreview, Member } from './types';

/** MembersApi: an album's members and their roles. */
export class MembersApi {
  constructor(private readonly t: Transport) {}

  /** list returns the album's members, the owner first. */
  async list(albumId: ID): Promise<Member[]> {
    return (await this.t.call<{ members: Member[] }>({ method: 'GET', path: `/v1/albums/${albumId}/members` })).members;
  }

  /** setRole makes another member a contributor or viewer (owner; PATCH, see README). */
  async setRole(albumId: ID, userId: ID, role: 'contributor' | 'viewer'): Promise<void> {
    await this.t.call({ method: 'PATCH', path: `/v1/albums/${albumId}/members/${userId}`, body: { role } });
  }

  /** remove removes another member (owner). */
  async remove(albumId: ID, userId: ID): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/v1/albums/${albumId}/members/${userId}` });
  }
}

/** Options of an invitation. */
export interface InviteOptions {
  role: 'contributor' | 'viewer';
  /** Lifetime in seconds, 60 to 30 days (default 7 days). */
  expiresIn?: number;
  /** How many users may join with it (default 1). */
  maxUses?: number;
}

/** InvitesApi: invitations to albums. */
export class InvitesApi {
  constructor(private readonly t: Transport) {}

  /** create makes an invitation (owner); its token is returned only here. */
  async create(albumId: ID, opts: InviteOptions): Promise<{ invite: Invite; token: string }> {
    const body: Record<string, unknown> = { role: opts.role };
    if (opts.expiresIn) body.expires_in = opts.expiresIn;
    if (opts.maxUses) body.max_uses = opts.maxUses;
    return this.t.call({ method: 'POST', path: `/v1/albums/${albumId}/invites`, body });
  }

  /** revoke stops an invitation at once (owner). */
  async revoke(albumId: ID, inviteId: ID): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/v1/albums/${albumId}/invites/${inviteId}` });
  }

  /** preview shows what an invitation offers, without using it. */
  async preview(token: string): Promise<InvitePreview> {
    return (await this.t.call<{ invite: InvitePreview }>({ method: 'GET', path: `/v1/invites/${encodeURIComponent(token)}` }))
      .invite;
  }

  /** accept joins the invitation's album and returns it. */
  async accept(token: string): Promise<Album> {
    return (
      await this.t.call<{ album: Album }>({ method: 'POST', path: `/v1/invites/${encodeURIComponent(token)}/accept` })
    ).album;
  }
}
