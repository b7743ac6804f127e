// Build-time check (no runtime code): the real `wx` of miniprogram-api-typings
// satisfies MiniWx, so a mini-program can pass its global `wx` as it is.
// Compiled only by tsconfig.json (the SDK build), not by the Node tests.
import type { MiniWx } from './wx';

type Assert<T extends true> = T;

/** Fails to compile if WechatMiniprogram.Wx stops satisfying MiniWx. */
export type WxSatisfiesMiniWx = Assert<WechatMiniprogram.Wx extends MiniWx ? true : false>;
