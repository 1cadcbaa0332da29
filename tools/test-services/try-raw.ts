import { startS3Server } from './src/index.ts';
import { spawnS3rver } from './src/s3-server.ts';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
const s3 = await startS3Server({ buckets: ['bench'] });
const raw = await spawnS3rver(os.tmpdir() + '/x' + Date.now(), ['bench']);
const body = randomBytes(64 * 1024 * 1024);
const rawPut = (port: number) => new Promise<void>((res, rej) => { const r = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/bench/raw', headers: { 'content-length': body.length } }, (x) => { x.resume(); x.on('end', () => res()); }); r.on('error', rej); r.end(body); });
const rawGet = (port: number) => new Promise<void>((res, rej) => { http.get({ host: '127.0.0.1', port, path: '/bench/raw' }, (x) => { x.resume(); x.on('end', () => res()); }).on('error', rej); });
const a: number[] = [], b: number[] = [], ga: number[] = [], gb: number[] = [];
for (let i = 0; i < 6; i++) {
  let t = performance.now(); await rawPut(s3.port); a.push(performance.now() - t);
  t = performance.now(); await rawGet(s3.port); ga.push(performance.now() - t);
  t = performance.now(); await rawPut(raw.port); b.push(performance.now() - t);
  t = performance.now(); await rawGet(raw.port); gb.push(performance.now() - t);
}
const f = (x: number[]) => [...x].sort((m, n) => m - n).map((v) => v.toFixed(0)).join(' ');
console.log('PUT proxy', f(a), '\nPUT direct', f(b), '\nGET proxy', f(ga), '\nGET direct', f(gb));
await s3.stop(); raw.child.kill();
