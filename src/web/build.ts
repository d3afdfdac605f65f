import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The React app's folder (sources in web/src, the build in web/dist). */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web');
export const WEB_DIST = join(WEB_ROOT, 'dist');
/** Where the built scripts and styles are served from (the pages themselves live at /portal/… and /admin/…). */
export const ASSET_BASE = '/app-assets/';

const SOURCES = ['src', 'index.html', 'tsconfig.json'];
const LOCK = join(WEB_ROOT, '.build-lock');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why the build is stale ('missing', 'outdated') or null when web/dist is newer than every source. */
export function webBuildState(): 'missing' | 'outdated' | null {
  const index = join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return 'missing';
  const built = statSync(index).mtimeMs;
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(WEB_ROOT, s))), newestMtime(fileURLToPath(import.meta.url)));
  return sources > built ? 'outdated' : null;
}

/** Vite's configuration for the app, inline so no config file has to be found or typechecked. */
export async function viteConfig() {
  const react = (await import('@vitejs/plugin-react')).default;
  return {
    root: WEB_ROOT,
    base: ASSET_BASE,
    configFile: false as const,
    logLevel: 'warn' as const,
    plugins: [react()],
    build: { outDir: WEB_DIST, emptyOutDir: true, assetsDir: 'assets', sourcemap: false, chunkSizeWarningLimit: 1500 },
  };
}

/** Builds web/dist with Vite's JS API. One build at a time per checkout (a lock folder); a waiting caller reuses the fresh result. */
export async function buildWeb(log: (line: string) => void = () => {}): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another process builds; a lock older than 5 minutes belonged to a process that died.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() - started > 600_000) throw new Error('waited 10 minutes for another build of web/ to finish');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!webBuildState()) return;
    log('Building the web app (web/ → web/dist)…');
    const { build } = await import('vite');
    await build(await viteConfig());
    log(`Web app built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds the web app when web/dist is missing or older than its sources. Never throws: the API starts without the UI
 * (its pages then answer 503 saying how to build) when Vite or the sources are not there.
 */
export async function ensureWebBuilt(log: (line: string) => void = () => {}): Promise<boolean> {
  if (!webBuildState()) return true;
  if (!existsSync(join(WEB_ROOT, 'index.html'))) return existsSync(join(WEB_DIST, 'index.html'));
  try {
    await buildWeb(log);
    return true;
  } catch (err) {
    log(`The web app could not be built (${(err as Error).message}); the API runs without it. Run "npm run build:web" to see why.`);
    return existsSync(join(WEB_DIST, 'index.html'));
  }
}
