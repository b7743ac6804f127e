// @wxalbum/mediad-sdk: the mini-program client of the mediad engine.
export { MediadClient } from './client';
export { MediadError, isMediadError } from './errors';
export type { ClientErrorCode } from './errors';
export type { ClientOptions, StoredSession, ApiRequest, Method } from './transport';
export { Transport } from './transport';
export type { UploadOptions, UploadHandle } from './upload';
export { ChunkedUpload } from './chunked';
export type { ChunkedOptions, ResumeOptions } from './chunked';
export type { AutoUploadOptions } from './uploads';
export type { SavedUpload } from './uploadstate';
export type { ListOptions, WaitOptions } from './media';
export { urlsExpiring } from './media';
export type { ShareOptions } from './shares';
export type { InviteOptions } from './members';
export type { Progress } from './util';
export { Sha256 } from './sha256';
export type * from './types';
export type * from './wx';
