import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writePgliteTemplate } from '../store/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = statSync(path.join(dir, entry));
    if (st.isFile()) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/**
 * Every test runtime starts an embedded database; PGlite's initdb costs 3.7 s each time (≈ 200 databases a run).
 * One initialised cluster per PGlite version is unpacked instead (0.7 s); forks and the CLI processes tests spawn
 * inherit YZ_PGLITE_TEMPLATE from this process. Nothing in it depends on our code: it is the empty cluster.
 */
async function pgliteTemplate(): Promise<void> {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'));
  const file = path.join(ROOT, 'node_modules/.cache/yingzhi', `pglite-${version}-initdb.tar`);
  if (!existsSync(file)) await writePgliteTemplate(file);
  process.env.YZ_PGLITE_TEMPLATE ??= file;
}

/** Browser tests need the built UI: build it when missing or older than its sources. */
export default async function setup(): Promise<void> {
  await pgliteTemplate();
  const index = path.join(ROOT, 'ui/dist/index.html');
  const stale = !existsSync(index) || statSync(index).mtimeMs < Math.max(newestMtime(path.join(ROOT, 'ui/src')), statSync(path.join(ROOT, 'ui/index.html')).mtimeMs);
  if (stale && process.env.YZ_SKIP_UI_BUILD !== '1') execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}
