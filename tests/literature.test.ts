import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { parsePubmedXml, PUBMED_WATCH_JOB, windowOf } from '../literature/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { type FakeEutils, startFakeEutils } from './fakes/eutils-server.ts';
import { articleSet, syntheticArticle, syntheticPmid } from './fakes/pubmed-articles.ts';
import { ROOT, testRuntime } from './helpers/runtime.ts';

const fixture = (name: string) => readFileSync(path.join(ROOT, 'tests/fixtures/pubmed', name), 'utf8');

const articles = (from: number, to: number, opts: { revised?: string; retracted?: boolean } = {}) => {
  const m = new Map<string, string>();
  for (let n = from; n < to; n++) m.set(syntheticPmid(n), syntheticArticle({ n, ...opts }));
  return m;
};

async function expectAppError(p: Promise<unknown>, code: string): Promise<Error> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(isAppError(e) ? e.code : e).toBe(code);
  return e as Error;
}

async function count(rt: Runtime, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await rt.db.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

describe('PubMed XML parser (authored fixtures in the efetch schema)', () => {
  it('reads structured abstracts, inline markup, dates, identifiers and publication types', () => {
    const { records, skipped } = parsePubmedXml(fixture('basic.xml'));
    expect(records.map((r) => r.pmid)).toEqual(['90000101', '90000102', '90000103', '90000104', '90000105', '90000106']);
    expect(skipped).toEqual([]);
    const rct = records[0];
    expect(rct.abstract.map((a) => a.category)).toEqual(['BACKGROUND', 'METHODS', 'RESULTS', 'CONCLUSIONS']);
    expect(rct.abstract.map((a) => a.text).join(' ')).toMatch(/CTDIvol/);
    expect(rct.abstract.map((a) => a.text).join(' ')).toContain('P < .001');
    expect(rct).toMatchObject({ pmcid: expect.stringMatching(/^PMC/), doi: expect.stringContaining('10.99999/yingzhi-demo.'), pmidVersion: 1 });
    expect(rct.publicationTypes).toContain('Randomized Controlled Trial');
    expect(rct.mesh.some((m) => m.major)).toBe(true);
    expect(rct.mesh.flatMap((m) => m.qualifiers).length).toBeGreaterThan(0);
    // A PMID inside the reference list is not the record's own.
    expect(records.filter((r) => r.pmid === '90000103')).toHaveLength(1);
    const meta = records[1];
    expect(meta).toMatchObject({ year: 2024, pubDate: '2024 Jan-Feb', articleDate: '2023-12-04', revisedDate: '2024-03-12' });
  });

  it('keeps non-ASCII and collective authors, drops invalid ones; handles no abstract, Chinese records and ahead-of-print', () => {
    const { records } = parsePubmedXml(fixture('basic.xml'));
    const cohort = records[2];
    expect(cohort.authors).toHaveLength(7);
    const names = cohort.authors.map((a) => a.name).join('; ');
    for (const n of ['Müller', 'Zhāng', 'Ångström', 'Núñez-García', "O'Connor-Øvrebø", 'YingZhi Demo Subsolid Nodule Consortium']) expect(names).toContain(n);
    expect(names).not.toMatch(/Celik, Ayse|Ayse Celik/);
    expect(records[3].abstract).toEqual([]);
    expect(records[3].publicationTypes).toContain('Case Reports');
    expect(records[4].languages).toEqual(['chi']);
    expect(records[4].vernacularTitle).toMatch(/非小细胞肺癌/);
    expect(records[4].links).toContainEqual(expect.objectContaining({ type: 'UpdateOf', pmid: '90000100' }));
    expect(records[5].mesh).toEqual([]);
    expect(records[5].abstract.map((a) => a.text).join(' ')).toContain('≥');
  });

  it('recognises revisions, retractions, retraction notices and errata', () => {
    expect(parsePubmedXml(fixture('revised.xml')).records[0]).toMatchObject({ pmid: '90000102', pmidVersion: 2, revisedDate: '2025-06-03' });
    const r = parsePubmedXml(fixture('retraction.xml')).records;
    expect(r.find((x) => x.pmid === '90000103')).toMatchObject({ retracted: true, isRetractionNotice: false });
    expect(r.find((x) => x.pmid === '90000202')).toMatchObject({ retracted: false, isRetractionNotice: true });
    expect(r.find((x) => x.pmid === '90000203')).toMatchObject({ retracted: false });
    expect(r.find((x) => x.pmid === '90000203')?.links).toContainEqual(expect.objectContaining({ type: 'ErratumIn', pmid: '90000204' }));
  });

  it('refuses truncated XML with its position, and well-formed XML of another kind by its root', () => {
    expect(() => parsePubmedXml(fixture('malformed.xml'), 'malformed.xml')).toThrow(/malformed\.xml 不是有效的 XML（第 \d+ 行/);
    expect(() => parsePubmedXml(fixture('not-pubmed.xml'), 'not-pubmed.xml')).toThrow(/<eSearchResult>/);
  });

  it('the authored demo literature: ≥ 50 recent records, every one marked as authored demo content', () => {
    const { records } = parsePubmedXml(readFileSync(path.join(ROOT, 'demo/pubmed/demo-literature.xml'), 'utf8'));
    expect(records.length).toBeGreaterThanOrEqual(50);
    for (const r of records) {
      expect(Number(r.pmid)).toBeGreaterThanOrEqual(90_000_001);
      expect(r.year).toBeGreaterThanOrEqual(2023);
      expect(r.abstract.map((a) => a.text).join(' ')).toContain('not a real publication');
    }
  });
});

describe('PubMed XML import', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime();
  }, 60_000);
  afterAll(() => rt?.close());

  it('imports records as literature sources: searchable, with PubMed metadata and evidence level, candidates tagged new_literature', async () => {
    const xml = articleSet([...articles(0, 12).values()]);
    const run = await rt.literature.importXml(xml, 'export-2025.xml');
    expect(run).toMatchObject({ trigger: 'import', status: 'succeeded', fetched: 12, newRecords: 12, updated: 0, unchanged: 0 });
    await rt.runner.drain();

    const { items, total } = await rt.literature.records.list({ limit: 50, offset: 0 });
    expect(total).toBe(12);
    const rct = items.find((i) => i.pmid === syntheticPmid(1));
    expect(rct).toMatchObject({ doi: '10.99999/yingzhi-synthetic.1', evidenceLevel: 'rct', journal: 'Synthetic Radiology Reports', hasAbstract: true });
    expect(rct?.authors.map((a) => a.name)).toContain('Ayşe Çelik');
    const source = await rt.sources.get(rct?.sourceId ?? '');
    expect(source).toMatchObject({ kind: 'literature', status: 'ready', evidenceLevel: 'rct', year: 2025 });

    const hits = await rt.search.search({ q: 'placenta accreta T2 dark intraplacental bands', top: 5 });
    expect(hits.results[0]?.kind).toBe('literature');

    const tagged = await count(rt, `SELECT count(*)::int AS n FROM kg_candidates WHERE 'new_literature' = ANY(tags) AND $1 = ANY(tags)`, [`pubmed_run:${run.id}`]);
    expect(tagged).toBeGreaterThan(5);
    expect((await rt.literature.watches.getRun(run.id)).triplesProposed).toBe(tagged);
    // Nothing reaches the graph unreviewed.
    expect(await count(rt, `SELECT count(*)::int AS n FROM kg_evidence ev JOIN sources s ON s.id = ev.source_id WHERE s.kind = 'literature'`)).toBe(0);
  });

  it('re-importing the same export adds nothing; a revised record becomes a new version superseding the old', async () => {
    const again = await rt.literature.importXml(articleSet([...articles(0, 12).values()]), 'export-2025.xml');
    expect(again).toMatchObject({ newRecords: 0, updated: 0, unchanged: 12 });
    expect(await count(rt, `SELECT count(*)::int AS n FROM sources WHERE kind = 'literature'`)).toBe(12);

    const revised = await rt.literature.importXml(articleSet([syntheticArticle({ n: 3, revised: '2026-02-01', filler: 40 })]), 'revision.xml');
    expect(revised).toMatchObject({ newRecords: 0, updated: 1 });
    const { rows } = await rt.db.query<{ version_no: number; superseded_by: string | null }>(
      `SELECT version_no, superseded_by FROM sources WHERE lineage_key = $1 ORDER BY version_no`, [`pubmed:${syntheticPmid(3)}`],
    );
    expect(rows.map((r) => r.version_no)).toEqual([1, 2]);
    expect(rows[0].superseded_by).not.toBeNull();
    expect(rows[1].superseded_by).toBeNull();
    // The older revision arriving again (a lagging mirror) is recognised, not a third version.
    const stale = await rt.literature.importXml(articleSet([syntheticArticle({ n: 3 })]), 'old-mirror.xml');
    expect(stale).toMatchObject({ newRecords: 0, updated: 0, unchanged: 1 });
  });

  it('a retraction flags the source and the approved relations it backs; a notice arriving first is applied later', async () => {
    await rt.runner.drain();
    const target = (await rt.literature.records.list({ q: syntheticPmid(0), limit: 1, offset: 0 })).items[0];
    const { rows: cands } = await rt.db.query<{ id: string }>(
      `SELECT id FROM kg_candidates WHERE source_id = $1 AND status = 'pending' AND subject_id IS NOT NULL AND object_id IS NOT NULL LIMIT 1`, [target.sourceId],
    );
    expect(cands.length).toBe(1);
    const approved = await rt.knowledge.review.approve(cands[0].id, { actor: 'dr-wang' });
    const relation = { id: approved.relationId as string };
    const notice = (retracted: string, pmid: string) => `<PubmedArticle><MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM"><PMID Version="1">${pmid}</PMID>
<Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2026</Year></PubDate></JournalIssue><Title>Synthetic Radiology Reports</Title></Journal>
<ArticleTitle>Retraction notice</ArticleTitle><Language>eng</Language><PublicationTypeList><PublicationType UI="D016440">Retraction of Publication</PublicationType></PublicationTypeList></Article>
<CommentsCorrectionsList><CommentsCorrections RefType="RetractionOf"><RefSource>Synth Radiol. 2024</RefSource><PMID Version="1">${retracted}</PMID></CommentsCorrections></CommentsCorrectionsList>
</MedlineCitation></PubmedArticle>`;
    const run = await rt.literature.importXml(articleSet([notice(syntheticPmid(0), '91900001'), notice(syntheticPmid(500), '91900002')]), 'notices.xml');
    expect(run.retracted).toBe(1);
    expect((await rt.sources.get(target.sourceId))?.retractedAt).not.toBeNull();
    const flagged = await rt.knowledge.relations.list({ retracted: true }, { limit: 10, offset: 0 });
    expect(flagged.items.map((r) => r.id)).toContain(relation.id);
    expect(flagged.items.find((r) => r.id === relation.id)?.evidence[0].retracted).toBe(true);
    const pendingFlagged = await count(rt, `SELECT count(*)::int AS n FROM kg_candidates WHERE source_id = $1 AND 'retracted_source' = ANY(tags)`, [target.sourceId]);
    expect(pendingFlagged).toBeGreaterThan(0);

    // The notice for 500 came before its article: the article is retracted on arrival.
    const late = await rt.literature.importXml(articleSet([syntheticArticle({ n: 500 })]), 'late.xml');
    expect(late).toMatchObject({ newRecords: 1, retracted: 1 });
    const item = (await rt.literature.records.list({ q: syntheticPmid(500), limit: 1, offset: 0 })).items[0];
    expect(item.retracted).toBe(true);
    // Search shows the flag on the cited source.
    const hits = await rt.search.search({ q: 'Synthetic study 500', top: 5 });
    const hit = hits.results.find((h) => h.sourceId === item.sourceId);
    expect(hit?.retracted).toBe(true);
    expect(hit?.citation).toContain('已撤稿');
  });

  it('refuses malformed XML, XML that is not a PubMed set, and an empty set, writing nothing', async () => {
    const before = await count(rt, 'SELECT count(*)::int AS n FROM sources');
    const good = articleSet([syntheticArticle({ n: 900 })]);
    const e = await expectAppError(rt.literature.importXml(good.slice(0, good.length - 200), 'cut.xml'), 'PUBMED_XML_INVALID');
    expect(e.message).toMatch(/cut\.xml.*第 \d+ 行/);
    await expectAppError(rt.literature.importXml('<?xml version="1.0"?><eSearchResult><Count>0</Count></eSearchResult>', 'other.xml'), 'PUBMED_XML_INVALID');
    await expectAppError(rt.literature.importXml(articleSet([]), 'empty.xml'), 'PUBMED_XML_INVALID');
    expect(await count(rt, 'SELECT count(*)::int AS n FROM sources')).toBe(before);
  });

  it('an article without an abstract is still a source (title searchable), flagged as having no abstract', async () => {
    const noAbstract = syntheticArticle({ n: 777 }).replace(/<Abstract>[\s\S]*<\/Abstract>/, '');
    const run = await rt.literature.importXml(articleSet([noAbstract]), 'no-abstract.xml');
    expect(run.newRecords).toBe(1);
    const item = (await rt.literature.records.list({ q: syntheticPmid(777), limit: 1, offset: 0 })).items[0];
    expect(item.hasAbstract).toBe(false);
    const parsed = parsePubmedXml(articleSet([noAbstract]));
    expect(parsed.records[0].abstract).toEqual([]);
  });

  it('fixtures end to end: basic → revised (new version) → retraction (article flagged, notice remembered), erratum not flagged', async () => {
    const first = await rt.literature.importXml(fixture('basic.xml'), 'basic.xml');
    expect(first).toMatchObject({ newRecords: 6, updated: 0 });
    const revised = await rt.literature.importXml(fixture('revised.xml'), 'revised.xml');
    expect(revised).toMatchObject({ newRecords: 0, updated: 1 });
    const retraction = await rt.literature.importXml(fixture('retraction.xml'), 'retraction.xml');
    expect(retraction).toMatchObject({ newRecords: 3, updated: 1, retracted: 1 });
    const list = async (pmid: string) => (await rt.literature.records.list({ q: pmid, limit: 1, offset: 0 })).items[0];
    expect(await list('90000103')).toMatchObject({ retracted: true, versionNo: 2 });
    expect(await list('90000203')).toMatchObject({ retracted: false });
    expect(await list('90000101')).toMatchObject({ evidenceLevel: 'rct' });
    expect(await list('90000102')).toMatchObject({ evidenceLevel: 'meta_analysis', versionNo: 2 });
    expect(await list('90000105')).toMatchObject({ evidenceLevel: 'guideline' });
  });
});

