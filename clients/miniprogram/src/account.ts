import { Transport } from './transport';
import {
  DeletionReceipt,
  Export,
  ID,
  Me,
  Notification,
  NotificationSetting,
  NotificationSettingsUpdate,
  User,
} from './types';
import { pollUntil } from './util';

/** AccountApi: the caller's profile, consent and data rights. */
export class AccountApi {
  constructor(private readonly t: Transport) {}

  /** me returns the caller and whether they must accept the privacy policy first. */
  me(): Promise<Me> {
    return this.t.call({ method: 'GET', path: '/v1/me' });
  }

  /** setNickname changes the caller's nickname (PATCH /v1/me; see README). */
  async setNickname(nickname: string): Promise<User> {
    return (await this.t.call<{ user: User }>({ method: 'PATCH', path: '/v1/me', body: { nickname } })).user;
  }

  /** acceptPolicy records consent to privacy policy version (the current one). */
  async acceptPolicy(version: string): Promise<User> {
    return (await this.t.call<{ user: User }>({ method: 'POST', path: '/v1/me/consent', body: { version } })).user;
  }

  /** notifications returns the caller's notifications, newest first. */
  async notifications(limit?: number): Promise<Notification[]> {
    return (await this.inbox(limit)).notifications;
  }

  /** inbox returns the caller's notifications, newest first, and how many are unread. */
  inbox(limit?: number): Promise<{ notifications: Notification[]; unread: number }> {
    return this.t.call({ method: 'GET', path: '/v1/me/notifications', query: { limit } });
  }

  /** markRead marks notifications read: the ids given, or all of them with 'all'. */
  async markRead(ids: ID[] | 'all'): Promise<number> {
    const body = ids === 'all' ? { all: true } : { ids };
    return (await this.t.call<{ marked: number }>({ method: 'POST', path: '/v1/me/notifications/read', body })).marked;
  }

  /** notificationSettings returns every kind's setting, with the template ids to subscribe to. */
  async notificationSettings(): Promise<NotificationSetting[]> {
    return (await this.t.call<{ settings: NotificationSetting[] }>({ method: 'GET', path: '/v1/me/notification-settings' }))
      .settings;
  }

  /**
   * updateNotificationSettings switches kinds on or off and reports what
   * wx.requestSubscribeMessage resolved with (pass its result object as
   * `subscriptions`, unchanged): each accept allows one message.
   */
  async updateNotificationSettings(u: NotificationSettingsUpdate): Promise<NotificationSetting[]> {
    return (
      await this.t.call<{ settings: NotificationSetting[] }>({ method: 'PUT', path: '/v1/me/notification-settings', body: u })
    ).settings;
  }

  /** requestExport queues a ZIP of the caller's data. */
  async requestExport(): Promise<Export> {
    return (await this.t.call<{ id: ID; export: Export }>({ method: 'POST', path: '/v1/me/exports' })).export;
  }

  /** getExport returns an export; when ready, download_url is a signed URL (10 minutes). */
  async getExport(id: ID): Promise<Export> {
    return (await this.t.call<{ export: Export }>({ method: 'GET', path: `/v1/me/exports/${id}` })).export;
  }

  /** waitExport polls an export until it is ready or failed. */
  waitExport(id: ID, timeoutMs = 5 * 60_000): Promise<Export> {
    return pollUntil(
      () => this.getExport(id),
      (e) => e.status !== 'pending',
      { timeoutMs, startMs: 1000, maxMs: 5000, what: `export ${id}` },
    );
  }

  /**
   * deleteAccount deletes the caller's account and forgets the session. The
   * engine wants a sign-in less than 5 minutes old: on 401 reauth_required
   * the SDK signs in again with wx.login and retries once.
   */
  async deleteAccount(): Promise<{ receipt_id: ID }> {
    const r = await this.t.call<{ receipt_id: ID }>({ method: 'DELETE', path: '/v1/me', body: { confirm: 'DELETE' } });
    this.t.forget();
    return r;
  }

  /** deletionReceipt shows what an account deletion removed (no session needed). */
  async deletionReceipt(id: ID): Promise<DeletionReceipt> {
    return (
      await this.t.call<{ receipt: DeletionReceipt }>({ method: 'GET', path: `/v1/deletion-receipts/${id}`, auth: false })
    ).receipt;
  }
}
