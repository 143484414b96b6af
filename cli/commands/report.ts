import { readFileSync } from 'node:fs';
import { AppError, loadLanguage } from '../../core/index.ts';
import { AiResultRowSchema, MeasurementResultSchema } from '../../imaging/index.ts';
import { assertReportText, draftText, guard, parseReportValues, ReportQc, ReportStructurer, type ResolvedValues, renderDraft, valuesFromAi, valuesFromMeasurement } from '../../reporting/index.ts';
import { cliActor } from '../actor.ts';
import { fail, printJson, readTextFile } from '../output.ts';
import { withRuntime } from '../with-runtime.ts';

/** `--values` is inline JSON or a JSON file. */
function readValues(arg: string): unknown {
  let text = arg.trim();
  if (!text.startsWith('{')) {
    try {
      text = readFileSync(arg, 'utf8');
    } catch {
      throw new AppError('NOT_FOUND', `--values 既不是 JSON 也不是文件 / --values is neither JSON nor a readable file: ${arg}`, { field: 'values' });
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', `--values 不是有效的 JSON / --values is not valid JSON: ${(e as Error).message}`, { field: 'values' });
  }
}

/**
 * A measurement result (`yingzhi measure --json`, `GET /api/measurements/:id`) or an imaging-AI result row
 * (`GET /api/imaging/ai-results/:id`) saved as a file: whichever schema it satisfies, or an error naming both.
 */
function valuesFromFile(file: string, opts: { lesion?: string; finding?: string }, overrides: Record<string, unknown>): ResolvedValues {
  const doc = readValues(file);
  const inner = doc && typeof doc === 'object' && 'measurement' in doc ? (doc as { measurement: unknown }).measurement : doc;
  const measurement = MeasurementResultSchema.safeParse(inner);
  if (measurement.success) return valuesFromMeasurement(measurement.data, opts.lesion, overrides);
  const ai = AiResultRowSchema.safeParse(doc);
  if (ai.success) return valuesFromAi(ai.data, Number(opts.finding ?? 0), overrides);
  throw new AppError('VALIDATION_FAILED', `${file} 既不是测量结果也不是影像 AI 结果 / ${file} is neither a measurement result nor an imaging-AI result row (${measurement.error.issues[0]?.path.join('.')}: ${measurement.error.issues[0]?.message})`, { field: 'file' });
}

/**
 * `yingzhi report draft --values <json>` or `<measurement.json|ai-result.json>`: the template engine in-process
 * (no database, nothing stored; every value keeps the ref it came from), or `--measurement <msr_id>`: a stored,
 * audited draft with its provenance id (needs the data directory).
 */
export async function reportDraftCommand(file: string | undefined, opts: { measurement?: string; lesion?: string; finding?: string; values?: string; template?: string; json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  try {
    if (file && opts.measurement) throw new AppError('VALIDATION_FAILED', '文件与 --measurement 只能选一个 / give a file or --measurement, not both', { field: 'measurement' });
    if (!file && !opts.measurement && !opts.values) throw new AppError('VALIDATION_FAILED', '需要 <文件>、--measurement <id> 或 --values <json> / give a measurement or AI-result file, --measurement <id> or --values <json>', { field: 'measurement' });
    if (opts.measurement) {
      const overrides = opts.values ? (readValues(opts.values) as Record<string, unknown>) : undefined;
      return await withRuntime(json, async (rt) => {
        const d = await rt.reporting.draft({ measurementId: opts.measurement, lesion: opts.lesion, values: overrides, templateId: opts.template, findingIndex: 0, rewrite: true }, cliActor());
        if (json) return printJson(d);
        process.stdout.write(`${d.text}\n\n${d.engineNote}\n来源 provenance: ${d.provenanceUrl} (${d.templateId}@${d.templateVersion})\n`);
      });
    }
    // In-process, nothing stored: values from a measurement / AI-result file (each with its ref) or typed.
    const { values, sources } = file
      ? valuesFromFile(file, opts, opts.values ? (readValues(opts.values) as Record<string, unknown>) : {})
      : { values: parseReportValues(readValues(opts.values ?? ''), '--values'), sources: {} };
    const d = renderDraft(values, sources, opts.template);
    const text = draftText(d);
    if (json) return printJson({ engine: 'template', engineNote: 'CLI：模板引擎，未存储 / template engine, not stored', text, ...d, guard: guard(text, text) });
    const refs = file ? `${d.values.map((v) => `  ${v.text}\t← ${v.source.ref}`).join('\n')}\n` : '';
    process.stdout.write(`${text}\n\n模板引擎（未存储）/ template engine (not stored): ${d.templateId}@${d.templateVersion}\n${refs}`);
  } catch (e) {
    fail(e, json);
  }
}

/** `yingzhi report qc <report.txt>`: the rules QC, flags with spans. Exit code 1 when anything is flagged. */
export async function reportQcCommand(file: string, opts: { template?: string; json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  try {
    const text = readTextFile(file);
    const { lexicon, tokenizer } = loadLanguage();
    const r = new ReportQc(lexicon, tokenizer).check(text, opts.template);
    if (json) printJson(r);
    else {
      for (const f of r.flags) process.stdout.write(`${f.severity}\t${f.kind}\t${f.span ? `${f.span.start}-${f.span.end}` : '-'}\t${f.message}${f.suggestion ? ` → ${f.suggestion}` : ''}\n`);
      if (!r.flags.length) process.stdout.write('未发现问题 / no issues\n');
    }
    if (r.flags.length) process.exitCode = 1;
  } catch (e) {
    fail(e, json);
  }
}

const CERTAINTY_ZH = { present: '有', absent: '无', possible: '可疑' } as const;
const SIDE_ZH = { left: '左', right: '右', bilateral: '双' } as const;

/** `yingzhi structure <report.txt>`: the report's findings (rules, no model), each with its spans. */
export async function structureCommand(file: string, opts: { json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  try {
    const text = readTextFile(file);
    assertReportText(text);
    const { lexicon, tokenizer } = loadLanguage();
    const r = new ReportStructurer(lexicon, tokenizer).structure(text);
    if (json) return printJson(r);
    for (const f of r.findings) {
      const parts = [
        `${CERTAINTY_ZH[f.certainty]}\t${f.entity.name}${f.entity.id ? ` (${f.entity.id})` : ' (未链接 / unresolved)'}`,
        f.location ? `部位 ${f.location.text}` : '', f.segment ? `段 ${f.segment}` : '', f.laterality ? `侧 ${SIDE_ZH[f.laterality]}` : '',
        f.sizes.length ? `大小 ${f.sizes.map((s) => s.text).join('、')}` : '', f.count ? `数目 ${f.count.text}` : '', `@${f.entity.span.start}-${f.entity.span.end}`,
      ];
      process.stdout.write(`${parts.filter(Boolean).join('\t')}\n`);
    }
    if (!r.findings.length) process.stdout.write('未找到所见 / no findings\n');
  } catch (e) {
    fail(e, json);
  }
}
