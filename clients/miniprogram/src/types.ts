// The engine's JSON, as docs/openapi.yaml describes it. Responses are
// returned as the engine sends them (snake_case); only the options of the
// SDK's functions are camelCase.

/** 32 lowercase hex characters. */
export type ID = string;
/** RFC 3339 time. */
export type Time = string;

export type Kind = 'photo' | 'avatar' | 'cover' | 'video';
export type Status = 'processing' | 'ready' | 'failed' | 'deleting';
export type Visibility = 'only_me' | 'members' | 'link';
export type Role = 'owner' | 'contributor' | 'viewer';
export type Variant = 'original' | 'preview' | 'thumb' | 'card' | 'poster' | 'play';
export type Order = 'uploaded' | 'taken';

export interface User {
  id: ID;
  nickname: string;
  avatar_media_id: ID | null;
  created_at: Time;
  policy_version: string | null;
}

export interface Session {
  token: string;
  expires_at: Time;
  user: User;
}

export interface Me {
  user: User;
  policy_update_required: boolean;
  policy_version: string;
}

export type NotificationKind =
  | 'new_items'
  | 'member_joined'
  | 'item_reported'
  | 'item_hidden'
  | 'album_dissolved'
  | 'export_ready';

export interface Notification {
  id: ID;
  kind: NotificationKind;
  /** The album a new_items or member_joined notice is about. */
  album_id?: ID;
  created_at: Time;
  read_at: Time | null;
}

/** One kind's notification setting (GET/PUT /v1/me/notification-settings). */
export interface NotificationSetting {
  kind: NotificationKind;
  enabled: boolean;
  /** The subscribe-message template to pass to wx.requestSubscribeMessage; absent when in-app only. */
  template_id?: string;
  messages_left: number;
  subscribed: boolean;
}

/**
 * A settings update: kinds to switch on or off, and the object
 * wx.requestSubscribeMessage resolved with, as it is.
 */
export interface NotificationSettingsUpdate {
  kinds?: Partial<Record<NotificationKind, boolean>>;
  subscriptions?: Record<string, string>;
}

export interface Media {
  id: ID;
  kind: Kind;
  status: Status;
  fail_reason?: string;
  content_type: string;
  size: number;
  album_id: ID | null;
  visibility: Visibility;
  width?: number;
  height?: number;
  duration_ms?: number;
  placeholder?: string;
  mine: boolean;
  created_at: Time;
  taken_at?: Time;
  taken_at_source?: 'exif' | 'video' | 'upload';
  play_status?: 'pending' | 'ready' | 'original' | 'failed';
  play_fail_reason?: string;
  /** Signed URLs, only for ready items; use them as they are (`<image src>`). */
  urls?: Partial<Record<Variant, string>>;
  urls_expire_at?: Time;
}

export interface MediaCreated {
  media: Media;
  /** The same bytes were already uploaded here; media is the existing item. */
  duplicate: boolean;
}

export interface Page<T> {
  items: T[];
  next_cursor: string;
}

export interface UploadPart {
  n: number;
  size: number;
  etag: string;
}

/** A chunked upload as the engine shows it. */
export interface UploadView {
  upload_id: ID;
  part_size: number;
  part_count: number;
  size: number;
  expires_at: Time;
  parts: UploadPart[];
}

export interface Album {
  id: ID;
  owner_id: ID;
  title: string;
  cover_media_id: ID | null;
  cover_thumb_url?: string;
  default_visibility: Visibility;
  status: 'active';
  created_at: Time;
  my_role: Role;
  item_count: number;
}

export interface AlbumItem {
  id: ID;
  kind: Kind;
  status: Status;
  visibility: Visibility;
  width?: number;
  height?: number;
  duration_ms?: number;
  placeholder?: string;
  mine: boolean;
  thumb_url?: string;
  taken_at?: Time;
  taken_at_source?: 'exif' | 'video' | 'upload';
}

export interface AlbumDay {
  day: string;
  count: number;
  cover_id?: ID;
  thumb_url?: string;
  placeholder?: string;
}

export interface Member {
  user_id: ID;
  nickname: string;
  avatar_media_id: ID | null;
  role: Role;
  joined_at: Time;
}

export interface RankEntry {
  user_id: ID;
  nickname: string;
  items: number;
}

export interface Dissolution {
  album_id: ID;
  items_total: number;
  items_deleted: number;
  objects_deleted: number;
  rows_deleted: number;
  started_at: Time;
  finished_at: Time | null;
}

export interface Invite {
  id: ID;
  album_id: ID;
  role: 'contributor' | 'viewer';
  max_uses: number;
  uses: number;
  expires_at: Time;
  token?: string;
}

export interface InvitePreview {
  album_title: string;
  cover_thumb_url?: string;
  inviter_nickname: string;
  role: 'contributor' | 'viewer';
}

export interface ShareLink {
  id: ID;
  album_id?: ID;
  media_id?: ID;
  has_password: boolean;
  allow_download: boolean;
  show_dates?: boolean;
  expires_at: Time;
  revoked_at?: Time;
  created_at: Time;
  opens: number;
  last_opened_day: string | null;
}

export interface CreatedShare {
  share: ShareLink;
  /** The secret token, shown only once. */
  token: string;
  /** `<MEDIA_PUBLIC_URL>/s/<token>`, the web page of the link. */
  url: string;
}

export interface PublicItem {
  id: ID;
  type: 'photo' | 'video';
  width: number | null;
  height: number | null;
  placeholder: string | null;
  thumb_url: string;
  preview_url: string;
  video_url?: string;
  poster_url?: string;
  download_url?: string;
  taken_at?: Time;
}

export interface PublicShare {
  title: string;
  kind: 'album' | 'item';
  expires_at: Time;
  allow_download: boolean;
  items: PublicItem[];
  next_cursor: string;
}

export interface Unlock {
  unlock_token: string;
  expires_in: number;
}

export interface Export {
  id: ID;
  status: 'pending' | 'ready' | 'failed';
  size?: number;
  created_at: Time;
  finished_at?: Time;
  expires_at: Time;
  download_url?: string;
}

export interface DeletionReceipt {
  id: ID;
  status: 'running' | 'done';
  counts: Record<string, number>;
  created_at: Time;
  finished_at: Time | null;
}
