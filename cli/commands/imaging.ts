import { readFileSync } from 'node:fs';
import { AppError, Lexicon, loadConfig } from '../../core/index.ts';
import { AiImportSchema, alignMask, loadImage, loadMask, mapAiResult, type MeasurementResult, MeasureOptionsSchema, measure, protocolQc, type QcResult, readPath } from '../../imaging/index.ts';
import { fail, printJson, progressBar } from '../output.ts';

/**
 * `yingzhi measure` and `yingzhi protocol-qc` compute in this process (no database, so they work while the
 * server holds the embedded data directory); storing results is the API's job (POST /api/measure, /api/protocol-qc).
 */

const f1 = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));

function printLesions(r: MeasurementResult): void {
  const p = r.provenance;
  const img = p.image.kind === 'dicom' ? `DICOM series ${p.image.seriesInstanceUid} (${p.image.instances} files)` : `NIfTI ${p.image.fileName}`;
  process.stdout.write(`测量 ${r.id}  ${img}  ${p.modality} ${p.geometry.dims.join('×')} @ ${p.geometry.spacingMm.map((s) => f1(s, 3)).join('×')} mm  ${p.geometry.orientation}\n`);
  for (const l of r.lesions) {
    const u = l.intensity.unit;
    process.stdout.write(
      `\n${l.ref}${l.labelName ? ` ${l.labelName}` : ''}: 体积 volume ${f1(l.volumeMm3)} mm³ (${f1(l.volumeCm3, 2)} cm³)\n` +
        `  轴位长径×短径 axial ${f1(l.axial.longAxis.lengthMm)} × ${f1(l.axial.shortAxis?.lengthMm)} mm (slice ${l.axial.slice}), 3D 最大径 ${f1(l.maxDiameter3d.lengthMm)} mm\n` +
        `  ${u === 'HU' ? 'CT 值' : '信号'} mean ${f1(l.intensity.mean)} ± ${f1(l.intensity.sd)} ${u}, min ${f1(l.intensity.min, 0)}, max ${f1(l.intensity.max, 0)}, P10–P90 ${f1(l.intensity.percentiles.p10)}–${f1(l.intensity.percentiles.p90)}\n` +
        (l.solidComponent ? `  实性成分 solid ${f1(l.solidComponent.volumeMm3)} mm³, CTR ${f1(l.solidComponent.ctr, 2)} → ${l.solidComponent.nodeType}\n` : '') +
        `  边缘 margin ${l.descriptors.margin.grade} (${f1(l.descriptors.margin.sharpnessIndex, 2)}), 轮廓 contour ${l.descriptors.contour.grade}, 密度 uniformity ${l.descriptors.uniformity.grade}` +
        (l.descriptors.enhancement ? `, 强化 enhancement ${f1(l.descriptors.enhancement.value)} ${l.descriptors.enhancement.unit} (${l.descriptors.enhancement.grade})` : '') +
        `\n  ${Object.keys(l.features).length} pyradiomics features (--json)\n`,
    );
  }
  if (r.volumes.length > 1) {
    const ref = r.provenance.settings.referenceLabel;
    process.stdout.write(`\n器官体积/占比 label volumes and shares${ref ? ` (ratio to L${ref})` : ''}\n`);
    for (const v of r.volumes) {
      process.stdout.write(`  L${v.label}${v.name ? ` ${v.name}` : ''}: ${f1(v.volumeCm3, 2)} cm³, ${f1(v.sharePercent)} %${v.ratioToReference !== null && v.label !== ref ? `, ×${f1(v.ratioToReference, 3)} of L${ref}` : ''}\n`);
    }
  }
  for (const w of r.warnings) process.stderr.write(`注意 warning: ${w}\n`);
}

export async function measureCommand(imagePath: string, maskPath: string, opts: Record<string, string | boolean | undefined>): Promise<void> {
  const json = Boolean(opts.json);
  try {
    const parsed = MeasureOptionsSchema.safeParse({ label: opts.label, referenceLabel: opts.referenceLabel, threshold: opts.threshold, components: opts.components ? true : undefined, modality: opts.modality, binWidth: opts.binWidth, solidThresholdHu: opts.solidThreshold, requireHu: opts.requireHu ? true : undefined });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `参数 --${String(issue?.path[0])} 无效 / invalid --${String(issue?.path[0])}: ${issue?.message}`, { field: String(issue?.path[0]) });
    }
    const options = parsed.data;
    const limits = { maxBytes: loadConfig().imaging.maxBytes };
    const bar = progressBar('measure', !json);
    bar.start(4);
    const image = loadImage(readPath(imagePath, limits), { limits, modality: options.modality });
    bar.update(1);
    const mask = alignMask(loadMask(readPath(maskPath, limits)[0], image.geometry, { limits, threshold: options.threshold }), image.geometry);
    bar.update(2);
    const pre = typeof opts.pre === 'string' ? loadImage(readPath(opts.pre, limits), { limits, modality: image.modality === 'unknown' ? undefined : image.modality }) : null;
    bar.update(3);
    const result = measure(image, mask, { ...options, pre });
    bar.update(4);
    bar.stop();
    if (json) printJson(result);
    else printLesions(result);
  } catch (e) {
    fail(e, json);
  }
}

