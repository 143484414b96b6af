import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { MeasureOptionsSchema, MeasurementResultSchema, MeasurementSummarySchema, type NamedBytes, PacsSeriesSchema, PacsStudySchema, StoredVolumeMetaSchema } from '../imaging/index.ts';
import type { Services } from '../runtime/index.ts';
import { ErrorBodySchema, JobSchema } from './contract.ts';
import { readFilePart } from './multipart.ts';
import { principalOf } from './permissions.ts';

const OPTION_FIELDS = ['label', 'referenceLabel', 'threshold', 'components', 'modality', 'binWidth', 'solidThresholdHu', 'requireHu'] as const;

/** Multipart files grouped by field name, plus the text fields; the imaging size limit applies per request. */
export async function readImagingParts(req: FastifyRequest, maxBytes: number, fileFields: readonly string[]): Promise<{ files: Record<string, NamedBytes[]>; fields: Record<string, string> }> {
  if (!req.isMultipart()) throw new AppError('UNSUPPORTED_FILE_TYPE', '请以 multipart/form-data 上传影像文件 / upload images as multipart/form-data', { field: fileFields[0] });
  const files: Record<string, NamedBytes[]> = Object.fromEntries(fileFields.map((f) => [f, []]));
  const fields: Record<string, string> = {};
  let total = 0;
  for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 5000, fields: 30, fieldSize: 10_000 } })) {
    if (part.type === 'file') {
      if (!fileFields.includes(part.fieldname)) {
        await part.toBuffer();
        throw new AppError('VALIDATION_FAILED', `未知的文件字段 ${part.fieldname}（应为 ${fileFields.join(' / ')}）/ unexpected file field ${part.fieldname}`, { field: part.fieldname });
      }
      const bytes = await readFilePart(part);
      total += bytes.byteLength;
      if (total > maxBytes) throw new AppError('FILE_TOO_LARGE', `上传超过影像上限 / upload exceeds the imaging limit (YZ_IMAGING_MAX_MB)`, { field: part.fieldname });
      files[part.fieldname].push({ name: part.filename || `${part.fieldname}.bin`, bytes });
    } else if (String(part.value).trim() !== '') fields[part.fieldname] = String(part.value);
  }
  return { files, fields };
}

export function parseOptions(fields: Record<string, string>) {
  const picked = Object.fromEntries(OPTION_FIELDS.filter((k) => fields[k] !== undefined).map((k) => [k, fields[k]]));
  const r = MeasureOptionsSchema.safeParse(picked);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = String(issue?.path[0] ?? 'options');
    throw new AppError('VALIDATION_FAILED', `参数 ${field} 无效 / invalid ${field}: ${issue?.message}`, { field });
  }
  return r.data;
}

