import { z } from 'zod';
import { defineTool, type ToolResult } from './tool.ts';

/**
 * Tool contracts whose services may be absent (PubMed literature; imaging AI and measurement until the
 * imaging capability is wired — agents/tools/imaging-tools.ts). Without the service each answers
 * `not_configured` and says so — never a made-up result or number.
 */

export const PubmedSearchInput = z.object({
  query: z.string().trim().min(1).max(500).describe('PubMed query (MeSH terms, keywords)'),
  maxResults: z.number().int().min(1).max(50).default(10),
});

export const ImagingAiInput = z.object({
  studyUid: z.string().trim().min(1).max(128).describe('DICOM StudyInstanceUID'),
  task: z.enum(['nodule_detection', 'segmentation', 'interactive_segmentation']).describe('analysis to run'),
  seriesUid: z.string().trim().max(128).optional(),
});

export const MeasurementInput = z.object({
  imageRef: z.string().trim().min(1).max(500).describe('NIfTI/DICOM image reference'),
  maskRef: z.string().trim().min(1).max(500).describe('mask of the lesion to measure'),
  metrics: z.array(z.enum(['volume', 'diameters', 'hu_stats', 'histogram', 'descriptors'])).min(1).default(['volume', 'diameters']),
});

function notConfigured(what: { zh: string; en: string }): ToolResult<{ configured: false }> {
  return { status: 'not_configured', summary: `${what.zh}尚未配置，无法提供结果 / ${what.en} is not configured: no result`, data: { configured: false } };
}

export const pubmedSearchTool = () =>
  defineTool({
    name: 'pubmed_search',
    description: '检索 PubMed 文献（尚未配置时返回 not_configured）。Search PubMed (answers not_configured until set up).',
    input: PubmedSearchInput,
    run: async () => notConfigured({ zh: 'PubMed 文献检索', en: 'PubMed search' }),
  });

export const imagingAiTool = () =>
  defineTool({
    name: 'imaging_ai',
    description: '调用影像 AI（结节检测、分割；尚未配置时返回 not_configured）。Run imaging AI on a study (not_configured until a connector exists).',
    input: ImagingAiInput,
    run: async () => notConfigured({ zh: '影像 AI 连接器', en: 'the imaging-AI connector' }),
  });

export const measurementTool = () =>
  defineTool({
    name: 'measurement',
    description: '病灶测量（体积、径线、CT 值统计；尚未配置时返回 not_configured）。Measure a lesion from image + mask (not_configured until the service exists).',
    input: MeasurementInput,
    run: async () => notConfigured({ zh: '测量服务', en: 'the measurement service' }),
  });
