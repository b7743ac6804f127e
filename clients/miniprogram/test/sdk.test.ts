// The SDK against the real engine (see engine.ts), through the wx shim.

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Media, MediadClient, MediadError, Progress, SavedUpload } from '../dist/index';
import { startEngine, type Engine } from './engine';
import { WxShim } from './wxshim';

let engine: Engine;

before(async () => {
  engine = await startEngine();
}, { timeout: 300_000 });

after(async () => {
  await engine?.stop();
});

function client(wx: WxShim): MediadClient {
  return new MediadClient({ baseURL: engine.base, wx });
}

function fixture(rel: string): string {
  return path.join(engine.root, 'testdata', rel);
}

/** raw calls the engine directly, bypassing the SDK. */
async function raw(method: string, p: string, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(engine.base + p, { method, headers: token ? { Authorization: 'Bearer ' + token } : {} });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** rejectsWith asserts that p rejects with a MediadError of status and code. */
async function rejectsWith(p: Promise<unknown>, status: number, code: string): Promise<MediadError> {
  let got: unknown;
  await assert.rejects(p, (e) => ((got = e), true));
  assert.ok(got instanceof MediadError, `want MediadError, got ${String(got)}`);
  assert.deepEqual([got.status, got.code], [status, code], got.message);
  return got;
}

/** assertMonotonic checks progress events grow and end at 100 percent with every byte sent. */
function assertMonotonic(events: Progress[], total: number, what: string): void {
  assert.ok(events.length >= 2, `${what}: only ${events.length} progress events`);
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1], events[i]];
    assert.ok(b.bytesSent >= a.bytesSent && b.percent >= a.percent, `${what}: event ${i} goes back: ${JSON.stringify([a, b])}`);
    assert.ok(b.bytesSent > a.bytesSent || b.percent > a.percent, `${what}: event ${i} repeats ${JSON.stringify(b)}`);
  }
  const last = events[events.length - 1];
  assert.deepEqual([last.percent, last.bytesSent, last.totalBytes], [100, total, total], `${what}: last event`);
  assert.ok(events.slice(0, -1).every((e) => e.percent < 100), `${what}: 100 before the end`);
}

// One ready photo (visibility link, in an album of alice's), made once for the tests that need it.
let photoOnce: Promise<{ c: MediadClient; wx: WxShim; albumId: string; media: Media }> | undefined;
function readyPhoto() {
  photoOnce ??= (async () => {
    const wx = new WxShim({ openid: 'alice' });
    const c = client(wx);
    const album = await c.albums.create('Trip to Dali');
    const events: Progress[] = [];
    const up = c.uploads.direct({
      filePath: fixture('images/gps/DSCN0010.jpg'),
      kind: 'photo',
      albumId: album.id,
      visibility: 'link',
      onProgress: (p) => events.push(p),
    });
    const created = await up.result;
    assert.equal(created.duplicate, false);
    assert.equal(created.media.content_type, 'image/jpeg');
    assert.equal(created.media.size, fs.statSync(fixture('images/gps/DSCN0010.jpg')).size);
    assertMonotonic(events, created.media.size, 'photo upload');
    const media = await c.media.waitReady(created.media.id, { timeoutMs: 60_000 });
    return { c, wx, albumId: album.id, media };
  })();
  return photoOnce;
}

test('login: wx.login code becomes a stored session; after a revoked session one re-login and one retry', { timeout: 90_000 }, async () => {
  const wx = new WxShim({ openid: 'lena' });
  const c = client(wx);
  const s = await c.login();
  assert.match(s.token, /.{20,}/);
  assert.equal(wx.logins, 1);
  assert.deepEqual(JSON.parse(wx.snapshot()['mediad:session']).token, s.token, 'token kept with setStorageSync');
  const me = await c.account.me();
  assert.equal(me.user.id, s.user_id);

  // Revoke the session behind the SDK's back (as an expiry or another logout would).
  assert.equal((await raw('POST', '/v1/auth/logout', s.token)).status, 204);
  const before = wx.calls.length;
  const again = await c.account.me();
  assert.equal(again.user.id, me.user.id, 'the same WeChat user signs in again');
  assert.equal(wx.logins, 2, 'exactly one re-login');
  const seq = wx.calls.slice(before).map((x) => `${x.method} ${x.path} ${x.status}`);
  assert.deepEqual(seq, ['GET /v1/me 401', 'POST /v1/auth/wechat 200', 'GET /v1/me 200']);
  const fresh = c.session();
  assert.ok(fresh && fresh.token !== s.token, 'the new token is stored');

  // Concurrent calls with a revoked token share one sign-in.
  assert.equal((await raw('POST', '/v1/auth/logout', fresh.token)).status, 204);
  await Promise.all([c.account.me(), c.albums.list(), c.shares.list()]);
  assert.equal(wx.logins, 3, 'three 401s, one re-login');

  // The SDK's logout revokes the token and forgets it.
  const last = c.session()?.token;
  await c.logout();
  assert.equal(c.session(), undefined);
  assert.equal((await raw('GET', '/v1/me', last)).status, 401);
});

