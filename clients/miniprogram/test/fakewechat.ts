// A local fake of WeChat's jscode2session (GET /sns/jscode2session), as the
// engine calls it (auth/wechat.go): codes made by WxShim.login are
// "<openid>.<n>.<random>", each usable once, like WeChat's.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const APPID = 'wx-sdk-test';
export const SECRET = 'sdk-test-secret';

export interface FakeWeChat {
  url: string;
  /** Codes exchanged, in order. */
  exchanged: string[];
  close(): Promise<void>;
}

export async function startFakeWeChat(): Promise<FakeWeChat> {
  const used = new Set<string>();
  const exchanged: string[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const reply = (body: object) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (u.pathname !== '/sns/jscode2session') {
      res.statusCode = 404;
      return reply({ errcode: 404, errmsg: 'no such api' });
    }
    const q = u.searchParams;
    if (q.get('appid') !== APPID || q.get('secret') !== SECRET || q.get('grant_type') !== 'authorization_code') {
      return reply({ errcode: 40125, errmsg: 'invalid appsecret' });
    }
    const code = q.get('js_code') ?? '';
    const openid = code.split('.')[0];
    if (!openid || used.has(code)) return reply({ errcode: 40163, errmsg: 'code been used' });
    used.add(code);
    exchanged.push(code);
    reply({ openid: 'o-' + openid, session_key: 'k-' + code });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanged,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
