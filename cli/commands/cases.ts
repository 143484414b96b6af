import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { DifferentialOutput, SimilarResult } from '../../cases/index.ts';
import { AppError } from '../../core/index.ts';
import { cliActor } from '../actor.ts';
import { printJson } from '../output.ts';
import { withRuntime } from '../with-runtime.ts';

const cite = (p: { title: string; version: string | null; year: number | null; page: number | null }) =>
  `《${p.title}》${p.version ? ` ${p.version}` : ''}${p.year ? ` (${p.year})` : ''}${p.page ? ` 第${p.page}页` : ''}`;

function similarText(r: SimilarResult): string {
  const lines = [`查询所见 findings: ${r.query.findings.map((f) => `${f.finding}${f.certainty === 'present' ? '' : `(${f.certainty})`}`).join('、') || '（无可识别所见）'}`, `已索引典型病例 indexed: ${r.indexed}`, `得分 score = ${r.vectors.mix.findings}×所见 + ${r.vectors.mix.text}×文本${r.vectors.used ? ` + ${r.vectors.mix.vector}×向量 (${r.vectors.model})` : ''}${r.vectors.note ? `  (${r.vectors.note})` : ''}`, ''];
  for (const h of r.hits) {
    lines.push(`${h.score.toFixed(3)}  ${h.case.id}  ${h.case.title}  → ${h.case.finalDiagnosis.name}  [所见 ${h.findingScore} · 文本 ${h.textScore}${h.vectorScore === null ? '' : ` · 向量 ${h.vectorScore}`}]`);
    if (h.shared.length) lines.push(`    共有 shared: ${h.shared.map((s) => `${s.finding}(+${s.contribution})`).join('、')}`);
    if (h.onlyCase.length) lines.push(`    仅病例 case only: ${h.onlyCase.join('、')}`);
    if (h.conflicting.length) lines.push(`    矛盾 conflicting: ${h.conflicting.map((c) => `${c.finding} ${c.query}/${c.case}`).join('、')}`);
    for (const f of h.flags) lines.push(`    ⚠ ${f}`);
  }
  return `${lines.join('\n')}\n`;
}

function differentialText(r: DifferentialOutput): string {
  const lines = [r.note, `查询所见 findings: ${r.query.findings.map((f) => `${f.finding}${f.certainty === 'present' ? '' : `(${f.certainty})`}`).join('、') || '（无）'}`, ''];
  if (!r.ranked.length) lines.push('已审核图谱中没有与这些所见相关的疾病 / no disease in the approved graph has these findings');
  r.ranked.forEach((d, i) => {
    lines.push(`${i + 1}. ${d.name} (${d.entityId})  权重 ${Math.round(d.share * 100)}%  图谱证据 graph score ${d.score}  相似病例 cases ${Math.round(d.caseSupport.share * 100)}%`);
    for (const c of d.caseSupport.cases) lines.push(`    ◆ 典型病例 ${c.title} (${c.caseId}) 相似度 ${c.similarity}`);
    for (const s of d.supporting) lines.push(`    + ${s.finding} (+${s.contribution})  关系 ${s.relationIds.join(',')}${s.passages[0] ? `  ${cite(s.passages[0])}` : ''}`);
    for (const s of d.contradicting) lines.push(`    − ${s.finding} ${s.stated === 'absent' ? '未见' : '存在'} (${s.contribution})  关系 ${s.relationIds.join(',')}`);
  });
  for (const s of r.suggestions) lines.push(s.advice);
  if (r.narrative) {
    lines.push('', `比对说明 narrative — ${r.narrative.note}`);
    if (r.narrative.status === 'checked') {
      lines.push(r.narrative.text || '（无通过校验的句子 / no sentence passed the check）');
      for (const e of r.narrative.evidence) lines.push(`  [${e.n}] ${e.kind === 'case' ? '病例' : '关系'} ${e.ref}`);
    }
  }
  for (const d of r.noApprovedRelations) {
    const byCases = r.ranked.some((x) => x.entityId === d.entityId);
    lines.push(`⚠ ${d.name}: 已审核图谱中无相关关系，${byCases ? '仅由相似典型病例支持 / no approved relations: ranked by similar cases only' : '无法排序 / no approved relations: not ranked'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `yingzhi cases import|similar` and `yingzhi differential`. */
export function registerCasesCommands(program: Command): void {
  const cases = program.command('cases').description('典型病例库 / typical-case library (import, similar cases)');
  cases
    .command('import <file>')
    .description('导入典型病例（JSON 数组、JSONL 或 CSV）；同一文件再次导入不重复 / import cases; idempotent')
    .option('--approve', 'import as approved (an expert curating their own file)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts) => {
      const json = Boolean(opts.json);
      await withRuntime(json, async (rt) => {
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch {
          throw new AppError('NOT_FOUND', `文件不存在 / no such file: ${file}`, { field: 'file' });
        }
        const r = await rt.cases.service.importFile(bytes, path.basename(file), cliActor(), { status: opts.approve ? 'approved' : 'draft' });
        if (json) return printJson(r);
        process.stdout.write(`${r.file}: ${r.records} 条 records — 新增 inserted ${r.inserted.length}, 更新 updated ${r.updated.length}, 未变 unchanged ${r.unchanged.length}; 去标识替换 PHI replaced ${r.phiReplaced}\n`);
        for (const w of r.warnings) process.stdout.write(`  ⚠ ${w}\n`);
      });
    });
  cases
    .command('similar <findings>')
    .description('按影像所见检索相似典型病例 / most similar typical cases, every score explained')
    .option('--modality <m>', 'CT|MR|DR|US|PET-CT')
    .option('--body-part <p>', '头颅|胸部|腹部|盆腔…')
    .option('--top <n>', 'how many', '5')
    .option('--json', 'machine-readable output')
    .action(async (findings: string, opts) => {
      const json = Boolean(opts.json);
      await withRuntime(json, async (rt) => {
        const r = await rt.cases.service.similar({ findings, modality: opts.modality, bodyPart: opts.bodyPart, top: Number(opts.top) });
        if (json) return printJson(r);
        process.stdout.write(similarText(r));
      });
    });
  program
    .command('differential <findings>')
    .description('基于已审核图谱的鉴别诊断排序（支持/反对/建议补充的所见，附关系与出处）/ ranked differential with cited evidence')
    .option('--consider <names>', 'diseases to check too, comma-separated')
    .option('--top <n>', 'how many', '10')
    .option('--narrate', '由大模型写一段比对说明（逐句引用校验）/ a short model-written comparison, every sentence checked')
    .option('--json', 'machine-readable output')
    .action(async (findings: string, opts) => {
      const json = Boolean(opts.json);
      await withRuntime(json, async (rt) => {
        const consider = opts.consider ? String(opts.consider).split(/[,，]/).map((s) => s.trim()).filter(Boolean) : undefined;
        const r = await rt.cases.service.differential({ findings, top: Number(opts.top), consider, narrate: Boolean(opts.narrate) });
        if (json) return printJson(r);
        process.stdout.write(differentialText(r));
      });
    });
}
