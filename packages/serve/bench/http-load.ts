// A lean HTTP/1.1 keep-alive load generator on raw sockets: one request in flight per
// connection, pre-serialised request bytes, minimal response parsing. Cheaper per request than
// node:http's client, so on a 2-core machine it steals less CPU from the server under test.
import { connect, type Socket } from 'node:net';

export interface LoadTarget {
  host: string;
  port: number;
  path: string;
  body: Uint8Array;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  errors: number;
  non200: number;
  seconds: number;
  rps: number;
  latenciesMs: Float64Array;
}

function requestBytes(t: LoadTarget): Buffer {
  const head = [`POST ${t.path} HTTP/1.1`, `Host: ${t.host}:${t.port}`, 'Connection: keep-alive', `Content-Length: ${t.body.length}`];
  for (const [k, v] of Object.entries(t.headers ?? { 'Content-Type': 'application/json' })) head.push(`${k}: ${v}`);
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), Buffer.from(t.body)]);
}

class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private need = -1;
  private status = 0;
  private headerEnd = -1;
  onDone: ((status: number) => void) | undefined;
  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
  }
  send(bytes: Buffer, done: (status: number) => void): void {
    this.onDone = done;
    this.socket.write(bytes);
  }
  private data(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (true) {
      if (this.headerEnd < 0) {
        const i = this.buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        const head = this.buf.subarray(0, i).toString('latin1');
        this.status = Number(head.slice(9, 12));
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        this.need = m ? Number(m[1]) : 0;
        this.headerEnd = i + 4;
      }
      if (this.buf.length < this.headerEnd + this.need) return;
      this.buf = this.buf.subarray(this.headerEnd + this.need);
      this.headerEnd = -1;
      const done = this.onDone;
      this.onDone = undefined;
      done?.(this.status);
    }
  }
}

async function open(t: LoadTarget, n: number): Promise<Conn[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const s = connect(t.port, t.host, () => resolve(new Conn(s)));
          s.once('error', reject);
        }),
    ),
  );
}

/** Closed loop: `connections` clients each send the next request when the last one answered. */
export async function closedLoop(t: LoadTarget, connections: number, seconds: number): Promise<LoadResult> {
  const conns = await open(t, connections);
  const bytes = requestBytes(t);
  const lat: number[] = [];
  let errors = 0;
  let non200 = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    conns.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.socket.once('error', () => {
            errors++;
            resolve();
          });
          const next = (): void => {
            const t0 = performance.now();
            if (t0 >= end) return resolve();
            c.send(bytes, (status) => {
              lat.push(performance.now() - t0);
              if (status !== 200) non200++;
              next();
            });
          };
          next();
        }),
    ),
  );
  const secs = (performance.now() - start) / 1000;
  for (const c of conns) c.socket.destroy();
  return { requests: lat.length, errors, non200, seconds: secs, rps: lat.length / secs, latenciesMs: Float64Array.from(lat) };
}

/** A fixed-rate run, with the generator's own precision: how late requests left after they were due. */
export interface OpenLoopResult extends LoadResult {
  /** Send lateness (ms from due to the write), sorted: the generator's own precision. */
  sendLateMs: Float64Array;
}

/**
 * Open loop at a fixed rate: requests are due at `i / rate` seconds; latency is measured from
 * when a request was due (so client-side waiting counts: no coordinated omission). Due requests
 * leave on a 1 ms timer. (Sub-millisecond pacing from a thread sleeping in `Atomics.wait` was
 * tried: it doubled the generator's CPU per request, and on 2 cores that made tails worse.)
 */
export async function openLoop(t: LoadTarget, rate: number, seconds: number, maxConnections = 64): Promise<OpenLoopResult> {
  const conns = await open(t, Math.min(maxConnections, Math.max(4, Math.ceil(rate / 200))));
  const bytes = requestBytes(t);
  const free = [...conns];
  const backlog: number[] = [];
  const total = Math.floor(rate * seconds);
  const lat = new Float64Array(total);
  const late = new Float64Array(total);
  let non200 = 0;
  let sent = 0;
  let finished = 0;
  let dispatched = 0;
  const start = performance.now();
  return new Promise<OpenLoopResult>((resolve) => {
    const dispatch = (): void => {
      while (backlog.length > 0 && free.length > 0) {
        const due = backlog.shift()!;
        const c = free.pop()!;
        late[dispatched++] = performance.now() - due;
        c.send(bytes, (status) => {
          lat[finished++] = performance.now() - due;
          if (status !== 200) non200++;
          free.push(c);
          if (finished === total) {
            clearInterval(timer);
            const secs = (performance.now() - start) / 1000;
            for (const x of conns) x.socket.destroy();
            resolve({ requests: total, errors: 0, non200, seconds: secs, rps: total / secs, latenciesMs: lat, sendLateMs: late.sort() });
            return;
          }
          dispatch();
        });
      }
    };
    const timer = setInterval(() => {
      const now = performance.now();
      const dueCount = Math.min(total, Math.floor(((now - start) / 1000) * rate));
      while (sent < dueCount) {
        backlog.push(start + (sent / rate) * 1000);
        sent++;
      }
      dispatch();
    }, 1);
  });
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