test('photo: wx.uploadFile to POST /v1/media, waitReady, signed URLs used as they are and refreshed when expiring', { timeout: 90_000 }, async () => {
  const { c, wx, media } = await readyPhoto();
  assert.equal(media.status, 'ready');
  const upload = wx.calls.find((x) => x.api === 'uploadFile');
  assert.deepEqual([upload?.path, upload?.status], ['/v1/media', 202]);
  assert.ok(media.urls?.thumb && media.urls.preview && media.urls_expire_at);
  const img = await fetch(media.urls.thumb); // no Authorization: the URL authorises itself
  assert.equal(img.status, 200);
  assert.equal(img.headers.get('content-type'), 'image/jpeg');

  assert.equal(await c.media.fresh(media), media, 'URLs valid for minutes are kept');
  const gets = wx.calls.length;
  const renewed = await c.media.fresh({ ...media, urls_expire_at: new Date(Date.now() + 5_000).toISOString() });
  assert.notEqual(renewed, media);
  assert.equal(wx.calls.length, gets + 1, 'one GET /v1/media/:id');
  assert.ok(Date.parse(renewed.urls_expire_at!) > Date.now() + 60_000, 'new URLs expire later');
});

test('video: 40 MB chunked upload killed after half its parts, resumed by a new client from storage, completed with the right SHA-256', { timeout: 90_000 }, async () => {
  // A real MP4 padded to 40 MB: the engine sniffs it as video/mp4 at upload time.
  const size = 40_000_000;
  const file = path.join(engine.tmp, 'big.mp4');
  const head = fs.readFileSync(fixture('video/location_udta.mp4'));
  fs.writeFileSync(file, Buffer.concat([head, crypto.randomBytes(size - head.length)]));
  const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  const wx1 = new WxShim({ openid: 'bob' });
  const c1 = client(wx1);
  await c1.login();
  const first: Progress[] = [];
  let storage: Record<string, string> | undefined;
  const killed = new Promise<void>((resolve, reject) => {
    const up = c1.uploads.chunked({
      filePath: file,
      kind: 'video',
      sha256: true,
      concurrency: 4,
      onProgress: (p) => {
        first.push(p);
        if (!storage && p.bytesSent >= size / 2) {
          storage = wx1.kill(); // the mini-program dies: only storage and the file remain
          resolve();
        }
      },
    });
    up.result.then(() => reject(new Error('the upload finished before the kill')), reject);
  });
  await killed;
  assert.ok(storage);

  const pendingBefore: SavedUpload[] = client(new WxShim({ openid: 'bob', storage })).uploads.pending();
  assert.equal(pendingBefore.length, 1);
  const saved = pendingBefore[0];
  assert.equal(saved.sha256, sha, 'the SDK hashed the file as node:crypto does');
  assert.equal(saved.partCount, 8, '40 MB in 5 MiB parts');
  assert.ok(saved.done.length >= 4 && saved.done.length < 8, `parts done at the kill: ${saved.done}`);
  const token = JSON.parse(storage['mediad:session']).token;
  // Parts whose bytes had all left before the kill may still land: wait until the engine's list settles.
  const parts = async () => (await raw('GET', `/v1/uploads/${saved.uploadId}`, token)).body.parts.map((p: { n: number }) => p.n);
  let held: number[] = await parts();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await parts();
    if (now.join() === held.join()) break;
    held = now;
  }
  assert.ok(saved.done.every((n) => held.includes(n)), `engine holds ${held}, storage says ${saved.done}`);

  // A new mini-program process: a new wx, a new client, the old storage.
  const wx2 = new WxShim({ openid: 'bob', storage });
  const c2 = client(wx2);
  const second: Progress[] = [];
  const up2 = c2.uploads.resume(saved.localId, { onProgress: (p) => second.push(p) });
  const created = await up2.result;

  assert.equal(wx2.logins, 0, 'the stored session is reused');
  const sent = wx2.calls.filter((x) => x.method === 'PUT').map((x) => Number(x.path.split('/').pop()));
  assert.ok(sent.length > 0 && sent.every((n) => !held.includes(n)), `parts sent again: ${sent}, engine held ${held}`);
  assert.deepEqual([...new Set([...held, ...sent])].sort(), [1, 2, 3, 4, 5, 6, 7, 8], 'every part sent once overall');
  assert.ok(wx2.calls.some((x) => x.method === 'GET' && x.path === `/v1/uploads/${saved.uploadId}`), 'asked the engine for its parts');
  assert.deepEqual(
    [created.duplicate, created.media.kind, created.media.content_type, created.media.size],
    [false, 'video', 'video/mp4', size],
  );
  const stored = await engine.sql(`SELECT encode(sha256, 'hex') || ' ' || size_bytes FROM media WHERE id = '${created.media.id}'`);
  assert.equal(stored, `${sha} ${size}`, 'the engine recorded the SHA-256 it verified');
  assert.deepEqual(c2.uploads.pending(), [], 'the saved state is gone');
  assert.equal((await c2.media.get(created.media.id)).id, created.media.id);

  assert.ok(first.length >= 4 && first.every((p) => p.percent < 100));
  for (let i = 1; i < first.length; i++) assert.ok(first[i].bytesSent > first[i - 1].bytesSent, 'before the kill: growing');
  assertMonotonic(second, size, 'after resume');
  const partLen = (n: number) => (n < 8 ? 5 << 20 : size - 7 * (5 << 20));
  const heldBytes = held.reduce((sum: number, n: number) => sum + partLen(n), 0);
  assert.ok(second[0].bytesSent >= heldBytes, `resumed progress starts at the ${heldBytes} bytes held: ${second[0].bytesSent}`);
});

