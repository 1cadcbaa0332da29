import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './free-port.js';

/** A real redis-server on a free port of 127.0.0.1, started and stopped by a test. */
export interface RedisTestServer {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Stops the server (SIGKILL: tests use it to make Redis go away mid-read too). */
  stop(): Promise<void>;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not listen on port ${port} in time`);
}

/** Starts `redis-server` (Debian package `redis-server`; `.ci/run` installs it) without persistence. */
export async function startRedisServer(): Promise<RedisTestServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const failed = new Promise<never>((_, reject) => child.once('error', reject));
    try {
      await Promise.race([waitForPort(port, Date.now() + 10_000), failed, exited.then(() => Promise.reject(new Error('redis-server exited at start')))]);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt < 2 && (error as Error).message.includes('exited')) continue; // port taken between probe and start
      throw error;
    }
    return {
      port,
      url: `redis://127.0.0.1:${port}`,
      process: child,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
      },
    };
  }
}