/** Measurement API: submit image + mask, read results, export CSV, and the cached volumes the slice viewer reads. */
export const imagingRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const svc = rt.imaging.measurements;

  app.post('/api/measure', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Measure lesions: multipart `image` (one NIfTI or the files of one DICOM series) or fields pacsStudyUid + pacsSeriesUid (retrieved by WADO-RS through the PACS connector, always as a job), `mask` (NIfTI labels/probabilities, DICOM SEG or RTSTRUCT), optional `pre` (unenhanced phase) and fields label, referenceLabel (volumes also as a ratio to this label, e.g. the liver), threshold, components, modality, binWidth, solidThresholdHu, requireHu, sourceId',
      consumes: ['multipart/form-data'],
      response: {
        201: z.object({ status: z.literal('measured'), measurement: MeasurementResultSchema, summary: MeasurementSummarySchema }),
        202: z.object({ status: z.literal('queued'), job: JobSchema }),
        400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 413: ErrorBodySchema, 415: ErrorBodySchema, 422: ErrorBodySchema,
      },
    },
  }, async (req, reply) => {
    const { files, fields } = await readImagingParts(req, rt.config.imaging.maxBytes, ['image', 'mask', 'pre']);
    const pacs = fields.pacsStudyUid || fields.pacsSeriesUid ? { studyUid: fields.pacsStudyUid ?? '', seriesUid: fields.pacsSeriesUid ?? '', connectorId: fields.pacsConnectorId } : undefined;
    const uid = /^[0-9.]{1,64}$/;
    if (pacs && !(uid.test(pacs.studyUid) && uid.test(pacs.seriesUid))) {
      throw new AppError('VALIDATION_FAILED', 'PACS 序列需要 pacsStudyUid 与 pacsSeriesUid（DICOM UID）/ a PACS series needs pacsStudyUid and pacsSeriesUid (DICOM UIDs)', { field: uid.test(pacs.studyUid) ? 'pacsSeriesUid' : 'pacsStudyUid' });
    }
    if (!files.image.length && !pacs) throw new AppError('VALIDATION_FAILED', '缺少图像文件 image（或 PACS 序列）/ missing image file(s) or a PACS series', { field: 'image' });
    if (files.image.length && pacs) throw new AppError('VALIDATION_FAILED', '图像文件与 PACS 序列只能选一个 / give image files or a PACS series, not both', { field: 'image' });
    if (files.mask.length !== 1) throw new AppError('VALIDATION_FAILED', '需要且只需要一个掩膜文件 mask / exactly one mask file is needed', { field: 'mask' });
    const options = parseOptions(fields);
    const out = await svc.submit({ image: files.image, pacs, mask: files.mask[0], pre: files.pre, options, actor: principalOf(req).username, sourceId: fields.sourceId });
    if (out.status === 'queued') return reply.code(202).send(out);
    return reply.code(201).send({ status: 'measured', measurement: out.measurement, summary: out.row });
  });

  app.get('/api/imaging/pacs/studies', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Studies on the PACS (QIDO-RS through the pacs connector): date (YYYYMMDD or a range), accession number, modality; no patient fields',
      querystring: z.object({
        date: z.string().regex(/^\d{8}(-\d{8})?$/, 'YYYYMMDD or YYYYMMDD-YYYYMMDD').optional(),
        accession: z.string().max(64).regex(/^[A-Za-z0-9._-]*$/).optional(),
        modality: z.enum(['CT', 'MR', 'PT', 'US', 'CR', 'DX']).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      response: { 200: z.object({ items: z.array(PacsStudySchema) }), 409: ErrorBodySchema, 503: ErrorBodySchema },
    },
  }, async (req) => ({ items: await rt.imaging.pacsStudies(req.query) }));

  app.get('/api/imaging/pacs/studies/:studyUid/series', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Series of a PACS study (QIDO-RS)',
      params: z.object({ studyUid: z.string().max(64) }),
      response: { 200: z.object({ items: z.array(PacsSeriesSchema) }), 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 503: ErrorBodySchema },
    },
  }, async (req) => ({ items: await rt.imaging.pacsSeries(req.params.studyUid) }));

  app.get('/api/measurements', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Stored measurements, newest first (of one study or one linked source)',
      querystring: z.object({ studyUid: z.string().max(128).optional(), sourceId: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: { 200: z.object({ items: z.array(MeasurementSummarySchema) }) },
    },
  }, async (req) => ({ items: await svc.list(req.query) }));

  app.get('/api/measurements/:id', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'One measurement: every lesion, its numbers with units and refs, provenance',
      params: z.object({ id: z.string().max(100) }),
      response: { 200: z.object({ measurement: MeasurementResultSchema, summary: MeasurementSummarySchema }), 404: ErrorBodySchema },
    },
  }, async (req) => {
    const { row, result } = await svc.get(req.params.id);
    return { measurement: result, summary: row };
  });

  app.get('/api/measurements/:id/features.csv', {
    config: { permission: 'report.draft' },
    schema: { tags: ['imaging'], summary: 'Every number of a measurement as CSV (lesion, label, key, value, unit, ref)', params: z.object({ id: z.string().max(100) }), produces: ['text/csv'] },
  }, async (req, reply) => {
    const csv = await svc.featuresCsv(req.params.id);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${req.params.id.replace(/[^A-Za-z0-9_]/g, '')}-features.csv"`).send(csv);
  });

  app.get('/api/imaging/volumes/:key', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Geometry, data type and display window of a cached volume (image or mask)',
      params: z.object({ key: z.string().max(100) }),
      response: { 200: StoredVolumeMetaSchema, 404: ErrorBodySchema },
    },
  }, async (req) => svc.volumeMeta(req.params.key));

  app.get('/api/imaging/volumes/:key/slices/:k', {
    config: { permission: 'report.draft' },
    schema: {
      tags: ['imaging'],
      summary: 'Raw little-endian voxels of one axial slice (dtype in the volume metadata and the x-yz-dtype header)',
      params: z.object({ key: z.string().max(100), k: z.coerce.number().int().min(0).max(100_000) }),
      produces: ['application/octet-stream'],
    },
  }, async (req, reply) => {
    const { meta, bytes } = svc.slice(req.params.key, req.params.k);
    return reply.type('application/octet-stream').header('x-yz-dtype', meta.dtype).header('cache-control', 'private, max-age=3600').send(bytes);
  });
};