describe('PubMed watches against a fake E-utilities server', () => {
  let rt: Runtime;
  let eutils: FakeEutils;
  beforeAll(async () => {
    eutils = await startFakeEutils();
    rt = await testRuntime({ YZ_PUBMED_URL: eutils.url, YZ_PUBMED_BATCH: '200', YZ_PUBMED_BACKOFF_MS: '10', YZ_PUBMED_RETRIES: '2', YZ_PUBMED_EMAIL: 'radiology@example.org', YZ_AUTO_EXTRACT: 'off' });
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    await eutils?.close();
  });
  afterEach(() => {
    eutils.failNext();
    eutils.setQueryError(null);
    eutils.setDown(false);
    eutils.cutNextFetches(0);
  });

  const runJob = async (watchId: string) => {
    await rt.literature.runNow(watchId, 'tester');
    await rt.runner.drain();
    return (await rt.literature.watches.runs({ watchId, limit: 1 }))[0];
  };

  it('defines a watch with its next scheduled run, and two processes scheduling it queue one job', async () => {
    const w = await rt.literature.createWatch({ name: '肺结节 CT', query: 'lung nodule AND (CT OR radiomics)', meshTerms: ['Lung Neoplasms'], languages: ['english', 'chinese'] }, 'admin');
    expect(w.nextRunAt).not.toBeNull();
    expect(new Date(w.nextRunAt ?? 0).getTime()).toBeGreaterThan(Date.now());
    await rt.literature.ensureScheduled();
    await rt.literature.ensureScheduled();
    expect(await count(rt, `SELECT count(*)::int AS n FROM jobs WHERE kind = $1 AND status = 'queued' AND payload->>'watchId' = $2`, [PUBMED_WATCH_JOB, w.id])).toBe(1);
    await expectAppError(rt.literature.createWatch({ name: '肺结节 CT', query: 'x' }, 'admin'), 'STATE_CONFLICT');
    await expectAppError(rt.literature.createWatch({ name: 'bad cron', query: 'x', cron: '61 * * * *' }, 'admin'), 'VALIDATION_FAILED');
  });

  it('a run pages through the history server in batches, politely (tool, email, ≤ 3 requests/s), and a second run finds nothing new', async () => {
    const w = await rt.literature.createWatch({ name: 'batching', query: 'placenta accreta AND MRI' }, 'admin');
    eutils.setResults([...articles(1000, 1450).keys()], articles(1000, 1450));
    eutils.requests.length = 0;
    const run = await runJob(w.id);
    expect(run).toMatchObject({ status: 'succeeded', total: 450, fetched: 450, newRecords: 450, trigger: 'manual' });
    const fetches = eutils.requests.filter((r) => r.path === 'efetch.fcgi');
    expect(fetches.map((f) => f.params.retstart)).toEqual(['0', '200', '400']);
    const search = eutils.requests.find((r) => r.path === 'esearch.fcgi');
    expect(search?.params).toMatchObject({ tool: 'yingzhi', email: 'radiology@example.org', usehistory: 'y', datetype: 'edat' });
    expect(search?.params.term).toBe('(placenta accreta AND MRI)');
    for (let i = 3; i < eutils.requests.length; i++) expect(eutils.requests[i].at - eutils.requests[i - 3].at).toBeGreaterThanOrEqual(950);

    const second = await runJob(w.id);
    expect(second).toMatchObject({ status: 'succeeded', newRecords: 0, unchanged: 450 });
    expect(await count(rt, `SELECT count(*)::int AS n FROM literature_records WHERE pmid LIKE '9100%'`)).toBeGreaterThanOrEqual(450);
    // The second window starts the day before the first one ended.
    const watch = await rt.literature.watches.get(w.id);
    expect(second.minDate).toBe(new Date(Date.parse(`${watch.coveredUntil}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10));
  });

  it('survives a 429 storm and a connection cut mid-body by retrying with backoff', async () => {
    const w = await rt.literature.createWatch({ name: 'storm', query: 'pulmonary embolism' }, 'admin');
    eutils.setResults([...articles(2000, 2100).keys()], articles(2000, 2100));
    eutils.failNext(429, 429);
    eutils.cutNextFetches(1);
    const run = await runJob(w.id);
    expect(run).toMatchObject({ status: 'succeeded', newRecords: 100, attempts: 1 });
  });

  it('a network cut that outlasts the retries fails the attempt; the retried job resumes after the last batch without duplicates', async () => {
    const w = await rt.literature.createWatch({ name: 'resume', query: 'appendicitis' }, 'admin');
    eutils.setResults([...articles(3000, 3500).keys()], articles(3000, 3500));
    eutils.requests.length = 0;
    // Batch 1 arrives; every attempt at batch 2 (1 + 2 retries) is cut.
    eutils.cutNextFetches(3, 200);
    const job = await rt.literature.runNow(w.id, 'tester');
    await rt.runner.drain();
    // The job queue retried the job after its backoff (drain waits for it); the run resumed at retstart 200.
    await rt.db.query(`UPDATE jobs SET run_after = now() WHERE id = $1`, [job.id]);
    await rt.runner.drain();
    const run = (await rt.literature.watches.runs({ watchId: w.id, limit: 1 }))[0];
    expect(run).toMatchObject({ status: 'succeeded', fetched: 500, newRecords: 500, attempts: 2, error: null });
    const starts = eutils.requests.filter((r) => r.path === 'efetch.fcgi').map((r) => r.params.retstart);
    expect(starts).toEqual(['0', '200', '200', '200', '200', '400']);
    expect(eutils.requests.filter((r) => r.path === 'esearch.fcgi')).toHaveLength(1); // the stored WebEnv was reused
    expect(await count(rt, `SELECT count(*)::int AS n FROM literature_records WHERE pmid BETWEEN $1 AND $2`, [syntheticPmid(3000), syntheticPmid(3499)])).toBe(500);
  });

  it('an expired WebEnv is searched again and the run continues', async () => {
    const w = await rt.literature.createWatch({ name: 'expiry', query: 'hepatocellular carcinoma' }, 'admin');
    eutils.setResults([...articles(4000, 4300).keys()], articles(4000, 4300));
    eutils.requests.length = 0;
    eutils.expireWebEnvOnce();
    const run = await runJob(w.id);
    expect(run).toMatchObject({ status: 'succeeded', newRecords: 300 });
    expect(eutils.requests.filter((r) => r.path === 'esearch.fcgi')).toHaveLength(2);
  });

  it('a query PubMed rejects fails the run at once with PubMed’s message, and is not retried', async () => {
    const w = await rt.literature.createWatch({ name: 'syntax', query: 'lung[[ nodule' }, 'admin');
    eutils.setQueryError('Invalid query: unbalanced brackets near "[["');
    const run = await runJob(w.id);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('EUTILS_QUERY_INVALID');
    expect(run.error?.message).toContain('unbalanced brackets');
    const job = await rt.jobs.list({ kind: PUBMED_WATCH_JOB, status: 'failed' });
    expect(job.find((j) => j.payload.watchId === w.id)?.attempts).toBe(1);
  });

  it('with E-utilities unreachable the run fails cleanly with a recorded error, and the schedule still holds the next window', async () => {
    const w = await rt.literature.createWatch({ name: 'offline', query: 'lung cancer' }, 'admin');
    eutils.setDown(true);
    const job = await rt.literature.runNow(w.id, 'tester');
    for (let i = 0; i < 3; i++) {
      await rt.db.query(`UPDATE jobs SET run_after = now() WHERE id = $1`, [job.id]);
      await rt.runner.drain();
    }
    const run = (await rt.literature.watches.runs({ watchId: w.id, limit: 1 }))[0];
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('EUTILS_UNAVAILABLE');
    expect(run.error?.message).toContain('127.0.0.1');
    expect((await rt.literature.watches.get(w.id)).nextRunAt).not.toBeNull();
    expect((await rt.literature.watches.get(w.id)).coveredUntil).toBeNull();
  });

  it('two jobs for the same watch never run it twice at once', async () => {
    const w = await rt.literature.createWatch({ name: 'single-flight', query: 'nodule' }, 'admin');
    eutils.setResults([...articles(5000, 5010).keys()], articles(5000, 5010));
    const a = await rt.db.transaction((tx) => rt.literature.watches.startRun(tx, { watchId: w.id, jobId: 'job_a', trigger: 'manual', term: 'nodule' }));
    const b = await rt.db.transaction((tx) => rt.literature.watches.startRun(tx, { watchId: w.id, jobId: 'job_b', trigger: 'manual', term: 'nodule' }));
    expect(a).not.toBeNull();
    expect(b).toBeNull();
  });

  it('the window: first run looks back lookbackDays, later runs start the day before coveredUntil', () => {
    const now = new Date('2026-11-25T20:00:00Z'); // 2026-11-26 in Shanghai
    expect(windowOf({ coveredUntil: null, lookbackDays: 30 }, now, 'Asia/Shanghai')).toEqual({ minDate: '2026-10-27', maxDate: '2026-11-26' });
    expect(windowOf({ coveredUntil: '2026-11-01', lookbackDays: 30 }, now, 'Asia/Shanghai')).toEqual({ minDate: '2026-10-31', maxDate: '2026-11-26' });
  });
});
