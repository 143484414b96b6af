import type { Logger } from '../core/index.ts';
import type { ToolMode } from './prompted-tools.ts';
import type { LlmProvider, ToolSpec } from './provider.ts';

/** The probe's tool; fakes and logs recognise it by this name. */
export const PROBE_TOOL: ToolSpec = {
  name: 'yz_capability_probe',
  description: 'Echo a word back. Call it whenever the user asks you to.',
  parameters: { type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'], additionalProperties: false },
};

/** Where probe results are kept (LlmSettingsRepository; shared by every process). */
export interface CapabilityStore {
  nativeTools(provider: string, url: string, model: string): Promise<boolean | null>;
  putNativeTools(provider: string, url: string, model: string, native: boolean): Promise<void>;
}

/**
 * Decide once per model whether it returns native `tool_calls`: one small request offering PROBE_TOOL
 * and asking for it. A native call → `native`; anything else (text, a fenced JSON block) → `prompted`.
 * The answer is stored per provider/URL/model, so later starts and other processes skip the call. The
 * embedded provider has no native tool calls and is never probed. A failed probe (server down) is not
 * stored: the prompted protocol is used for that request and the next one probes again.
 */
export class ToolModeProbe {
  private decided: Promise<ToolMode> | null = null;

  constructor(
    private readonly provider: LlmProvider,
    private readonly store: CapabilityStore | null,
    private readonly log?: Logger,
  ) {}

  mode(): Promise<ToolMode> {
    if (this.provider.kind === 'embedded') return Promise.resolve('prompted');
    this.decided ??= this.decide().catch((e) => {
      this.decided = null;
      this.log?.warn({ err: String((e as Error)?.message ?? e), model: this.provider.model }, 'tool capability probe failed; using the prompted tool protocol');
      return 'prompted' as const;
    });
    return this.decided;
  }

  private async decide(): Promise<ToolMode> {
    const { kind, url, model } = this.provider;
    const known = await this.store?.nativeTools(kind, url, model);
    if (known !== null && known !== undefined) return known ? 'native' : 'prompted';
    const res = await this.provider.chat({
      messages: [{ role: 'user', content: 'Call the tool yz_capability_probe with echo = "ok".' }],
      tools: [PROBE_TOOL],
      temperature: 0,
      maxTokens: 64,
      purpose: 'tool-probe',
      signal: AbortSignal.timeout(60_000),
    });
    const native = res.toolCalls.some((c) => c.name === PROBE_TOOL.name);
    await this.store?.putNativeTools(kind, url, model, native);
    this.log?.info({ model, native }, 'tool capability probed');
    return native ? 'native' : 'prompted';
  }
}