test('chunked: a wrong SHA-256 is refused at completion (422 checksum_mismatch) and the saved state is dropped', { timeout: 90_000 }, async () => {
  const file = path.join(engine.tmp, 'small.mp4');
  const head = fs.readFileSync(fixture('video/location_udta.mp4'));
  fs.writeFileSync(file, Buffer.concat([head, crypto.randomBytes(6_000_000 - head.length)]));
  const c = client(new WxShim({ openid: 'bob' }));
  const up = c.uploads.chunked({ filePath: file, kind: 'video', sha256: '0'.repeat(64) });
  await rejectsWith(up.result, 422, 'checksum_mismatch');
  assert.deepEqual(c.uploads.pending(), []);
});

test('chunked: cancel aborts the parts in flight and DELETEs the upload', { timeout: 90_000 }, async () => {
  const file = path.join(engine.tmp, 'cancel.mp4');
  const head = fs.readFileSync(fixture('video/location_udta.mp4'));
  fs.writeFileSync(file, Buffer.concat([head, crypto.randomBytes(16_000_000 - head.length)]));
  const wx = new WxShim({ openid: 'bob' });
  const c = client(wx);
  let up: ReturnType<MediadClient['uploads']['chunked']>;
  const firstPart = new Promise<void>((resolve) => {
    up = c.uploads.chunked({ filePath: file, kind: 'video', concurrency: 2, onProgress: (p) => p.bytesSent > 0 && resolve() });
  });
  await firstPart;
  const id = up!.snapshot().uploadId;
  await up!.cancel();
  await rejectsWith(up!.result, 0, 'cancelled');
  const del = wx.calls.find((x) => x.method === 'DELETE');
  assert.deepEqual([del?.path, del?.status], [`/v1/uploads/${id}`, 204]);
  assert.equal((await raw('GET', `/v1/uploads/${id}`, c.session()?.token)).status, 404);
  assert.deepEqual(c.uploads.pending(), []);
});

test('share link: created by the owner, opened anonymously (GET /v1/public/shares/:token without a session), revoked', { timeout: 90_000 }, async () => {
  const { c, albumId, media } = await readyPhoto();
  const link = await c.shares.create({ albumId, expiresIn: 3600 });
  assert.match(link.url, /\/s\/.+/);

  const stranger = new WxShim({ openid: 'stranger' });
  const anon = client(stranger);
  const page = await anon.shares.open(link.token);
  assert.deepEqual([page.kind, page.title], ['album', 'Trip to Dali']);
  assert.deepEqual(page.items.map((i) => i.id), [media.id]);
  assert.equal(stranger.logins, 0, 'no sign-in');
  assert.ok(stranger.calls.every((x) => x.auth === undefined), 'no Authorization header');
  assert.equal((await fetch(page.items[0].thumb_url)).status, 200, 'the link-signed thumb opens');

  const one = await c.shares.create({ mediaId: media.id });
  assert.equal((await anon.shares.open(one.token)).kind, 'item');
  assert.equal((await c.shares.list()).length, 2);

  await c.shares.revoke(link.share.id);
  await rejectsWith(anon.shares.open(link.token), 410, 'link_revoked');
  assert.equal(stranger.logins, 0, 'a public 4xx does not sign in');
});

