import type { ChildProcess } from 'node:child_process';

/** Sends `{ type }` to a forked server and resolves with its first message of type `reply`. */
export function askChild<T>(child: ChildProcess, type: string, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }): void => {
      if (m.type === reply) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    child.send({ type });
  });
}
