#!/usr/bin/env node
// Compiles the server and CLI TypeScript to JavaScript in dist/ (run by `npm ci` / `npm install` through `prepare`),
// so `yingzhi` starts without transpiling on every run (issue 20 item 5). One file in, one file out, same tree:
// every `new URL('./x', import.meta.url)` keeps pointing at its neighbour. Files that are not TypeScript are linked
// (folders without TypeScript, e.g. demo/, prompts/, store/migrations/) or copied (.mjs worker entries, which must
// import their compiled neighbour). Type checking is `npm run lint`'s job; this only strips types (esbuild).
// cli/bin.mjs runs dist/ only while no source file is newer than the build (see isCurrent there).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { transform } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist');
/**
 * Every top-level folder is mirrored (compiled when it holds TypeScript, linked otherwise: demo/, prompts/), so a new
 * capability folder or a data folder read as `../x/` from a module is never missing from dist/. Not mirrored: what
 * runs from source (tests, the UI, scripts) or is no source at all.
 */
const NOT_MIRRORED = new Set(['node_modules', 'dist', 'tests', 'ui', 'scripts', 'data', 'test-results']);
const SOURCE_DIRS = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !NOT_MIRRORED.has(e.name))
  .map((e) => e.name)
  .sort();
const SKIP = new Set(['node_modules', 'dist', 'results', '.cache']);

/** `./x.ts` → `./x.js` in static and dynamic imports and re-exports: relative specifiers only. */
const rewriteImports = (code) => code.replace(/((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"'\n]*?)\.ts\2/g, '$1$2$3.js$2');

const hasTs = (dir) => readdirSync(dir, { withFileTypes: true }).some((e) => (e.isFile() && e.name.endsWith('.ts')) || (e.isDirectory() && !SKIP.has(e.name) && hasTs(path.join(dir, e.name))));

async function build(rel) {
  const src = path.join(ROOT, rel);
  const out = path.join(OUT, rel);
  if (!hasTs(src)) {
    mkdirSync(path.dirname(out), { recursive: true });
    symlinkSync(src, out, 'dir');
    return 0;
  }
  mkdirSync(out, { recursive: true });
  let n = 0;
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, e.name);
    const to = path.join(out, e.name);
    if (e.isDirectory()) {
      if (SKIP.has(e.name)) symlinkSync(from, to, 'dir');
      else n += await build(path.join(rel, e.name));
    } else if (e.name.endsWith('.ts')) {
      if (e.name.endsWith('.test.ts') || e.name.endsWith('.d.ts')) continue;
      const { code } = await transform(readFileSync(from, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: from, sourcemap: 'inline' });
      writeFileSync(to.replace(/\.ts$/, '.js'), rewriteImports(code));
      n++;
    } else if (e.name.endsWith('.mjs')) copyFileSync(from, to);
    else symlinkSync(from, to);
  }
  return n;
}

const started = Date.now();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
let files = 0;
for (const dir of SOURCE_DIRS) if (existsSync(path.join(ROOT, dir))) files += await build(dir);
// Read relative to the compiled modules: ../package.json (version), ../ui/dist (the built UI).
symlinkSync(path.join(ROOT, 'package.json'), path.join(OUT, 'package.json'));
symlinkSync(path.join(ROOT, 'ui'), path.join(OUT, 'ui'), 'dir');
// Written last: its time is the build's, compared with the sources' by cli/bin.mjs.
writeFileSync(path.join(OUT, 'BUILD'), `${JSON.stringify({ files, dirs: SOURCE_DIRS, at: new Date().toISOString() })}\n`);
process.stderr.write(`compiled ${files} TypeScript files to dist/ in ${Date.now() - started} ms\n`);
