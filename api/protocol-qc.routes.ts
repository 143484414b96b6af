import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { DashboardSchema, ProtocolRulesSchema, QcRunSchema } from '../imaging/index.ts';
import type { Services } from '../runtime/index.ts';
import { ErrorBodySchema } from './contract.ts';
import { readImagingParts } from './imaging.routes.ts';
import { principalOf } from './permissions.ts';

/** Scan-protocol and image-quality QC (permission imaging.qc: technicians and the director). */
export const protocolQcRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  const qc = rt.imaging.qc;

  app.post('/api/protocol-qc', {
    config: { permission: 'imaging.qc' },
    schema: {
      tags: ['qc'],
      summary: 'Check DICOM series (multipart `file`, one or many files, any number of series) against the protocol rules and image-quality metrics',
      consumes: ['multipart/form-data'],
      response: { 200: z.object({ runs: z.array(QcRunSchema), skipped: z.array(z.string()) }), 400: ErrorBodySchema, 413: ErrorBodySchema, 415: ErrorBodySchema, 422: ErrorBodySchema },
    },
  }, async (req) => {
    const { files } = await readImagingParts(req, rt.config.imaging.maxBytes, ['file']);
    if (!files.file.length) throw new AppError('VALIDATION_FAILED', '缺少 DICOM 文件 file / missing DICOM file(s)', { field: 'file' });
    return qc.check(files.file, principalOf(req).username);
  });

  app.get('/api/protocol-qc/runs', {
    config: { permission: 'imaging.qc' },
    schema: {
      tags: ['qc'],
      summary: 'QC runs, newest acquisition first',
      querystring: z.object({ scanner: z.string().max(300).optional(), status: z.enum(['pass', 'warn', 'fail']).optional(), examType: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ items: z.array(QcRunSchema) }) },
    },
  }, async (req) => ({ items: await qc.list(req.query) }));

  app.get('/api/protocol-qc/runs/:id', {
    config: { permission: 'imaging.qc' },
    schema: { tags: ['qc'], summary: 'One QC run', params: z.object({ id: z.string().max(100) }), response: { 200: QcRunSchema, 404: ErrorBodySchema } },
  }, async (req) => qc.get(req.params.id));

  app.get('/api/protocol-qc/dashboard', {
    config: { permission: 'imaging.qc' },
    schema: {
      tags: ['qc'],
      summary: 'Weekly mean score and pass/warn/fail counts per scanner or per protocol',
      querystring: z.object({ groupBy: z.enum(['scanner', 'protocol']).default('scanner'), days: z.coerce.number().int().min(1).max(3650).default(180) }),
      response: { 200: DashboardSchema },
    },
  }, async (req) => qc.dashboard(req.query.groupBy, req.query.days));

  app.get('/api/protocol-qc/rules', {
    config: { permission: 'imaging.qc' },
    schema: { tags: ['qc'], summary: 'The protocol rules in force (authored as data: imaging/qc/protocol-rules.json)', response: { 200: ProtocolRulesSchema } },
  }, async () => qc.rules());
};
