import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { writeNifti } from '../imaging/index.ts';
import { makePhantom, writeSeries } from '../imaging/synthetic/index.ts';
import { exportGraph } from '../knowledge/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { multipart as form } from './helpers/multipart.ts';
import { DEMO, ingestFiles, ROOT, testAuth, testRuntime } from './helpers/runtime.ts';

type Headers = Record<string, string>;

/**
 * State-changing routes that write no audit row, and why. Everything else must have a fixture below;
 * a route added without either fails this test by name.
 */
const EXEMPT: Record<string, string> = {
  'POST /api/audit/verify': 'reads and recomputes the chain; changes nothing',
  'PUT /api/teaching/attempts/:id/answers':
    "a resident's own in-progress answers, saved as they go (many per exam); starting and submitting the attempt are audited",
  'POST /api/kg/candidates/bulk/preview': 'computes what a bulk approval would do (a POST for its filter body); changes nothing',
  'POST /api/kg/vocabulary/imports/preview': 'parses the uploaded terminology and reports what an import would do; writes nothing',
  'POST /api/reports/qc': 'checks pasted report text and returns flags; stores nothing',
  'POST /api/reports/structure': 'post-structures pasted report text and returns findings; stores nothing',
  'POST /api/reports/qc/second-opinion': 'asks the configured model about pasted report text (de-identified first; the call is metered with the other model calls) and returns its checked issues; stores nothing',
  'POST /api/cases/similar': 'matches pasted findings against typical cases (a POST for its body); stores nothing',
  'POST /api/cases/differential': 'ranks diseases for pasted findings (a POST for its body); stores nothing',
  'POST /api/cases/compare': 'similar cases and differential for pasted findings in one pass (a POST for its body); stores nothing',
  'POST /api/cases/findings': 'reads structured findings from pasted text; stores nothing',
  'POST /api/chat':
    "stores only the caller's own conversation (owner and time on the row, the question SM4-encrypted); its deletion is audited. Auditing every question would copy clinical questions into a log kept ≥ 180 days",
};

interface Case {
  request: InjectOptions;
  /** The audit row the request must leave (actor defaults to the bearer admin, `test-admin`). */
  action: string;
  actor?: string;
  target?: string | null;
}