function printQc(r: QcResult): void {
  const mark = { pass: '✓', warn: '!', fail: '✗', skipped: '·' } as const;
  process.stdout.write(`\n${mark[r.status]} ${r.status.toUpperCase()} ${r.score}  ${r.scanner}  ${r.examType?.name ?? '（无匹配协议 no matching protocol）'}  ${r.seriesDescription ?? ''}\n   series ${r.seriesUid}\n`);
  for (const x of [...r.rules, ...r.imageQuality.checks]) process.stdout.write(`   ${mark[x.status]} ${x.label}: ${x.value ?? '—'}${x.unit ? ` ${x.unit}` : ''}  (${x.expected}) ${x.status === 'pass' ? '' : x.message}\n`);
  const iq = r.imageQuality;
  process.stdout.write(`   噪声 noise SD ${iq.noiseSd.softTissue ?? '—'} HU, SNR ${iq.snr ?? '—'}, CNR ${iq.cnr ?? '—'}, 截断 truncation ${iq.truncation.flagged ? 'YES' : 'no'}, 运动 motion ${iq.motion.flagged ? 'YES' : 'no'}\n`);
  for (const w of r.warnings) process.stdout.write(`   注意 ${w}\n`);
}

export async function protocolQcCommand(dir: string, opts: { json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  try {
    const config = loadConfig();
    const limits = { maxBytes: config.imaging.maxBytes };
    const { results, skipped } = protocolQc(readPath(dir, limits), limits, config.pubmed.timezone);
    if (json) return printJson({ results, skipped });
    for (const r of results) printQc(r);
    if (skipped.length) process.stderr.write(`跳过非 DICOM 文件 skipped ${skipped.length}: ${skipped.slice(0, 5).join(', ')}\n`);
    if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
  } catch (e) {
    fail(e, json);
  }
}

/** `yingzhi ai-map`: an imaging-AI result document (contract format) mapped to graph entities, unknown labels listed. */
export async function aiMapCommand(file: string, opts: { json?: boolean }): Promise<void> {
  const json = Boolean(opts.json);
  try {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new AppError('NOT_FOUND', `文件不存在 / no such file: ${file}`, { field: 'file' });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new AppError('VALIDATION_FAILED', `${file} 不是有效的 JSON / is not valid JSON: ${(e as Error).message}`, { field: 'file' });
    }
    const parsed = AiImportSchema.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join('.') || '(document)';
      throw new AppError('VALIDATION_FAILED', `AI 结果不符合接口约定 / the AI result is outside the contract at ${where}: ${issue?.message}`, { field: where });
    }
    const mapped = mapAiResult(parsed.data, Lexicon.load());
    if (json) return printJson({ model: parsed.data.model, task: parsed.data.task, studyInstanceUid: parsed.data.studyInstanceUid, ...mapped });
    process.stdout.write(`${parsed.data.model.name} ${parsed.data.model.version} · ${parsed.data.task} · ${parsed.data.studyInstanceUid}\n`);
    for (const f of mapped.findings) {
      const where = [f.laterality, f.location?.nameZh, f.segment?.code].filter(Boolean).join(' ');
      const size = f.sizeMm ? ` ${f.sizeMm.long}${f.sizeMm.short !== undefined ? `×${f.sizeMm.short}` : ''} mm` : '';
      process.stdout.write(`  ${f.entity ? `${f.entity.nameZh} (${f.entity.id})` : `? ${f.label}`}${where ? ` @ ${where}` : ''}${size}${f.probability !== null ? ` p=${f.probability}` : ''}\n`);
    }
    if (mapped.unknownLabels.length) process.stderr.write(`未映射的标签 unmapped labels: ${mapped.unknownLabels.join(', ')}\n`);
  } catch (e) {
    fail(e, json);
  }
}
