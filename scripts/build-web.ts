// Builds the web app (web/ → web/dist) with Vite when it is missing or older than its sources.
// `--force` rebuilds anyway; `--if-possible` (the prepare script, run by npm ci/install) never fails the install.
import { rmSync } from 'node:fs';
import { buildWeb, ensureWebBuilt, WEB_DIST } from '../src/web/build.ts';

const args = process.argv.slice(2);
const log = (line: string) => process.stderr.write(`${line}\n`);
if (args.includes('--if-possible')) {
  await ensureWebBuilt(log);
} else {
  if (args.includes('--force')) rmSync(WEB_DIST, { recursive: true, force: true });
  await buildWeb(log);
}
