import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AuditLog } from '../audit/index.ts';
import { AppError, isAppError } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import type { ActiveModel, ModelSource } from './active-model.ts';
import type { LlmConfig } from '../core/config.ts';
import type { LlmProvider } from './provider.ts';
import { type LlmStatus, llmStatus } from './status.ts';
import type { LlmUsageRepository } from './usage.repository.ts';
import type { LlmSettingsInput, LlmSettingsRepository } from './llm-settings.repository.ts';
import { MODEL_CATALOG } from './models/catalog.ts';

const HttpUrl = z.string().trim().max(2000).url().refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http(s) URL' });

/** Body of PUT /api/llm/settings: which model every feature should use. */
export const LlmSettingsInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.enum(['ollama', 'openai']), url: HttpUrl, model: z.string().trim().min(1).max(200) }),
  /** An installed catalog model (`qwen-0.5b`) or a .gguf file name inside YZ_MODELS_DIR. */
  z.object({ kind: z.literal('embedded'), model: z.string().trim().min(1).max(200) }),
  z.object({ kind: z.literal('connector'), connectorId: z.string().trim().min(1).max(100) }),
]);
export type LlmSettingsChoice = z.infer<typeof LlmSettingsInputSchema>;

/** A model the embedded provider can be switched to: installed catalog models and GGUF files in YZ_MODELS_DIR. */
export const LocalModelSchema = z.object({ id: z.string(), title: z.string(), sizeBytes: z.number().nullable() });

/** Longest a choice may take to prove itself before it is saved (an embedded model loads in ~5–10 s). */
const TRY_TIMEOUT_MS = 120_000;

/**
 * Switching the model from Settings (admin only, audited as `llm.settings`): a choice is tried first —
 * the server must answer and serve the model, an embedded model must load, a connector must be an enabled
 * LLM connector — and only then stored, so a bad choice never replaces a working model. Resetting returns
 * to the environment's YZ_LLM settings.
 */
export class LlmSettingsService {
  private readonly audit = new AuditLog();

  constructor(
    private readonly deps: { db: Database; repo: LlmSettingsRepository; active: ActiveModel; usage: LlmUsageRepository; modelsDir: string },
  ) {}

  /** The active model and who chose it, a live check, measured speed and token / latency statistics. */
  status(): Promise<LlmStatus> {
    return llmStatus(this.deps.active.effective, this.deps.active.current, this.deps.usage, this.deps.active.source);
  }

  /** Which model answers now (null: the deterministic engines), its settings and where they came from. */
  active(): { provider: LlmProvider | null; config: LlmConfig; source: ModelSource } {
    return { provider: this.deps.active.current, config: this.deps.active.effective, source: this.deps.active.source };
  }

  /** Installed catalog models and other .gguf files in YZ_MODELS_DIR. */
  localModels(): z.infer<typeof LocalModelSchema>[] {
    const dir = this.deps.modelsDir;
    const out: z.infer<typeof LocalModelSchema>[] = [];
    for (const e of MODEL_CATALOG) {
      if (e.kind === 'gguf' && existsSync(path.join(dir, e.id, 'manifest.json'))) out.push({ id: e.id, title: e.title, sizeBytes: e.sizeBytes });
    }
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.endsWith('.gguf')) out.push({ id: f, title: f, sizeBytes: null });
    return out;
  }

  async set(input: unknown, actor: string): Promise<void> {
    const parsed = LlmSettingsInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'body';
      throw new AppError('VALIDATION_FAILED', `参数 ${field} 无效 / invalid ${field}: ${issue?.message}`, { field });
    }
    const row = this.row(parsed.data);
    const { config, connector } = await this.deps.active.configFor(row);
    const candidate = this.deps.active.build(config);
    try {
      await candidate?.init(AbortSignal.timeout(TRY_TIMEOUT_MS));
    } catch (e) {
      if (isAppError(e)) throw e;
      throw new AppError('LLM_UNAVAILABLE', `无法启用该模型 / the chosen model did not answer: ${(e as Error)?.message ?? e}`, { cause: e });
    } finally {
      await candidate?.close();
    }
    const before = this.deps.active.effective;
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.put(tx, row, actor);
      await this.audit.append(tx, {
        actor,
        action: 'llm.settings',
        target: 'llm',
        details: { op: 'set', from: { kind: before.kind, model: before.model ?? null }, to: { kind: config.kind, model: config.model ?? null, url: config.url ?? null, connector: connector ?? null } },
      });
    });
    await this.deps.active.refresh(true);
  }

  /** Forget the Settings choice: the environment (YZ_LLM…) decides again. */
  async reset(actor: string): Promise<void> {
    const before = this.deps.active.effective;
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.clear(tx, actor);
      await this.audit.append(tx, { actor, action: 'llm.settings', target: 'llm', details: { op: 'reset', from: { kind: before.kind, model: before.model ?? null } } });
    });
    await this.deps.active.refresh(true);
  }

  private row(c: LlmSettingsChoice): LlmSettingsInput {
    const none = { model: null, url: null, modelFile: null, connectorId: null };
    if (c.kind === 'none') return { kind: 'none', ...none };
    if (c.kind === 'connector') return { kind: 'connector', ...none, connectorId: c.connectorId };
    if (c.kind === 'embedded') {
      const local = this.localModels().find((m) => m.id === c.model);
      if (!local) {
        throw new AppError('MODEL_NOT_INSTALLED', `模型 ${c.model} 未安装 / ${c.model} is not installed in ${this.deps.modelsDir} (npm run models -- install qwen-0.5b)`, { field: 'model' });
      }
      return c.model.endsWith('.gguf') ? { kind: 'embedded', ...none, modelFile: path.join(this.deps.modelsDir, c.model) } : { kind: 'embedded', ...none, model: c.model };
    }
    return { kind: c.kind, ...none, url: c.url, model: c.model };
  }
}
