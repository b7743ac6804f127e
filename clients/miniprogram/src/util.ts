import { MediadError } from './errors';

/** sleep waits ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * randomKey returns 32 hex characters for Idempotency-Key headers and local
 * upload ids. Math.random is enough: the key only has to be unique among
 * one user's uploads of a day, and the mini-program has no crypto API.
 */
export function randomKey(): string {
  let s = Date.now().toString(16);
  while (s.length < 32) s += Math.floor(Math.random() * 16).toString(16);
  return s.slice(0, 32);
}

/** Backoff yields growing delays: start, start*factor, ... capped at max. */
export class Backoff {
  private next: number;
  constructor(
    start: number,
    private readonly max: number,
    private readonly factor = 1.6,
  ) {
    this.next = start;
  }

  /** delay returns the next delay in ms. */
  delay(): number {
    const d = this.next;
    this.next = Math.min(this.max, Math.round(this.next * this.factor));
    return d;
  }
}

/** pollUntil calls fetch with backoff until done(value) or timeoutMs passes. */
export async function pollUntil<T>(
  fetch: () => Promise<T>,
  done: (v: T) => boolean,
  opts: { timeoutMs: number; startMs?: number; maxMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const backoff = new Backoff(opts.startMs ?? 300, opts.maxMs ?? 3000);
  for (;;) {
    const v = await fetch();
    if (done(v)) return v;
    const wait = Math.min(backoff.delay(), deadline - Date.now());
    if (wait <= 0) throw new MediadError(0, 'timeout', `${opts.what}: still not done after ${opts.timeoutMs} ms`);
    await sleep(wait);
  }
}

/** Progress of an upload. percent reaches 100 only once the engine holds the file. */
export interface Progress {
  bytesSent: number;
  totalBytes: number;
  percent: number;
}

/**
 * progressReporter wraps a progress callback so that it only ever sees
 * growing values, and 100 percent only through done().
 */
export function progressReporter(cb: ((p: Progress) => void) | undefined, total: number) {
  let lastBytes = -1;
  let lastPercent = -1;
  const emit = (bytes: number, percent: number) => {
    if (!cb || (bytes <= lastBytes && percent <= lastPercent)) return;
    lastBytes = Math.max(lastBytes, bytes);
    lastPercent = Math.max(lastPercent, percent);
    cb({ bytesSent: lastBytes, totalBytes: total, percent: lastPercent });
  };
  return {
    /** sent reports bytes sent so far (below 100 percent). */
    sent(bytes: number) {
      const b = Math.min(Math.max(0, bytes), total);
      emit(b, total > 0 ? Math.min(99, Math.floor((b * 100) / total)) : 0);
    },
    /** done reports the whole file accepted. */
    done() {
      emit(total, 100);
    },
  };
}
