import { MediadError } from './errors';
import { Sha256 } from './sha256';
import { MiniWx, WxStats, isWxError, wxCall } from './wx';

function fileError(what: string, e: unknown): MediadError {
  return new MediadError(0, 'file_error', `${what}: ${isWxError(e) ? e.errMsg : String(e)}`);
}

/** fileSize returns the size of a local file (wx FileSystemManager.stat). */
export async function fileSize(wx: MiniWx, filePath: string): Promise<number> {
  let res: { stats: WxStats | unknown[] };
  try {
    res = await wxCall((success, fail) => wx.getFileSystemManager().stat({ path: filePath, success, fail }));
  } catch (e) {
    throw fileError('stat ' + filePath, e);
  }
  const st = res.stats as WxStats;
  if (Array.isArray(res.stats) || typeof st.size !== 'number' || !st.isFile()) {
    throw new MediadError(0, 'file_error', filePath + ' is not a file');
  }
  return st.size;
}

/** readRange reads length bytes of a file from position (base library 2.10.0+). */
export async function readRange(wx: MiniWx, filePath: string, position: number, length: number): Promise<ArrayBuffer> {
  let res: { data: string | ArrayBuffer };
  try {
    res = await wxCall((success, fail) =>
      wx.getFileSystemManager().readFile({ filePath, position, length, success, fail }),
    );
  } catch (e) {
    throw fileError(`read ${filePath} at ${position}`, e);
  }
  if (!(res.data instanceof ArrayBuffer) || res.data.byteLength !== length) {
    throw new MediadError(0, 'file_error', `read ${filePath} at ${position}: got a short or non-binary read`);
  }
  return res.data;
}

/** fileSha256 hashes a file in slices of sliceBytes (default 4 MiB). */
export async function fileSha256(wx: MiniWx, filePath: string, size: number, sliceBytes = 4 << 20): Promise<string> {
  const h = new Sha256();
  for (let pos = 0; pos < size; pos += sliceBytes) {
    h.update(await readRange(wx, filePath, pos, Math.min(sliceBytes, size - pos)));
  }
  return h.hex();
}
