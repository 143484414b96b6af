import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from './helpers/multipart.ts';
import { DEMO, startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are checked by the routes
type Json = any;

/**
 * The teaching flow over real HTTP on a server that ingested a demo guideline (YZ_LLM=none): a teacher
 * generates, approves and assembles; residents take the exam under the server's clock; results and item
 * analysis follow. Bad input: unknown entity, too many asked, impossible blueprint, late and double
 * submits, another resident's attempt.
 */
/** The stem as docx writes it in a run (XML-escaped). */
const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('teaching API', () => {
  let srv: TestServer;
  let teacher: Record<string, string>;
  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = teacher) => {
    const res = await fetch(srv.url + url, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  };

  beforeAll(async () => {
    srv = await startTestServer([path.join(DEMO, 'lung-nodule-guideline.md')], { YZ_LLM: 'none' });
    teacher = await srv.tokenFor('teacher', 'teacher.li');
  }, 180_000);
  afterAll(() => srv?.close());

  let disease: { id: string; name: string };
  const generated: Json[] = [];

  it('generates checked, cited drafts for a disease; asking an LLM with none configured says templates were used', async () => {
    const { json: rels } = await api('GET', '/api/kg/relations?predicate=has_sign&limit=200', undefined, srv.auth);
    const counts = new Map<string, { id: string; name: string; n: number }>();
    for (const r of rels.items) counts.set(r.subject.id, { id: r.subject.id, name: r.subject.nameZh, n: (counts.get(r.subject.id)?.n ?? 0) + 1 });
    const top = [...counts.values()].sort((a, b) => b.n - a.n)[0];
    disease = top;
    const r = await api('POST', '/api/teaching/questions/generate', { entity: top.name, count: 3, engine: 'llm' });
    expect(r.status).toBe(201);
    expect(r.json.engine).toBe('templates');
    expect(r.json.note).toContain('YZ_LLM=none');
    expect(r.json.items).toHaveLength(3);
    for (const q of r.json.items) {
      expect(q).toMatchObject({ status: 'draft', version: 1, diseaseId: top.id, createdBy: 'teacher.li', flags: [] });
      expect(q.options.map((o: Json) => o.label)).toContain(q.key[0]);
      expect(q.citations.relationIds.length).toBeGreaterThan(0);
      expect(q.citations.passages[0]).toMatchObject({ title: expect.any(String), page: expect.any(Number) });
      expect(q.explanation).toContain('关系 rel_');
      expect(q.tags).toContain(top.id);
    }
    generated.push(...r.json.items);
    // The same facts are not drafted twice: a second run gives new items or says it cannot.
    const again = await api('POST', '/api/teaching/questions/generate', { entity: top.id, count: 2, allowFewer: true });
    expect(again.status).toBe(201);
    const stems = new Set(generated.map((q) => q.stem + q.key.join()));
    for (const q of again.json.items) expect(stems.has(q.stem + q.key.join()) && generated.some((g) => g.citations.relationIds.join() === q.citations.relationIds.join() && g.template === q.template)).toBe(false);
    generated.push(...again.json.items);
  });

  it('bad generation input: unknown entity 404, too many asked 422 saying how many it could make and why', async () => {
    const unknown = await api('POST', '/api/teaching/questions/generate', { entity: '不存在的疾病名', count: 2 });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.field).toBe('entity');
    const many = await api('POST', '/api/teaching/questions/generate', { entity: disease.id, count: 100 });
    expect(many.status).toBe(422);
    expect(many.json.error.code).toBe('TOO_FEW_FACTS');
    expect(many.json.error.message).toMatch(/只能生成 \d+ 道合格题目，要求 100 道/);
    expect(many.json.error.message).toContain('影像表现');
    const resident = await api('POST', '/api/teaching/questions/generate', { entity: disease.id, count: 1 }, await srv.tokenFor('resident'));
    expect(resident.status).toBe(403);
  });

  it('edits make a new version and re-run the checks; approve, retire, search and counts', async () => {
    const q = generated[0];
    const dupOptions = q.options.map((o: Json, i: number) => ({ label: o.label, text: i === 1 ? q.options[0].text : o.text }));
    const bad = await api('PUT', `/api/teaching/questions/${q.id}`, { stem: q.stem, options: dupOptions, key: q.key, explanation: q.explanation, tags: q.tags, level: q.level });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.check).toBe('DUPLICATE_OPTIONS');
    const ok = await api('PUT', `/api/teaching/questions/${q.id}`, { stem: `${q.stem}（修订）`, options: q.options.map(({ label, text }: Json) => ({ label, text })), key: q.key, explanation: `${q.explanation}\n老师补充。`, tags: q.tags, level: 'hard' });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ version: 2, level: 'hard', updatedBy: 'teacher.li' });
    for (const g of generated) expect((await api('POST', `/api/teaching/questions/${g.id}/approve`)).status).toBe(200);
    expect((await api('POST', `/api/teaching/questions/${q.id}/approve`)).status).toBe(409);
    const detail = await api('GET', `/api/teaching/questions/${q.id}`);
    expect(detail.json.versions.map((v: Json) => v.action)).toEqual(['generate', 'edit', 'approve']);
    const found = await api('GET', `/api/teaching/questions?q=${encodeURIComponent('修订')}`);
    expect(found.json.items.map((x: Json) => x.id)).toEqual([q.id]);
    const counts = await api('GET', '/api/teaching/questions/counts');
    expect(counts.json.byStatus.approved).toBe(generated.length);
    expect(counts.json.byDisease.find((d: Json) => d.id === disease.id)).toMatchObject({ approved: generated.length });
  });

  it('an item built on a relation that gets retired is flagged and cannot be approved', async () => {
    const extra = await api('POST', '/api/teaching/questions/generate', { entity: disease.id, count: 1, allowFewer: true });
    const item = extra.json.items[0];
    expect(item).toBeTruthy();
    const rel = item.citations.relationIds[0];
    expect((await api('POST', `/api/kg/relations/${rel}/retire`, { reason: '新版指南取代（测试）' }, srv.auth)).status).toBe(200);
    const after = await api('GET', `/api/teaching/questions/${item.id}`);
    expect(after.json.question.flags).toContain('relation_retired');
    const approve = await api('POST', `/api/teaching/questions/${item.id}/approve`);
    expect(approve.status).toBe(409);
    expect((await api('GET', '/api/teaching/questions?flagged=true')).json.items.map((x: Json) => x.id)).toContain(item.id);
    expect((await api('POST', `/api/teaching/questions/${item.id}/retire`, { reason: '依据已停用' })).json.status).toBe('retired');
  });

  let examId: string;
  it('assembles an exam from a blueprint; an impossible blueprint says what is short', async () => {
    const impossible = await api('POST', '/api/teaching/exams', { title: '不可能', blueprint: [{ tag: disease.id, count: 50 }] });
    expect(impossible.status).toBe(422);
    expect(impossible.json.error.code).toBe('BLUEPRINT_UNSATISFIABLE');
    expect(impossible.json.error.message).toContain(`“${disease.name}”（任意难度）需要 50 道，已审核可用`);
    expect(impossible.json.error.details.short[0]).toMatchObject({ tag: disease.id, wanted: 50 });
    const approved = (await api('GET', `/api/teaching/questions?status=approved&flagged=false&entityId=${disease.id}`)).json.total;
    const r = await api('POST', '/api/teaching/exams', { title: '肺结节阶段测验', blueprint: [{ tag: disease.id, count: approved }], orderMode: 'random', timeLimitMinutes: 20 });
    expect(r.status).toBe(201);
    expect(r.json.items).toHaveLength(approved);
    examId = r.json.id;
    expect((await api('POST', `/api/teaching/exams/${examId}/publish`)).json.status).toBe('published');
    // The exam as a Word paper: teachers only; the stems in the exam's (pinned) order; audited as an export.
    const paper = await fetch(`${srv.url}/api/teaching/exams/${examId}/paper`, { headers: teacher });
    expect(paper.status).toBe(200);
    expect(paper.headers.get('content-type')).toContain('wordprocessingml');
    const doc = (await (await JSZip.loadAsync(Buffer.from(await paper.arrayBuffer()))).file('word/document.xml')?.async('string')) as string;
    const at = r.json.items.map((i: Json) => doc.indexOf(xmlText(i.stem)));
    expect(at.every((x: number) => x > 0)).toBe(true);
    expect([...at].sort((x: number, y: number) => x - y)).toEqual(at);
    expect(doc).toContain('肺结节阶段测验');
    expect((await fetch(`${srv.url}/api/teaching/exams/${examId}/paper`, { headers: await srv.tokenFor('resident', 'resident.paper') })).status).toBe(403);
    expect((await fetch(`${srv.url}/api/teaching/exams/exam_missing/paper`, { headers: teacher })).status).toBe(404);
    const { rows } = await srv.rt.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'data.export' AND target = $1`, [examId]);
    expect(rows[0].n).toBe(1);
  });

  it('residents take it: resume, per-resident order, no keys shown; late, double and foreign submits are refused; results and item analysis', async () => {
    const wang = await srv.tokenFor('resident', 'resident.wang');
    const zhao = await srv.tokenFor('resident', 'resident.zhao');
    const mine = await api('GET', '/api/teaching/my/exams', undefined, wang);
    expect(mine.json.items.find((e: Json) => e.id === examId)).toMatchObject({ attemptsUsed: 0 });
    const a = await api('POST', `/api/teaching/exams/${examId}/attempts`, {}, wang);
    expect(a.status).toBe(200);
    expect(a.json.remainingSeconds).toBeGreaterThan(1100);
    expect(JSON.stringify(a.json)).not.toContain('"key"');
    const exam = (await api('GET', '/api/teaching/exams')).json.items.find((e: Json) => e.id === examId);
    const keyOf = (qid: string) => exam.items.find((i: Json) => i.questionId === qid).key;
    // Wang answers the first item right and saves; the connection drops; starting again resumes the same attempt.
    const first = a.json.items[0];
    expect((await api('PUT', `/api/teaching/attempts/${a.json.id}/answers`, { answers: { [first.questionId]: keyOf(first.questionId) } }, wang)).status).toBe(200);
    const resumed = await api('POST', `/api/teaching/exams/${examId}/attempts`, {}, wang);
    expect(resumed.json.id).toBe(a.json.id);
    expect(resumed.json.answers[first.questionId]).toEqual(keyOf(first.questionId));
    // Another resident cannot read or answer Wang's attempt.
    expect((await api('GET', `/api/teaching/attempts/${a.json.id}`, undefined, zhao)).status).toBe(404);
    expect((await api('POST', `/api/teaching/attempts/${a.json.id}/submit`, {}, zhao)).status).toBe(404);
    const all = Object.fromEntries(a.json.items.map((it: Json) => [it.questionId, keyOf(it.questionId)]));
    const done = await api('POST', `/api/teaching/attempts/${a.json.id}/submit`, { answers: all }, wang);
    expect(done.status).toBe(200);
    expect(done.json.score).toBe(done.json.maxScore);
    const twice = await api('POST', `/api/teaching/attempts/${a.json.id}/submit`, {}, wang);
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe('ATTEMPT_CLOSED');
    expect((await api('POST', `/api/teaching/exams/${examId}/attempts`, {}, wang)).json.error.code).toBe('ATTEMPT_CLOSED');
    // Zhao starts, answers wrongly, and runs out of time: the server refuses the late answers and the late submit.
    const z = await api('POST', `/api/teaching/exams/${examId}/attempts`, {}, zhao);
    const wrong = z.json.items[0].options.map((o: Json) => o.label).find((l: string) => !keyOf(z.json.items[0].questionId).includes(l));
    await api('PUT', `/api/teaching/attempts/${z.json.id}/answers`, { answers: { [z.json.items[0].questionId]: [wrong] } }, zhao);
    await srv.rt.db.query(`UPDATE teach_attempts SET deadline = now() - interval '1 minute' WHERE id = $1`, [z.json.id]);
    const late = await api('PUT', `/api/teaching/attempts/${z.json.id}/answers`, { answers: { [z.json.items[1].questionId]: keyOf(z.json.items[1].questionId) } }, zhao);
    expect(late.status).toBe(409);
    expect(late.json.error.message).toContain('时限');
    expect((await api('POST', `/api/teaching/attempts/${z.json.id}/submit`, {}, zhao)).status).toBe(409);
    const results = await api('GET', `/api/teaching/exams/${examId}/results`);
    expect(results.status).toBe(200);
    const byUser = Object.fromEntries(results.json.residents.map((r: Json) => [r.username, r]));
    expect(byUser['resident.wang']).toMatchObject({ percent: 100, submitted: true });
    expect(byUser['resident.zhao']).toMatchObject({ score: 0, submitted: false });
    expect(results.json.knowledgePoints.find((k: Json) => k.tag === disease.id).byResident).toEqual({ 'resident.wang': 100, 'resident.zhao': 0 });
    const item = results.json.items.find((i: Json) => i.questionId === z.json.items[0].questionId);
    expect(item).toMatchObject({ n: 2, p: 0.5 });
    expect(item.options.find((o: Json) => o.label === wrong).chosen).toBe(1);
    // Observed difficulty replaces the estimate for items with enough responses (here 2).
    const recal = await api('POST', `/api/teaching/exams/${examId}/recalibrate`, { minResponses: 2 });
    expect(recal.status).toBe(200);
    const changed = recal.json.updated.find((u: Json) => u.questionId === item.questionId);
    expect(changed.after).toBe(0.5);
    expect((await api('GET', `/api/teaching/questions/${item.questionId}`)).json.question).toMatchObject({ difficulty: 0.5, level: 'medium' });
    expect((await api('POST', `/api/teaching/exams/${examId}/recalibrate`, { minResponses: 3 })).json.updated).toEqual([]);
    // Residents cannot see results.
    expect((await api('GET', `/api/teaching/exams/${examId}/results`, undefined, wang)).status).toBe(403);
  });

  it('exports xlsx / Moodle XML / QTI (audited); imports validate every row first and write nothing on error', async () => {
    const download = async (format: string) => {
      const res = await fetch(`${srv.url}/api/teaching/questions/export?format=${format}`, { headers: teacher });
      return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const xlsx = await download('xlsx');
    expect(xlsx.status).toBe(200);
    expect(xlsx.bytes.subarray(0, 2).toString()).toBe('PK');
    const moodle = await download('moodle');
    expect(moodle.bytes.toString()).toContain('<question type="multichoice">');
    expect((await download('qti')).type).toBe('application/zip');
    const { rows: audit } = await srv.rt.db.query<{ details: Json }>(`SELECT details FROM audit_log WHERE action = 'data.export' AND actor = 'teacher.li' AND details->>'what' = 'questions'`);
    expect(audit.map((a) => a.details.format).sort()).toEqual(['moodle', 'qti', 'xlsx']);
    const upload = async (name: string, bytes: Buffer, fields: Record<string, string> = {}) => {
      const m = multipart(fields, { name, bytes });
      const res = await fetch(`${srv.url}/api/teaching/questions/import`, { method: 'POST', headers: { ...teacher, ...m.headers }, body: m.payload });
      return { status: res.status, json: (await res.json()) as Json };
    };
    const before = (await api('GET', '/api/teaching/questions?limit=1')).json.total;
    // Re-importing the exported bank: every row duplicates a bank item; nothing is written.
    const again = await upload('bank.xlsx', xlsx.bytes);
    expect(again.status).toBe(400);
    expect(again.json.error.code).toBe('IMPORT_INVALID');
    expect(again.json.error.details.errors[0]).toMatchObject({ row: 2, message: expect.stringContaining('重复') });
    const xml = (qs: string) => `<quiz>${qs}</quiz>`;
    const good = '<question type="multichoice"><questiontext><text>住院医师自编题：以下哪项正确？</text></questiontext><single>true</single><answer fraction="100"><text>正确项</text></answer><answer fraction="0"><text>错误项甲</text></answer><answer fraction="0"><text>错误项乙</text></answer><tags><tag><text>不存在的知识点</text></tag></tags></question>';
    const dupOpts = '<question type="multichoice"><questiontext><text>选项重复的题目示例？</text></questiontext><single>true</single><answer fraction="100"><text>同一个</text></answer><answer fraction="0"><text>同一个</text></answer></question>';
    const bad = await upload('mixed.xml', Buffer.from(xml(good + dupOpts)));
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.errors).toEqual([
      { row: 1, field: 'tags', message: expect.stringContaining('不存在的知识点') },
      { row: 2, field: 'options', message: expect.stringContaining('重复') },
    ]);
    expect((await upload('broken.xml', Buffer.from('<quiz><question'))).json.error.code).toBe('IMPORT_INVALID');
    expect((await upload('broken.xlsx', Buffer.from('PK not really'))).json.error.code).toBe('IMPORT_INVALID');
    expect((await api('GET', '/api/teaching/questions?limit=1')).json.total).toBe(before);
    const ok = await upload('ok.xml', Buffer.from(xml(good.replace('不存在的知识点', disease.name))));
    expect(ok.status).toBe(201);
    expect(ok.json.questionIds).toHaveLength(1);
    const imported = (await api('GET', `/api/teaching/questions/${ok.json.questionIds[0]}`)).json.question;
    expect(imported).toMatchObject({ status: 'draft', engine: 'manual', tags: [disease.id], key: ['A'] });
  });
});