const multipart = (name: string, bytes: Buffer | string, type: string) => {
  const boundary = '----yzAuditWalk';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`);
  return { payload: Buffer.concat([head, Buffer.from(bytes), Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
};

/** A multipart body of several named file parts (imaging uploads: image, mask, or a series as `file`…). */
const multiparts = (parts: Array<{ field: string; name: string; bytes: Uint8Array }>) => {
  const boundary = '----yzAuditWalkParts';
  const chunks = parts.flatMap((p) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"; filename="${p.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    Buffer.from(p.bytes),
    Buffer.from('\r\n'),
  ]);
  return { payload: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
};

/**
 * Issue 12, M5: every state change through the API is audited with its actor. The whole route table is
 * walked (collected while the app is built); each state-changing route is called once, for real, with
 * data that makes it succeed, and must leave its audit row naming who did it.
 */
describe('every state-changing route leaves an audit row with its actor', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let admin: Headers;
  const routes: string[] = [];
  const json = (body: unknown, headers: Headers) => ({ payload: JSON.stringify(body), headers: { ...headers, 'content-type': 'application/json' } });

  beforeAll(async () => {
    rt = await testRuntime();
    await ingestFiles(rt, [path.join(DEMO, 'lung-nodule-guideline.md')], { demo: true });
    app = await buildApp(rt, {
      onRoute: (r) => {
        for (const m of [r.method].flat()) if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(m)) routes.push(`${m} ${r.url}`);
      },
    });
    await app.ready();
    ({ auth: admin } = await testAuth(rt));
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await rt?.close();
  });

  /** A session of an admin (for the routes that need one: tokens, password, logout). */
  async function session(username: string): Promise<Headers> {
    const u = await rt.auth.createUser({ username, role: 'admin', password: `${username}-pass-1` }, 'test');
    await rt.db.query('UPDATE users SET must_change_password = false WHERE id = $1', [u.user.id]);
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', ...json({ username, password: `${username}-pass-1` }, {}) });
    return { cookie: String([r.headers['set-cookie']].flat()[0]).split(';')[0] };
  }

  /** Fixtures, in an order where later ones use what earlier ones made. */
  async function* cases(): AsyncGenerator<[string, () => Promise<Case>]> {
    const q = async <T>(sql: string, params: unknown[] = []) => (await rt.db.query<T>(sql, params)).rows;
    const pending = async () => (await q<{ id: string }>(`SELECT id FROM kg_candidates WHERE status = 'pending' AND subject_id IS NOT NULL AND object_id IS NOT NULL ORDER BY id LIMIT 3`)).map((r) => r.id);

    yield ['POST /api/sources', async () => ({ request: { method: 'POST', url: '/api/sources', ...multipart('walk.md', '# 审计\n\n上传也被记录。', 'text/markdown'), headers: { ...admin, ...multipart('walk.md', '', 'text/markdown').headers } }, action: 'source.upload' })];
    yield ['POST /api/literature/import', async () => {
      const xml = readFileSync(path.join(ROOT, 'tests/fixtures/pubmed/basic.xml'));
      const m = multipart('basic.xml', xml, 'text/xml');
      return { request: { method: 'POST', url: '/api/literature/import', payload: m.payload, headers: { ...admin, ...m.headers } }, action: 'literature.import', target: 'basic.xml' };
    }];
    const watch = { name: 'audit walk', query: 'lung nodule', cron: '0 3 1 * *' };
    yield ['POST /api/literature/watches', async () => ({ request: { method: 'POST', url: '/api/literature/watches', ...json(watch, admin) }, action: 'watch.create' })];
    const watchId = async () => (await q<{ id: string }>(`SELECT id FROM pubmed_watches ORDER BY created_at DESC LIMIT 1`))[0].id;
    yield ['PUT /api/literature/watches/:id', async () => {
      const id = await watchId();
      return { request: { method: 'PUT', url: `/api/literature/watches/${id}`, ...json({ ...watch, enabled: false }, admin) }, action: 'watch.update', target: id };
    }];
    yield ['POST /api/literature/watches/:id/run', async () => {
      const id = await watchId();
      return { request: { method: 'POST', url: `/api/literature/watches/${id}/run`, headers: admin }, action: 'watch.run', target: id };
    }];
    yield ['DELETE /api/literature/watches/:id', async () => {
      const id = await watchId();
      return { request: { method: 'DELETE', url: `/api/literature/watches/${id}`, headers: admin }, action: 'watch.delete', target: id };
    }];
    yield ['POST /api/jobs/:id/retry', async () => {
      const job = await rt.jobs.enqueue(rt.db, 'audit.walk', { n: 1 });
      await rt.db.query(`UPDATE jobs SET status = 'failed', finished_at = now() WHERE id = $1`, [job.id]);
      return { request: { method: 'POST', url: `/api/jobs/${job.id}/retry`, headers: admin }, action: 'job.retry', target: job.id };
    }];
    yield ['POST /api/jobs/:id/cancel', async () => {
      const job = await rt.jobs.enqueue(rt.db, 'audit.walk', { n: 2 });
      return { request: { method: 'POST', url: `/api/jobs/${job.id}/cancel`, headers: admin }, action: 'job.cancel', target: job.id };
    }];
    yield ['POST /api/kg/candidates/:id/approve', async () => {
      const [id] = await pending();
      return { request: { method: 'POST', url: `/api/kg/candidates/${id}/approve`, ...json({}, admin) }, action: 'review.approve', target: id };
    }];
    yield ['POST /api/kg/candidates/:id/reject', async () => {
      const [id] = await pending();
      return { request: { method: 'POST', url: `/api/kg/candidates/${id}/reject`, ...json({ comment: 'walk' }, admin) }, action: 'review.reject', target: id };
    }];
    yield ['POST /api/kg/candidates/bulk', async () => {
      const [id] = await pending();
      return { request: { method: 'POST', url: '/api/kg/candidates/bulk', ...json({ action: 'reject', ids: [id] }, admin) }, action: 'review.reject', target: id };
    }];
    yield ['POST /api/kg/relations/:id/retire', async () => {
      const [r] = await q<{ id: string }>(`SELECT id FROM kg_relations WHERE status = 'active' ORDER BY id LIMIT 1`);
      return { request: { method: 'POST', url: `/api/kg/relations/${r.id}/retire`, ...json({ reason: 'superseded (audit walk)' }, admin) }, action: 'review.retire', target: r.id };
    }];
    yield ['POST /api/kg/merges', async () => {
      const [e] = await q<{ id: string }>(`SELECT id FROM kg_entities ORDER BY id LIMIT 1`);
      return { request: { method: 'POST', url: '/api/kg/merges', ...json({ fromSurface: '审计步行别名', intoId: e.id }, admin) }, action: 'review.merge', target: e.id };
    }];
    yield ['POST /api/kg/merges/:id/undo', async () => {
      const [m] = await q<{ id: string }>(`SELECT id FROM kg_merges ORDER BY at DESC LIMIT 1`);
      return { request: { method: 'POST', url: `/api/kg/merges/${m.id}/undo`, headers: admin }, action: 'review.unmerge', target: m.id };
    }];
    yield ['POST /api/kg/extract', async () => {
      const [s] = await q<{ id: string }>(`SELECT id FROM sources WHERE status = 'ready' ORDER BY created_at LIMIT 1`);
      return { request: { method: 'POST', url: '/api/kg/extract', ...json({ sourceId: s.id }, admin) }, action: 'extract.queue', target: s.id };
    }];
    yield ['POST /api/graph/rebuild', async () => ({ request: { method: 'POST', url: '/api/graph/rebuild', headers: admin }, action: 'graph.rebuild' })];
    yield ['POST /api/graph/import', async () => {
      const body = String(await exportGraph(rt.db, 'jsonl', { actor: 'test' }));
      return { request: { method: 'POST', url: '/api/graph/import', payload: body, headers: { ...admin, 'content-type': 'application/x-ndjson' } }, action: 'data.import' };
    }];
    const connector = { name: 'walk AI', kind: 'imaging_ai', config: { url: 'http://127.0.0.1:9/segment', apiKey: 'walk-secret' } };
    yield ['POST /api/connectors', async () => ({ request: { method: 'POST', url: '/api/connectors', ...json(connector, admin) }, action: 'connector.change' })];
    const connectorId = async () => (await q<{ id: string }>(`SELECT id FROM connectors ORDER BY created_at DESC LIMIT 1`))[0].id;
    yield ['PUT /api/connectors/:id', async () => {
      const id = await connectorId();
      return { request: { method: 'PUT', url: `/api/connectors/${id}`, ...json({ ...connector, name: 'walk AI 2' }, admin) }, action: 'connector.change', target: id };
    }];
    yield ['POST /api/connectors/:id/test', async () => {
      const id = await connectorId();
      return { request: { method: 'POST', url: `/api/connectors/${id}/test`, headers: admin }, action: 'connector.test', target: id };
    }];
    yield ['POST /api/imaging/ai/jobs', async () => ({
      request: { method: 'POST', url: '/api/imaging/ai/jobs', ...json({ task: 'nodule_detection', studyUid: '1.2.826.0.1.3680043.8.498.77' }, admin) },
      action: 'imaging.ai_request',
    })];
    yield ['POST /api/reports/drafts', async () => ({
      request: { method: 'POST', url: '/api/reports/drafts', ...json({ values: { findingType: 'lung_nodule', nodeType: 'solid', side: 'right', lobe: 'upper', longMm: 7 } }, admin) },
      action: 'report.draft',
    })];
    const draftId = async () => (await q<{ id: string }>(`SELECT id FROM report_drafts ORDER BY created_at DESC LIMIT 1`))[0].id;
    yield ['POST /api/reports/drafts/:id/revisions', async () => {
      const id = await draftId();
      return { request: { method: 'POST', url: `/api/reports/drafts/${id}/revisions`, ...json({ findings: '右肺上叶见一实性结节，大小约7mm。', impression: '右肺上叶实性结节。' }, admin) }, action: 'report.draft' };
    }];
    yield ['POST /api/reports/drafts/:id/push', async () => {
      const ris = await rt.connectors.create({ name: 'walk RIS', kind: 'ris', config: { mode: 'rest', url: 'http://127.0.0.1:9/ris/reports' } }, 'admin');
      const id = await draftId();
      return { request: { method: 'POST', url: `/api/reports/drafts/${id}/push`, ...json({ connectorId: ris.id, format: 'hl7' }, admin) }, action: 'report.push', target: id };
    }];
    yield ['POST /api/reports/pushes/:id/retry', async () => {
      const [p] = await q<{ id: string; job_id: string; draft_id: string }>(`SELECT id, job_id, draft_id FROM report_pushes ORDER BY created_at DESC LIMIT 1`);
      // As if the target stayed down through every attempt.
      await q(`UPDATE report_pushes SET status = 'failed' WHERE id = '${p.id}'`);
      await q(`UPDATE jobs SET status = 'failed' WHERE id = '${p.job_id}'`);
      return { request: { method: 'POST', url: `/api/reports/pushes/${p.id}/retry`, headers: admin }, action: 'report.push', target: p.draft_id };
    }];
    yield ['POST /api/imaging/ai/results', async () => ({
      request: { method: 'POST', url: '/api/imaging/ai/results', ...json({ model: { name: 'walk', version: '1' }, task: 'segmentation', studyInstanceUid: '1.2.826.0.1.3680043.8.498.78', segments: [{ label: 'liver' }] }, admin) },
      action: 'imaging.ai_import',
    })];
    const ph = makePhantom({ dims: [24, 24, 12], spacing: [1, 1, 2], background: -800, shapes: [{ kind: 'ellipsoid', center: [12, 12, 12], radii: [5, 5, 5], value: 40, label: 1 }] });
    yield ['POST /api/measure', async () => {
      const m = multiparts([
        { field: 'image', name: 'ct.nii', bytes: writeNifti({ geometry: ph.geometry, data: ph.image }) },
        { field: 'mask', name: 'mask.nii', bytes: writeNifti({ geometry: ph.geometry, data: ph.mask }) },
      ]);
      return { request: { method: 'POST', url: '/api/measure', payload: m.payload, headers: { ...admin, ...m.headers } }, action: 'imaging.measure' };
    }];
    yield ['POST /api/protocol-qc', async () => {
      const files = writeSeries({ geometry: ph.geometry, pixels: ph.image, rescale: { slope: 1, intercept: -1024 }, header: { KVP: 120, ProtocolName: 'Chest', BodyPartExamined: 'CHEST' } });
      const m = multiparts(files.map((f) => ({ field: 'file', name: f.name, bytes: f.bytes })));
      return { request: { method: 'POST', url: '/api/protocol-qc', payload: m.payload, headers: { ...admin, ...m.headers } }, action: 'imaging.qc' };
    }];
    yield ['DELETE /api/connectors/:id', async () => {
      const id = await connectorId();
      return { request: { method: 'DELETE', url: `/api/connectors/${id}`, headers: admin }, action: 'connector.change', target: id };
    }];
    yield ['POST /api/connectors/allowlist', async () => ({ request: { method: 'POST', url: '/api/connectors/allowlist', ...json({ pattern: '10.20.0.0/16', note: 'audit walk' }, admin) }, action: 'connector.change' })];
    yield ['DELETE /api/connectors/allowlist/:entryId', async () => {
      const [e] = await q<{ id: string }>(`SELECT id FROM connector_allowlist ORDER BY created_at DESC LIMIT 1`);
      return { request: { method: 'DELETE', url: `/api/connectors/allowlist/${e.id}`, headers: admin }, action: 'connector.change', target: `allowlist:${e.id}` };
    }];
    yield ['PUT /api/llm/settings', async () => ({ request: { method: 'PUT', url: '/api/llm/settings', ...json({ kind: 'none' }, admin) }, action: 'llm.settings', target: 'llm' })];
    yield ['DELETE /api/llm/settings', async () => ({ request: { method: 'DELETE', url: '/api/llm/settings', headers: admin }, action: 'llm.settings', target: 'llm' })];
    yield ['POST /api/sources/:id/unsupersede', async () => {
      const older = await rt.ingest.register(Buffer.from('# 旧版\n\n审计步行旧版。'), 'walk-version.md', {}, {}, { actor: 'test' });
      const newer = await rt.ingest.register(Buffer.from('# 新版\n\n审计步行新版。'), 'walk-version.md', {}, { supersedes: older.source.id }, { actor: 'test' });
      await rt.db.query('UPDATE sources SET superseded_by = $1 WHERE id = $2', [newer.source.id, older.source.id]);
      return { request: { method: 'POST', url: `/api/sources/${older.source.id}/unsupersede`, headers: admin }, action: 'source.unsupersede', target: older.source.id };
    }];
    const proposal = async (surface: string) => {
      const [src] = await q<{ id: string }>(`SELECT id FROM sources ORDER BY created_at LIMIT 1`);
      await rt.knowledge.termProposals.record(rt.db, [{ kind: 'term', surface, guessedType: 'Sign', sourceId: src.id, chunkId: null, page: 1, quote: `${surface}。`, quoteStart: 0 }]);
      return (await q<{ id: string }>(`SELECT id FROM kg_term_proposals WHERE surface = $1`, [surface]))[0].id;
    };
    yield ['POST /api/kg/terms/:id/approve', async () => {
      const id = await proposal('审计步行征');
      return { request: { method: 'POST', url: `/api/kg/terms/${id}/approve`, ...json({ decision: { action: 'create', type: 'Sign' } }, admin) }, action: 'vocab.term_approve', target: id };
    }];
    yield ['POST /api/kg/terms/:id/reject', async () => {
      const id = await proposal('审计步行非术语');
      return { request: { method: 'POST', url: `/api/kg/terms/${id}/reject`, ...json({}, admin) }, action: 'vocab.term_reject', target: id };
    }];
    yield ['POST /api/kg/vocabulary/imports', async () => {
      const m = form({ format: 'csv', system: 'walk' }, { name: 'local.csv', bytes: readFileSync(path.join(ROOT, 'tests/fixtures/vocab/local.csv')), type: 'text/csv' });
      return { request: { method: 'POST', url: '/api/kg/vocabulary/imports', payload: m.payload, headers: { ...admin, ...m.headers } }, action: 'vocab.import' };
    }];
    yield ['POST /api/kg/vocabulary/imports/:id/undo', async () => {
      const [i] = await q<{ id: string }>(`SELECT id FROM kg_vocab_imports ORDER BY created_at DESC LIMIT 1`);
      return { request: { method: 'POST', url: `/api/kg/vocabulary/imports/${i.id}/undo`, headers: admin }, action: 'vocab.undo', target: i.id };
    }];
    yield ['DELETE /api/chat/conversations/:id', async () => {
      const asked = await rt.chat.ask({ message: '磨玻璃结节多久复查？', actor: 'test-admin' });
      return { request: { method: 'DELETE', url: `/api/chat/conversations/${asked.conversationId}`, headers: admin }, action: 'chat.delete', target: asked.conversationId };
    }];
    // Teaching (issue 15): generate → edit → approve → retire; exam create → publish → start → submit.
    yield ['POST /api/teaching/questions/generate', async () => {
      const [r] = await q<{ subject_id: string }>(`SELECT subject_id FROM kg_relations WHERE status = 'active' AND predicate = 'has_sign' GROUP BY subject_id ORDER BY count(*) DESC LIMIT 1`);
      return { request: { method: 'POST', url: '/api/teaching/questions/generate', ...json({ entity: r.subject_id, count: 3, allowFewer: true }, admin) }, action: 'question.generate', target: r.subject_id };
    }];
    const questions = async () => (await q<{ id: string }>(`SELECT id FROM teach_questions ORDER BY created_at, id`)).map((r) => r.id);
    yield ['PUT /api/teaching/questions/:id', async () => {
      const [id] = await questions();
      const question = (await rt.teaching.bank.require(id));
      const body = { stem: `${question.stem}（审计）`, options: question.options.map(({ label, text }) => ({ label, text })), key: question.key, explanation: question.explanation, tags: question.tags, level: question.level };
      return { request: { method: 'PUT', url: `/api/teaching/questions/${id}`, ...json(body, admin) }, action: 'question.edit', target: id };
    }];
    yield ['POST /api/teaching/questions/:id/approve', async () => {
      const [id] = await questions();
      return { request: { method: 'POST', url: `/api/teaching/questions/${id}/approve`, headers: admin }, action: 'question.approve', target: id };
    }];
    yield ['POST /api/teaching/exams', async () => {
      const [id] = await questions();
      const tag = (await rt.teaching.bank.require(id)).diseaseId as string;
      return { request: { method: 'POST', url: '/api/teaching/exams', ...json({ title: '审计测验', blueprint: [{ tag, count: 1 }] }, admin) }, action: 'exam.create' };
    }];
    const examId = async () => (await q<{ id: string }>(`SELECT id FROM teach_exams ORDER BY created_at DESC LIMIT 1`))[0].id;
    yield ['POST /api/teaching/exams/:id/publish', async () => {
      const id = await examId();
      return { request: { method: 'POST', url: `/api/teaching/exams/${id}/publish`, headers: admin }, action: 'exam.publish', target: id };
    }];
    yield ['POST /api/teaching/exams/:id/attempts', async () => ({ request: { method: 'POST', url: `/api/teaching/exams/${await examId()}/attempts`, headers: admin }, action: 'exam.start' })];
    yield ['POST /api/teaching/attempts/:id/submit', async () => {
      const [a] = await q<{ id: string }>(`SELECT id FROM teach_attempts ORDER BY started_at DESC LIMIT 1`);
      return { request: { method: 'POST', url: `/api/teaching/attempts/${a.id}/submit`, ...json({}, admin) }, action: 'exam.submit', target: a.id };
    }];
    yield ['POST /api/teaching/exams/:id/recalibrate', async () => {
      const id = await examId();
      return { request: { method: 'POST', url: `/api/teaching/exams/${id}/recalibrate`, ...json({ minResponses: 1 }, admin) }, action: 'question.recalibrate', target: id };
    }];
    yield ['POST /api/teaching/questions/import', async () => {
      const xml = '<quiz><question type="multichoice"><questiontext><text>审计导入：以下哪项是示例答案？</text></questiontext><single>true</single><answer fraction="100"><text>甲选项</text></answer><answer fraction="0"><text>乙选项</text></answer></question></quiz>';
      const m = multipart('walk.moodle.xml', xml, 'application/xml');
      return { request: { method: 'POST', url: '/api/teaching/questions/import', payload: m.payload, headers: { ...admin, ...m.headers } }, action: 'data.import', target: 'walk.moodle.xml' };
    }];
    yield ['POST /api/teaching/figures', async () => {
      const m = multipart('walk-figure.png', readFileSync(path.join(ROOT, 'demo/figures/synthetic-chest-ct-lung-window.png')), 'image/png');
      return { request: { method: 'POST', url: '/api/teaching/figures', payload: m.payload, headers: { ...admin, ...m.headers } }, action: 'question.figure_upload' };
    }];
    yield ['PUT /api/teaching/questions/:id/figure', async () => {
      const [id] = await questions();
      const [f] = await q<{ id: string }>('SELECT id FROM teach_figures LIMIT 1');
      return { request: { method: 'PUT', url: `/api/teaching/questions/${id}/figure`, ...json({ figure: { figureId: f.id, region: { x: 0.3, y: 0.42, r: 0.06 } } }, admin) }, action: 'question.edit', target: id };
    }];
    yield ['POST /api/teaching/questions/:id/retire', async () => {
      const [id] = await questions();
      return { request: { method: 'POST', url: `/api/teaching/questions/${id}/retire`, ...json({ reason: 'audit walk' }, admin) }, action: 'question.retire', target: id };
    }];
    const walkCase = { id: 'walk-case', title: '审计病例', modality: 'CT', findingsText: '膈下游离气体。', finalDiagnosis: { name: '消化道穿孔' } };
    yield ['POST /api/cases', async () => ({ request: { method: 'POST', url: '/api/cases', ...json(walkCase, admin) }, action: 'case.create', target: 'walk-case' })];
    yield ['PUT /api/cases/:id', async () => ({ request: { method: 'PUT', url: '/api/cases/walk-case', ...json({ ...walkCase, impression: '穿孔' }, admin) }, action: 'case.edit', target: 'walk-case' })];
    yield ['POST /api/cases/:id/approve', async () => ({ request: { method: 'POST', url: '/api/cases/walk-case/approve', headers: admin }, action: 'case.approve', target: 'walk-case' })];
    yield ['POST /api/cases/:id/images', async () => {
      const m = multipart('walk-key.png', readFileSync(path.join(ROOT, 'demo/figures/synthetic-chest-ct-lung-window.png')), 'image/png');
      return { request: { method: 'POST', url: '/api/cases/walk-case/images', payload: m.payload, headers: { ...admin, ...m.headers } }, action: 'case.image_upload', target: 'walk-case' };
    }];
    yield ['DELETE /api/cases/:id/images/:imageId', async () => {
      const [img] = await q<{ id: string }>(`SELECT id FROM case_images WHERE case_id = 'walk-case' LIMIT 1`);
      return { request: { method: 'DELETE', url: `/api/cases/walk-case/images/${img.id}`, headers: admin }, action: 'case.image_delete', target: 'walk-case' };
    }];
    yield ['POST /api/cases/:id/retire', async () => ({ request: { method: 'POST', url: '/api/cases/walk-case/retire', headers: admin }, action: 'case.retire', target: 'walk-case' })];
    yield ['POST /api/cases/import', async () => {
      const m = multipart('walk-cases.json', JSON.stringify([{ ...walkCase, id: 'walk-case-2' }]), 'application/json');
      return { request: { method: 'POST', url: '/api/cases/import', payload: m.payload, headers: { ...admin, ...m.headers } }, action: 'case.import', target: 'walk-cases.json' };
    }];
    yield ['POST /api/admin/users', async () => ({ request: { method: 'POST', url: '/api/admin/users', ...json({ username: 'walk.user', role: 'resident' }, admin) }, action: 'user.create' })];
    const walkUser = async () => (await q<{ id: string }>(`SELECT id FROM users WHERE username = 'walk.user'`))[0].id;
    yield ['PATCH /api/admin/users/:id', async () => {
      const id = await walkUser();
      return { request: { method: 'PATCH', url: `/api/admin/users/${id}`, ...json({ role: 'teacher' }, admin) }, action: 'permission.change', target: `user:${id}` };
    }];
    yield ['POST /api/admin/users/:id/reset-password', async () => {
      const id = await walkUser();
      return { request: { method: 'POST', url: `/api/admin/users/${id}/reset-password`, headers: admin }, action: 'user.password_reset', target: `user:${id}` };
    }];
    yield ['POST /api/auth/login', async () => {
      const u = await rt.auth.createUser({ username: 'walk.login', role: 'resident', password: 'walk-login-pass-1' }, 'test');
      return { request: { method: 'POST', url: '/api/auth/login', ...json({ username: 'walk.login', password: 'walk-login-pass-1' }, {}) }, action: 'auth.login', actor: 'walk.login', target: `user:${u.user.id}` };
    }];
    const walker = await session('walk.admin');
    yield ['POST /api/auth/tokens', async () => ({ request: { method: 'POST', url: '/api/auth/tokens', ...json({ name: 'walk', expiresInDays: 1 }, walker) }, action: 'token.create', actor: 'walk.admin' })];
    yield ['DELETE /api/auth/tokens/:id', async () => {
      const [t] = await q<{ id: string }>(`SELECT id FROM api_tokens WHERE name = 'walk'`);
      return { request: { method: 'DELETE', url: `/api/auth/tokens/${t.id}`, headers: walker }, action: 'token.revoke', actor: 'walk.admin', target: `token:${t.id}` };
    }];
    yield ['POST /api/auth/password', async () => ({
      request: { method: 'POST', url: '/api/auth/password', ...json({ current: 'walk.admin-pass-1', next: 'walk-admin-new-1' }, walker) },
      action: 'auth.password_change',
      actor: 'walk.admin',
    })];
    yield ['POST /api/auth/logout', async () => ({ request: { method: 'POST', url: '/api/auth/logout', headers: walker }, action: 'auth.logout', actor: 'walk.admin' })];
    // Knowledge-base management (issue 14): passages first (a re-parse replaces them), then the source itself.
    const demoSource = async () => (await q<{ id: string }>(`SELECT id FROM sources WHERE demo AND status = 'ready' ORDER BY created_at LIMIT 1`))[0].id;
    const firstChunk = async () => (await q<{ id: string }>(`SELECT c.id FROM chunks c JOIN sources s ON s.id = c.source_id WHERE s.demo ORDER BY c.id LIMIT 1`))[0].id;
    yield ['POST /api/chunks/:id/disable', async () => {
      const id = await firstChunk();
      return { request: { method: 'POST', url: `/api/chunks/${encodeURIComponent(id)}/disable`, ...json({ reason: '审计步行' }, admin) }, action: 'passage.disable', target: id };
    }];
    yield ['POST /api/chunks/:id/enable', async () => {
      const id = await firstChunk();
      return { request: { method: 'POST', url: `/api/chunks/${encodeURIComponent(id)}/enable`, headers: admin }, action: 'passage.enable', target: id };
    }];
    yield ['PATCH /api/sources/:id', async () => {
      const id = await demoSource();
      return { request: { method: 'PATCH', url: `/api/sources/${id}`, ...json({ version: '审计版' }, admin) }, action: 'source.edit', target: id };
    }];
    yield ['POST /api/sources/:id/reparse', async () => {
      const id = await demoSource();
      return { request: { method: 'POST', url: `/api/sources/${id}/reparse`, ...json({ chunkChars: 800 }, admin) }, action: 'source.reparse', target: id };
    }];
    // Collections (issue 14 item 3): create, edit, assign and take out a source, delete.
    const anySource = async () => (await q<{ id: string }>('SELECT id FROM sources ORDER BY created_at LIMIT 1'))[0].id;
    const walkCollection = async () => (await q<{ id: string }>(`SELECT id FROM collections WHERE name = '审计步行组'`))[0].id;
    yield ['POST /api/collections', async () => ({
      request: { method: 'POST', url: '/api/collections', ...json({ name: '审计步行组', roles: ['expert'] }, admin) }, action: 'collection.create',
    })];
    yield ['PATCH /api/collections/:id', async () => {
      const id = await walkCollection();
      return { request: { method: 'PATCH', url: `/api/collections/${id}`, ...json({ roles: ['expert', 'resident'] }, admin) }, action: 'collection.edit', target: id };
    }];
    yield ['POST /api/collections/:id/sources', async () => {
      const id = await walkCollection();
      return { request: { method: 'POST', url: `/api/collections/${id}/sources`, ...json({ sourceIds: [await anySource()] }, admin) }, action: 'collection.add_sources', target: id };
    }];
    yield ['POST /api/collections/:id/sources/remove', async () => {
      const id = await walkCollection();
      return { request: { method: 'POST', url: `/api/collections/${id}/sources/remove`, ...json({ sourceIds: [await anySource()] }, admin) }, action: 'collection.remove_sources', target: id };
    }];
    yield ['DELETE /api/collections/:id', async () => {
      const id = await walkCollection();
      return { request: { method: 'DELETE', url: `/api/collections/${id}`, headers: admin }, action: 'collection.delete', target: id };
    }];
    yield ['DELETE /api/sources/:id', async () => {
      const [s] = await q<{ id: string }>(`SELECT id FROM sources WHERE kind = 'literature' ORDER BY created_at LIMIT 1`);
      return { request: { method: 'DELETE', url: `/api/sources/${s.id}`, headers: admin }, action: 'source.delete', target: s.id };
    }];
  }

  it('walks the route table: each state-changing route is audited with its actor, or exempt for a stated reason', async () => {
    const fixtures = new Map<string, () => Promise<Case>>();
    const checked: string[] = [];
    const problems: string[] = [];
    for await (const [route, make] of cases()) {
      fixtures.set(route, make);
      const c = await make();
      const before = (await rt.audit.verify()).recordedHead.seq;
      const res = await app.inject(c.request);
      if (res.statusCode >= 300) {
        problems.push(`${route}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
        continue;
      }
      const { rows } = await rt.db.query<{ actor: string; action: string; target: string | null }>('SELECT actor, action, target FROM audit_log WHERE seq > $1 ORDER BY seq', [before]);
      const want = { actor: c.actor ?? 'test-admin', action: c.action, ...(c.target !== undefined ? { target: c.target } : {}) };
      const hit = rows.find((r) => r.action === want.action && r.actor === want.actor && (want.target === undefined || r.target === want.target));
      if (!hit) problems.push(`${route}: expected ${JSON.stringify(want)}, got ${JSON.stringify(rows)}`);
      checked.push(route);
    }
    const uncovered = routes.filter((r) => !fixtures.has(r) && !(r in EXEMPT));
    const stale = [...Object.keys(EXEMPT), ...fixtures.keys()].filter((r) => !routes.includes(r));
    console.log(`audit coverage: ${routes.length} state-changing routes, ${checked.length} walked, ${Object.keys(EXEMPT).length} exempt`);
    expect({ uncovered, stale, problems }).toEqual({ uncovered: [], stale: [], problems: [] });
    // The uploader is on the source itself too.
    const [src] = (await rt.db.query<{ uploaded_by: string }>(`SELECT uploaded_by FROM sources WHERE file_name = 'walk.md'`)).rows;
    expect(src.uploaded_by).toBe('test-admin');
    const demo = (await rt.db.query<{ uploaded_by: string }>(`SELECT DISTINCT uploaded_by FROM sources WHERE demo`)).rows.map((r) => r.uploaded_by);
    expect(demo).toEqual(['system']);
    expect(await rt.audit.verify()).toMatchObject({ ok: true });
  }, 240_000);
});
