import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = statSync(path.join(dir, entry));
    if (st.isFile()) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/** Browser tests need the built UI: build it when missing or older than its sources. */
export default function setup(): void {
  const index = path.join(ROOT, 'ui/dist/index.html');
  const stale = !existsSync(index) || statSync(index).mtimeMs < Math.max(newestMtime(path.join(ROOT, 'ui/src')), statSync(path.join(ROOT, 'ui/index.html')).mtimeMs);
  if (stale && process.env.YZ_SKIP_UI_BUILD !== '1') execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}
