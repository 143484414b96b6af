#!/usr/bin/env node
// Runs the CLI compiled at install (`prepare` → scripts/build-server.mjs → dist/), or the TypeScript sources
// through tsx's loader when there is no build or a source file changed since it (a developer's edit is never
// shadowed by an old build; `npm run build:server` refreshes it). YZ_FROM_SOURCE=1 forces the sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** True when dist/ was built after the last change to any .ts file it compiled (~10 ms for the whole tree). */
function isCurrent() {
  let build;
  try {
    build = { ...JSON.parse(readFileSync(path.join(ROOT, 'dist/BUILD'), 'utf8')), ms: statSync(path.join(ROOT, 'dist/BUILD')).mtimeMs };
  } catch {
    return false;
  }
  const newer = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'results' && newer(p)) return true;
      } else if ((e.name.endsWith('.ts') || e.name.endsWith('.mjs')) && statSync(p).mtimeMs > build.ms) return true;
    }
    return false;
  };
  return !build.dirs.some((d) => newer(path.join(ROOT, d)));
}

if (process.env.YZ_FROM_SOURCE !== '1' && isCurrent()) await import('../dist/cli/main.js');
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
