import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../../core/index.ts';
import { EXPORT_FORMATS, type ExportFormat, IMPORT_FORMATS, type ImportFormat, type Question, QuestionFilterSchema } from '../../teaching/index.ts';
import { cliActor } from '../actor.ts';
import { printJson } from '../output.ts';
import { withRuntime } from '../with-runtime.ts';

const LEVEL_ZH = { easy: '易', medium: '中', hard: '难' } as const;

function itemText(q: Question): string {
  const lines = [`${q.id}  [${q.status} v${q.version}] ${q.type === 'multiple' ? '多选' : '单选'} ${LEVEL_ZH[q.level]}(${q.difficulty})  ${q.template}${q.flags.length ? `  ⚠${q.flags.join(',')}` : ''}`, `  ${q.stem}`];
  for (const o of q.options) lines.push(`    ${q.key.includes(o.label) ? '✓' : ' '} ${o.label}. ${o.text}`);
  lines.push(`  答案 key: ${q.key.join('')}   关系 relations: ${q.citations.relationIds.join(', ')}`);
  for (const p of q.citations.passages.slice(0, 2)) lines.push(`  出处 《${p.title}》${p.version ? ` ${p.version}` : ''}${p.year ? ` (${p.year})` : ''}${p.page ? ` 第${p.page}页` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** `yingzhi questions generate|list|approve`: the teacher's question bank from the command line. */
export function registerQuestionsCommands(program: Command): void {
  const questions = program.command('questions').description('题库 / question bank (generate from the approved graph, list, approve, export, import)');
  questions
    .command('generate')
    .description('按已审核知识图谱为实体出题（默认图谱模板引擎）/ draft checked questions about an entity')
    .requiredOption('--entity <name>', 'entity id or Chinese/English name')
    .option('--count <n>', 'how many', '5')
    .option('--type <type>', 'single|multiple')
    .option('--engine <engine>', 'templates|llm', 'templates')
    .option('--allow-fewer', 'return what can be made instead of failing')
    .option('--json', 'machine-readable output')
    .action(async (opts) => {
      const json = Boolean(opts.json);
      await withRuntime(json, async (rt) => {
        const count = Number(opts.count);
        if (!Number.isInteger(count) || count < 1 || count > 100) throw new AppError('VALIDATION_FAILED', `--count 须为 1–100 的整数 / invalid count ${opts.count}`, { field: 'count' });
        if (opts.type && opts.type !== 'single' && opts.type !== 'multiple') throw new AppError('VALIDATION_FAILED', `--type 只能是 single 或 multiple / unknown type ${opts.type}`, { field: 'type' });
        if (opts.engine !== 'templates' && opts.engine !== 'llm') throw new AppError('VALIDATION_FAILED', `--engine 只能是 templates 或 llm / unknown engine ${opts.engine}`, { field: 'engine' });
        const r = await rt.teaching.bank.generate({ entity: opts.entity, count, type: opts.type, engine: opts.engine, allowFewer: Boolean(opts.allowFewer) }, cliActor());
        if (json) return printJson(r);
        process.stdout.write(`引擎 engine: ${r.engine} (${r.engineVersion})${r.note ? `\n${r.note}` : ''}\n主题 topic: ${r.subject.nameZh} (${r.subject.id}); 可出合格题 ${r.possible} 道, 本次 ${r.items.length} 道草稿 drafts\n\n`);
        for (const q of r.items) process.stdout.write(`${itemText(q)}\n`);
      });
    });
  questions
    .command('list')
    .description('列出题库题目 / list bank items')
    .option('--status <status>', 'draft|approved|retired')
    .option('--entity <id>', 'disease or knowledge point (entity id)')
    .option('--q <text>', 'text search')
    .option('--flagged', 'only items whose evidence changed')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'machine-readable output')
    .action(async (opts) => {
      const json = Boolean(opts.json);
      await withRuntime(json, async (rt) => {
        const f = QuestionFilterSchema.safeParse({ status: opts.status, entityId: opts.entity, q: opts.q, flagged: opts.flagged ? 'true' : undefined });
        if (!f.success) throw new AppError('VALIDATION_FAILED', `筛选条件无效 / invalid filter ${String(f.error.issues[0].path[0])}: ${f.error.issues[0].message}`, { field: String(f.error.issues[0].path[0]) });
        const page = await rt.teaching.bank.list(f.data, { limit: Number(opts.limit), offset: 0 });
        if (json) return printJson(page);
        for (const q of page.items) process.stdout.write(`${itemText(q)}\n`);
        process.stdout.write(`共 ${page.total} 道 total\n`);
      });
    });
  questions
    .command('approve')
    .description('审核通过草稿 / approve drafts')
    .argument('<ids...>')
    .option('--json', 'machine-readable output')
    .action(async (ids: string[], opts) => {
      const json = Boolean(opts.json);
      await withRuntime(json, async (rt) => {
        const done: Question[] = [];
        for (const id of ids) done.push(await rt.teaching.bank.approve(id, cliActor()));
        if (json) return printJson({ approved: done });
        for (const q of done) process.stdout.write(`已通过 approved ${q.id} v${q.version}\n`);
      });
    });
  questions
    .command('export')
    .description('导出题库（默认已审核）为 xlsx / Moodle XML / QTI 2.1 / Word 试卷（含答案）/ export bank items')
    .requiredOption('--format <format>', EXPORT_FORMATS.join('|'))
    .requiredOption('--out <file>', 'where to write')
    .option('--status <status>', 'draft|approved|retired', 'approved')
    .option('--entity <id>', 'disease or knowledge point (entity id)')
    .option('--json', 'machine-readable output')
    .action(async (opts) => {
      const json = Boolean(opts.json);
      await withRuntime(json, async (rt) => {
        if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) throw new AppError('VALIDATION_FAILED', `--format 只能是 ${EXPORT_FORMATS.join('|')} / unknown format ${opts.format}`, { field: 'format' });
        const f = QuestionFilterSchema.safeParse({ status: opts.status, entityId: opts.entity });
        if (!f.success) throw new AppError('VALIDATION_FAILED', `筛选条件无效 / invalid filter ${String(f.error.issues[0].path[0])}: ${f.error.issues[0].message}`, { field: String(f.error.issues[0].path[0]) });
        const { body, count } = await rt.teaching.transfer.exportBank(opts.format as ExportFormat, f.data, cliActor());
        writeFileSync(opts.out, body);
        if (json) return printJson({ format: opts.format, out: path.resolve(opts.out), count });
        process.stdout.write(`已导出 ${count} 道 exported → ${opts.out}\n`);
      });
    });
  questions
    .command('import')
    .description('导入 xlsx 或 Moodle XML 为草稿（先校验全部行，有错则不写入）/ import items as drafts')
    .argument('<file>')
    .option('--format <format>', IMPORT_FORMATS.join('|'), '')
    .option('--dry-run', 'validate only')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts) => {
      const json = Boolean(opts.json);
      await withRuntime(json, async (rt) => {
        const format = (opts.format || (/\.xlsx$/i.test(file) ? 'xlsx' : /\.xml$/i.test(file) ? 'moodle' : '')) as ImportFormat;
        if (!(IMPORT_FORMATS as readonly string[]).includes(format)) throw new AppError('VALIDATION_FAILED', `无法判断格式，请用 --format ${IMPORT_FORMATS.join('|')} / unknown import format for ${file}`, { field: 'format' });
        const r = await rt.teaching.transfer.importFile(format, readFileSync(file), cliActor(), { dryRun: Boolean(opts.dryRun), fileName: path.basename(file) });
        if (json) return printJson(r);
        process.stdout.write(`${opts.dryRun ? '校验通过 valid' : '已导入 imported'} ${r.rows} 道 rows${r.questionIds.length ? `: ${r.questionIds.join(', ')}` : ''}\n`);
      });
    });
}