test('dissolution: a wrong title is refused with confirm_mismatch, the exact title dissolves the album', { timeout: 90_000 }, async () => {
  const c = client(new WxShim({ openid: 'olga' }));
  const album = await c.albums.create('Family 2024');
  await rejectsWith(c.albums.dissolve(album.id, 'family 2024'), 400, 'confirm_mismatch');
  await rejectsWith(c.albums.dissolve(album.id, 'Family 2024 '), 400, 'confirm_mismatch');
  assert.equal((await c.albums.get(album.id)).title, 'Family 2024', 'still there');

  await c.albums.dissolve(album.id, 'Family 2024');
  await rejectsWith(c.albums.get(album.id), 404, 'not_found');
  assert.equal((await c.albums.dissolution(album.id)).album_id, album.id);
  assert.deepEqual(await c.albums.list(), []);
});

test('members and invitations: invite, preview, accept, list, remove', { timeout: 90_000 }, async () => {
  const owner = client(new WxShim({ openid: 'pia' }));
  const guest = client(new WxShim({ openid: 'quin' }));
  const album = await owner.albums.create('Book club');
  const inv = await owner.invites.create(album.id, { role: 'viewer', maxUses: 2 });
  assert.equal((await guest.invites.preview(inv.token)).album_title, 'Book club');
  assert.equal((await guest.invites.accept(inv.token)).my_role, 'viewer');
  await rejectsWith(guest.invites.accept(inv.token), 409, 'already_member');
  const members = await owner.members.list(album.id);
  assert.deepEqual(members.map((m) => m.role), ['owner', 'viewer']);
  await rejectsWith(guest.albums.dissolve(album.id, 'Book club'), 403, 'forbidden');
  await owner.members.remove(album.id, members[1].user_id);
  await rejectsWith(guest.albums.get(album.id), 404, 'not_found');
  await owner.invites.revoke(album.id, inv.invite.id);
  await rejectsWith(guest.invites.preview(inv.token), 410, 'invite_gone');
});

test('item visibility and other PATCH calls go through a wx.request that refuses PATCH (POST + X-HTTP-Method-Override)', { timeout: 90_000 }, async () => {
  const { media } = await readyPhoto();
  const strict = client(new WxShim({ openid: 'alice' })); // wx's documented methods only
  assert.equal((await strict.media.setVisibility(media.id, 'only_me')).visibility, 'only_me');
  assert.equal((await strict.media.get(media.id)).visibility, 'only_me');
  assert.equal((await strict.media.setVisibility(media.id, 'link')).visibility, 'link');
  assert.equal((await strict.account.setNickname('Alice')).nickname, 'Alice');
  const album = await strict.albums.create('Renamed soon');
  assert.equal((await strict.albums.update(album.id, { title: 'Renamed' })).title, 'Renamed');
});

test('notifications: switch a kind off, read the inbox, mark read', { timeout: 90_000 }, async () => {
  const owner = client(new WxShim({ openid: 'nora' }));
  const guest = client(new WxShim({ openid: 'otto' }));
  const off = await owner.account.updateNotificationSettings({ kinds: { new_items: false } });
  assert.equal(off.find((s) => s.kind === 'new_items')?.enabled, false);
  assert.equal((await owner.account.notificationSettings()).find((s) => s.kind === 'member_joined')?.enabled, true);
  await rejectsWith(owner.account.updateNotificationSettings({ subscriptions: { NOT_OURS: 'accept' } }), 400, 'unknown_template');
  const album = await owner.albums.create('Joined');
  const inv = await owner.invites.create(album.id, { role: 'viewer' });
  await guest.invites.accept(inv.token);
  const inbox = await owner.account.inbox();
  const joined = inbox.notifications.filter((n) => n.kind === 'member_joined');
  assert.equal(joined.length, 1);
  assert.equal(joined[0].album_id, album.id);
  assert.equal(joined[0].read_at, null);
  assert.ok(inbox.unread >= 1);
  assert.equal(await owner.account.markRead('all'), inbox.unread);
  assert.equal((await owner.account.inbox()).unread, 0);
});

test('your data: export, then account deletion with its receipt', { timeout: 90_000 }, async () => {
  const wx = new WxShim({ openid: 'rita' });
  const c = client(wx);
  const ex = await c.account.requestExport();
  const done = await c.account.waitExport(ex.id, 60_000);
  assert.equal(done.status, 'ready');
  assert.equal((await fetch(done.download_url!)).status, 200);

  const { receipt_id } = await c.account.deleteAccount();
  assert.equal(c.session(), undefined, 'the session is forgotten');
  const receipt = await client(new WxShim({ openid: 'anyone' })).account.deletionReceipt(receipt_id);
  assert.equal(receipt.id, receipt_id);
});
