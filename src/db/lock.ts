import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An embedded database folder may be open in one process only. Takes the folder's lock file or
 * explains who holds it; a lock left by a process that has died is taken over.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, 'openib.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8'));
      if (holder && holder !== process.pid && alive(holder))
        throw new Error(
          `The embedded database in ${dir} is in use by process ${holder}. Stop it first, or manage the running server through its API (POST /api/v1/clients).`,
        );
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock ${dir}.`);
}
