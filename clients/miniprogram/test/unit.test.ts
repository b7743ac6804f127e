// Tests of the SDK's pure parts (no engine): SHA-256, progress, URL expiry,
// error decoding.

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { test } from 'node:test';
import { MediadError, Sha256, Transport, urlsExpiring } from '../dist/index';
import { WxShim } from './wxshim';

test('Sha256 matches node:crypto at block boundaries and in uneven slices', () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 1 << 20]) {
    const data = crypto.randomBytes(n);
    const want = crypto.createHash('sha256').update(data).digest('hex');
    assert.equal(new Sha256().update(data).hex(), want, `one update of ${n} bytes`);
    const h = new Sha256();
    for (let i = 0; i < n; i += 37) h.update(data.subarray(i, i + 37));
    assert.equal(h.hex(), want, `37-byte slices of ${n} bytes`);
  }
});

test('urlsExpiring: fresh URLs are kept, near or past expiry they are not', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  const urls = { thumb: 'http://x/f/1/thumb?t=a' };
  assert.equal(urlsExpiring({ urls, urls_expire_at: '2030-01-01T00:10:00Z' }, 60_000, now), false);
  assert.equal(urlsExpiring({ urls, urls_expire_at: '2030-01-01T00:00:30Z' }, 60_000, now), true);
  assert.equal(urlsExpiring({ urls, urls_expire_at: '2029-12-31T23:00:00Z' }, 60_000, now), true);
  assert.equal(urlsExpiring({}, 60_000, now), true);
});

test('errors: the engine error body becomes MediadError {status, code, message}', async () => {
  const { createServer } = await import('node:http');
  const srv = createServer((_req, res) => {
    res.statusCode = 404;
    res.setHeader('X-Request-Id', 'req-1');
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ error: { code: 'not_found', message: 'Album not found.' } }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    const t = new Transport({ baseURL: `http://127.0.0.1:${port}/`, wx: new WxShim({ openid: 'nobody' }) });
    await assert.rejects(t.call({ method: 'GET', path: '/v1/albums/x', auth: false }), (e: unknown) => {
      assert.ok(e instanceof MediadError);
      assert.deepEqual([e.status, e.code, e.message, e.requestId], [404, 'not_found', 'Album not found.', 'req-1']);
      return true;
    });
  } finally {
    srv.close();
  }
});
