import type { ImagingToolPort } from '../../imaging/index.ts';
import { ImagingAiInput, imagingAiTool, MeasurementInput, measurementTool } from './stub-tools.ts';
import { defineTool, type ToolResult } from './tool.ts';

/**
 * The imaging tools over the imaging capability. Like every chat tool they are read-only: they report
 * stored measurements and imaging-AI results (with the refs a report cites) and never start a job —
 * a prompt cannot make the chat send images anywhere. Without the port they stay the contract stubs.
 */

const METRIC_KEYS: Record<string, RegExp> = {
  volume: /^(label\.)?volume\./,
  diameters: /^(axial\.|diameter_3d)/,
  hu_stats: /^intensity\./,
  histogram: /^$/,
  descriptors: /^(margin|contour|uniformity|enhancement|solid)\b/,
};

export function imagingAiReadTool(port: ImagingToolPort | undefined) {
  if (!port) return imagingAiTool();
  return defineTool({
    name: 'imaging_ai',
    description:
      '查询某检查的影像 AI 结果（结节检测、分割；需已配置影像 AI 连接器，结果映射到图谱实体）。Look up imaging-AI results of a study (nodule detection, segmentation), mapped to graph entities; requires an imaging-AI connector.',
    input: ImagingAiInput,
    run: async (input): Promise<ToolResult> => {
      const rows = (await port.aiResults(input.studyUid, input.task)).filter((r) => !input.seriesUid || r.seriesUid === input.seriesUid);
      const configured = await port.aiConfigured();
      // Imported results are shown without a connector; with neither there is nothing to report.
      if (!rows.length && !configured) {
        return { status: 'not_configured', summary: '影像 AI 连接器尚未配置，无法提供结果 / the imaging-AI connector is not configured: no result', data: { configured: false } };
      }
      if (!rows.length) {
        return { status: 'ok', summary: `该检查没有 ${input.task} 结果（可在测量页面提交）/ no ${input.task} result for this study yet (request one on the Measure page)`, data: { configured: true, results: [] } };
      }
      const r = rows[0];
      const summary =
        r.status === 'succeeded'
          ? `${r.findings.length} 项结果（${r.model ?? 'model'}）${r.unknownLabels.length ? `，未识别标签 ${r.unknownLabels.join(', ')}` : ''} / ${r.findings.length} finding(s)`
          : `AI 任务状态 ${r.status}${r.lastError ? `：${r.lastError}` : ''} / imaging-AI request ${r.status}`;
      return { status: 'ok', summary, data: { configured, resultId: r.id, status: r.status, model: r.model, findings: r.findings, unknownLabels: r.unknownLabels } };
    },
  });
}

export function measurementReadTool(port: ImagingToolPort | undefined) {
  if (!port) return measurementTool();
  return defineTool({
    name: 'measurement',
    description:
      '读取已保存的病灶测量（体积、径线、CT 值统计、描述特征），imageRef 为测量编号 msr_…、检查 StudyInstanceUID 或影像缓存键 img_…；每个数值带可引用的 ref。Read stored lesion measurements by measurement id, StudyInstanceUID or image key; every number carries a citable ref.',
    input: MeasurementInput,
    run: async (input): Promise<ToolResult> => {
      const results = await port.measurementsFor(input.imageRef);
      if (!results.length) return { status: 'ok', summary: `没有找到 ${input.imageRef} 的测量结果 / no stored measurement for ${input.imageRef}`, data: { measurements: [] } };
      const lesionFilter = input.maskRef.replace(/^L/i, '');
      const wanted = input.metrics.map((m) => METRIC_KEYS[m]);
      const measurements = results.map((r) => ({
        id: r.id,
        provenance: r.provenance,
        quantities: r.quantities.filter((q) => (!/^\d+(\.\d+)?$/.test(lesionFilter) || q.lesion === `L${lesionFilter}`) && wanted.some((re) => re.test(q.key))),
        histograms: input.metrics.includes('histogram') ? r.lesions.map((l) => ({ lesion: l.ref, ...l.intensity.histogram })) : undefined,
      }));
      const n = measurements.reduce((a, m) => a + m.quantities.length, 0);
      return { status: 'ok', summary: `${results.length} 个测量结果，${n} 个数值 / ${results.length} measurement(s), ${n} value(s)`, data: { measurements } };
    },
  });
}
