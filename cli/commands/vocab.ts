import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { AppError, EntityTypeSchema } from '../../core/index.ts';
import { type ImportReport, type ImportRequest, VOCAB_FORMATS, VocabFormatSchema } from '../../knowledge/index.ts';
import { fail, printJson } from '../output.ts';
import { withRuntime } from '../with-runtime.ts';

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function report(r: ImportReport, applied: boolean): string {
  const c = r.counts;
  const lines = [
    `${applied ? '已导入 imported' : '预览 preview (未写入 nothing written)'}: ${r.fileName} [${r.format}, ${r.codeSystem}] sha256 ${r.sha256.slice(0, 12)}…${r.importId ? `  批次 import ${r.importId}` : ''}`,
    `  记录 records ${c.records}: 新建实体 create ${c.create}, 关联已有 link ${c.link}, 跳过 skipped ${c.skipped}; 别名 aliases +${c.aliases}, 编码 codes +${c.codes}`,
    `  冲突 conflicts ${c.conflicts}, 警告 warnings ${c.warnings}, 错误 errors ${c.errors}`,
  ];
  for (const e of r.errors.slice(0, 20)) lines.push(`  ✗ 第 ${e.line} 行 line${e.field ? ` [${e.field}]` : ''}: ${e.message}`);
  for (const x of r.conflicts.slice(0, 20)) lines.push(`  ! 第 ${x.line} 行 line: ${x.message}`);
  for (const w of r.warnings.slice(0, 10)) lines.push(`  · 第 ${w.line} 行 line: ${w.message}`);
  for (const s of r.sample.slice(0, 10)) lines.push(`  ${s.action === 'create' ? '+' : '~'} ${s.entityId} ${s.nameZh}${s.nameEn ? ` / ${s.nameEn}` : ''} (${s.type})${s.code ? ` ${s.code.system}:${s.code.code}` : ''}${s.surfaces.length ? `  [${s.surfaces.join('、')}]` : ''}`);
  return `${lines.join('\n')}\n`;
}

function importRequest(file: string, opts: { format?: string; system?: string; type?: string }): ImportRequest {
  const format = VocabFormatSchema.safeParse(opts.format);
  if (!format.success) throw new AppError('VALIDATION_FAILED', `--format 须为 ${VOCAB_FORMATS.join('|')} / unknown format ${opts.format ?? '(none)'}`, { field: 'format' });
  const type = opts.type === undefined ? undefined : EntityTypeSchema.safeParse(opts.type);
  if (type && !type.success) throw new AppError('VALIDATION_FAILED', `--type 须为 ${EntityTypeSchema.options.join('|')} / unknown type ${opts.type}`, { field: 'type' });
  let bytes: Buffer;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    bytes = readFileSync(file);
  } catch {
    throw new AppError('NOT_FOUND', `找不到文件 ${file} / no such file`, { field: 'file' });
  }
  return { bytes, fileName: basename(file), format: format.data, system: opts.system, type: type?.data };
}

/** `yingzhi vocab import <file> --format …`: preview with --dry-run, else import as one undoable batch. */
export async function vocabImportCommand(file: string, opts: { format?: string; system?: string; type?: string; dryRun?: boolean; json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  let req: ImportRequest;
  // The arguments and the file are checked before the database is opened: a typo fails at once.
  try {
    req = importRequest(file, opts);
  } catch (e) {
    return fail(e, json);
  }
  await withRuntime(json, async (rt) => {
    const r = opts.dryRun ? await rt.knowledge.previewVocabulary(req) : await rt.knowledge.importVocabulary(req, cliActor());
    if (json) return printJson(r);
    process.stdout.write(report(r, !opts.dryRun));
    if (opts.dryRun && r.errors.length) process.exitCode = 2;
  });
}

export async function vocabListCommand(opts: { json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const items = await rt.knowledge.vocabularyImports();
    if (json) return printJson({ items });
    if (!items.length) process.stdout.write('没有导入记录 / no imports\n');
    for (const i of items) {
      const s = i.summary;
      process.stdout.write(`${i.id}  ${i.status === 'undone' ? '已撤销 undone' : '有效 applied'}  ${i.createdAt}  ${i.fileName} [${i.format}, ${i.codeSystem}]  +${s.create} 实体 / ~${s.link} 关联 / +${s.aliases} 别名 / +${s.codes} 编码  by ${i.actor}\n`);
    }
  });
}

export async function vocabUndoCommand(id: string, opts: { json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const r = await rt.knowledge.undoVocabularyImport(id, cliActor());
    if (json) return printJson(r);
    process.stdout.write(`已撤销导入 undone ${r.id} (${r.fileName})\n`);
  });
}

export function registerVocabCommands(program: Command): void {
  const vocab = program.command('vocab').description('词表与外部术语 / vocabulary and licensed terminologies');
  vocab
    .command('import')
    .description('导入术语文件（CSV、SKOS/OWL、SNOMED CT RF2 描述、ICD-10 CSV）/ import a terminology file')
    .argument('<file>')
    .requiredOption('--format <format>', VOCAB_FORMATS.join('|'))
    .option('--system <name>', 'code system name for csv/skos (e.g. radlex)')
    .option('--type <type>', 'entity type for concepts the file does not type')
    .option('--dry-run', 'preview only: counts, conflicts, row errors; write nothing')
    .option('--json', 'machine-readable output')
    .action((file: string, opts) => vocabImportCommand(file, opts));
  const imports = vocab.command('imports').description('导入批次 / import batches');
  imports.command('list').option('--json', 'machine-readable output').action((opts) => vocabListCommand(opts));
  imports.command('undo').argument('<id>').option('--json', 'machine-readable output').action((id: string, opts) => vocabUndoCommand(id, opts));
}
