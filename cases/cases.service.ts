import { AuditLog } from '../audit/index.ts';
import { AppError, decryptField, deidentify, encryptField, type Keyring, type Lexicon, newId, sha256Hex, type Tokenizer } from '../core/index.ts';
import { readFigure, type WindowLevel } from '../imaging/index.ts';
import type { Knowledge } from '../knowledge/index.ts';
import type { LlmProvider } from '../llm/index.ts';
import type { Embedder } from '../search/index.ts';
import type { Database } from '../store/index.ts';
import { type Case, type CaseFilter, type CaseInputParsed, CaseInputSchema, type MatchRequest, MatchRequestSchema, type StructuredFinding } from './case.schemas.ts';
import { type RowError, readCaseFile } from './case-file.ts';
import type { CaseVectorsRepository } from './case-vectors.repository.ts';
import type { CaseImageMeta, CaseRow, CasesRepository } from './cases.repository.ts';
import { type CaseVote, type RankedDisease, rankDifferential } from './differential.ts';
import { checkFields, type DiseaseFields } from './disease-fields.ts';
import { EvidenceGraph, type EvidenceRelation } from './evidence-graph.ts';
import { FindingsReader, type ParsedFindings } from './findings.ts';
import { patientBlindIndex } from './patient-key.ts';
import { type Narrative, type NarrativeCase, narrateComparison, narrativeEvidence } from './narrative.ts';
import { CaseIndex, MIX, MIX_WITH_VECTORS, type Mix, type SimilarHit } from './similarity.ts';
import { buildTimeline, type LesionTimeline } from './timeline.ts';

/** A patient's timeline: every study of the cases filed under one (encrypted) patient identifier. */
export interface PatientTimeline {
  caseId: string;
  /** The cases whose studies are on the timeline (the case asked for alone when it has no patient identifier). */
  patient: { grouped: boolean; cases: Array<{ id: string; title: string; status: string; diagnosis: string; studies: Array<{ date: string; modality?: string; note?: string }> }>; note: string };
  lesions: LesionTimeline[];
}

export interface CasesDeps {
  db: Database;
  repo: CasesRepository;
  lexicon: Lexicon;
  tokenizer: Tokenizer;
  knowledge: Knowledge;
  keyring: Keyring;
  fields: DiseaseFields;
  /** The active model, read at each use (null or absent: none). */
  llm?: () => LlmProvider | null;
  /** The search embedder (hash offline, e5 when configured): adds the vector part to similar-case scores. */
  embedder?: Embedder;
  /** Where case vectors are kept between processes (absent: embedded once per process). */
  vectors?: CaseVectorsRepository;
}

/** Which vectors scored a match: the embedder's model, or why there were none. */
export interface VectorsUsed {
  model: string | null;
  used: boolean;
  /** Weights of the score's parts in this result. */
  mix: Mix;
  note?: string;
}

export interface ImportResult {
  file: string;
  records: number;
  inserted: string[];
  updated: string[];
  unchanged: string[];
  /** Spans the de-identification replaced across all records (0 for clean authored content). */
  phiReplaced: number;
  warnings: string[];
}

export interface SimilarResult {
  engine: 'deterministic';
  query: ParsedFindings & { text: string; phiReplaced: number };
  hits: Array<SimilarHit & { case: Case; flags: string[] }>;
  indexed: number;
  vectors: VectorsUsed;
}

export interface DifferentialOutput {
  engine: 'deterministic';
  note: string;
  query: ParsedFindings & { text: string; phiReplaced: number };
  ranked: RankedDisease[];
  suggestions: Array<{ entityId: string; finding: string; advice: string; relationIds: string[] }>;
  /** Diseases named in the findings or asked about that the approved graph cannot rank (no approved relations). */
  noApprovedRelations: Array<{ name: string; entityId: string | null }>;
  unlinkedFindings: string[];
  graph: { relations: number; diseases: number };
  /** A short comparison written by the model and checked sentence by sentence, when asked for (`narrate`). */
  narrative?: Narrative;
}

const ENGINE_NOTE = '确定性引擎（已审核知识图谱 + 已审核典型病例，无大模型）/ deterministic engine over the approved graph and approved typical cases (no LLM)';

const MAX_IMAGES_PER_CASE = 20;

/** How many of the most similar approved typical cases vote in the differential. */
const VOTING_CASES = 5;
/**
 * The voters' similarity: findings + text, no vector part. On the dev split of evals/cases the hash vectors in the
 * vote cost one top-1 case (0.822 → 0.800) while they improved the similar-case MRR, so only the listing uses them.
 */
const VOTER_MIX: Mix = MIX;
/**
 * Below this score a case is not a match: with vectors every case has some cosine, and a case reached only by a
 * near-zero vector part is neither listed nor votes.
 */
const MIN_SIMILARITY = 0.01;

/** The typical-case library and case matching (issue 18). */
export class CasesService {
  private readonly audit = new AuditLog();
  private readonly reader: FindingsReader;
  private evidence: { sig: string; graph: EvidenceGraph } | null = null;
  private index = new Map<string, { sig: string; index: CaseIndex; cases: Map<string, Case>; vectorNote?: string }>();
  /** Case vectors by model and findings text: an index rebuild embeds only new or edited cases. */
  private readonly vectorCache = new Map<string, Float32Array>();

  constructor(private readonly deps: CasesDeps) {
    this.reader = new FindingsReader(deps.lexicon, deps.tokenizer);
  }

  /** Structured findings from pasted text (de-identified first). */
  readFindings(text: string): ParsedFindings & { text: string; phiReplaced: number } {
    const clean = deidentify(text);
    return { text: clean.text, phiReplaced: clean.findings.length, ...this.reader.read(clean.text) };
  }

  async get(id: string): Promise<Case> {
    const c = await this.deps.repo.get(id);
    if (!c) throw new AppError('NOT_FOUND', `病例不存在 / no case ${id}`, { field: 'id' });
    return c;
  }

  /** A case as a reader may see it: drafts and retired cases only for curators (others get NOT_FOUND). */
  async getVisible(id: string, curator: boolean): Promise<Case> {
    const c = await this.get(id);
    if (c.status !== 'approved' && !curator) throw new AppError('NOT_FOUND', `病例不存在 / no case ${id}`, { field: 'id' });
    return c;
  }

  list(f: CaseFilter, page: { limit: number; offset: number }) {
    return this.deps.repo.list(f, page);
  }

  /**
   * Import a case file (JSON, JSONL, CSV). Every record is validated first; any error and nothing is written
   * (IMPORT_INVALID listing each row and field). Records are de-identified, then written in one transaction;
   * a record identical to the stored one is left alone, so importing the same file twice changes nothing.
   */
  async importFile(bytes: Buffer, fileName: string, actor: string, opts: { status?: 'draft' | 'approved'; demo?: boolean } = {}): Promise<ImportResult> {
    const { cases, rows, errors } = readCaseFile(bytes, fileName);
    if (!cases.length && !errors.length) throw new AppError('IMPORT_INVALID', `${fileName}: 没有病例 / no cases in the file`, { field: 'file' });
    return this.importRecords(cases, fileName, actor, opts, errors, rows);
  }

  async importRecords(cases: CaseInputParsed[], file: string, actor: string, opts: { status?: 'draft' | 'approved'; demo?: boolean } = {}, errors: RowError[] = [], rowNumbers?: number[]): Promise<ImportResult> {
    const warnings: string[] = [];
    const rows: CaseRow[] = [];
    let phiReplaced = 0;
    const graph = await this.evidenceGraph();
    for (const [i, input] of cases.entries()) {
      try {
        const prepared = await this.prepare(input, opts.status ?? input.status ?? 'draft', opts.demo ?? false, graph);
        phiReplaced += prepared.phi;
        warnings.push(...prepared.warnings.map((w) => `${prepared.row.id}: ${w}`));
        rows.push(prepared.row);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        errors.push({ row: rowNumbers?.[i] ?? i + 1, id: input.id, field: e.field ?? '(record)', message: e.message });
      }
    }
    if (errors.length) {
      errors.sort((a, b) => a.row - b.row);
      const first = errors.slice(0, 5).map((e) => `第 ${e.row} 条${e.id ? ` (${e.id})` : ''} ${e.field}: ${e.message}`).join('; ');
      throw new AppError('IMPORT_INVALID', `${file}: ${errors.length} 处错误，未写入任何病例 / ${errors.length} error(s), nothing imported — ${first}`, { field: errors[0].field, details: { errors } });
    }
    const result: ImportResult = { file, records: rows.length, inserted: [], updated: [], unchanged: [], phiReplaced, warnings };
    await this.deps.db.transaction(async (tx) => {
      const known = await this.deps.repo.fingerprints(tx, rows.map((r) => r.id));
      for (const row of rows) {
        const prev = known.get(row.id);
        if (prev?.fingerprint === row.fingerprint && prev.status === row.status) {
          result.unchanged.push(row.id);
          continue;
        }
        await this.deps.repo.upsert(tx, row, actor);
        (prev ? result.updated : result.inserted).push(row.id);
      }
      if (result.inserted.length || result.updated.length) {
        await this.audit.append(tx, { actor, action: 'case.import', target: file.slice(0, 200), details: { inserted: result.inserted.length, updated: result.updated.length, unchanged: result.unchanged.length, phiReplaced } });
      }
    });
    return result;
  }

  /** Create or replace one case from the API (a draft unless `status` says otherwise and the caller may approve). */
  async save(input: unknown, actor: string, id?: string): Promise<Case> {
    const parsed = CaseInputSchema.safeParse(input);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `${i.path.join('.')}: ${i.message}`, { field: i.path.join('.') });
    }
    const data = { ...parsed.data, id: id ?? parsed.data.id };
    if (id) await this.get(id);
    const { row } = await this.prepare(data, 'draft', false, await this.evidenceGraph());
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.upsert(tx, row, actor);
      await this.audit.append(tx, { actor, action: id ? 'case.edit' : 'case.create', target: row.id });
    });
    return this.get(row.id);
  }

  /** Approve a draft: records the approved relations that support it now (a later retirement flags it). */
  async approve(id: string, actor: string): Promise<Case> {
    const c = await this.get(id);
    if (c.status !== 'draft') throw new AppError('STATE_CONFLICT', `只能批准草稿 / only a draft can be approved (status ${c.status})`, { field: 'status' });
    const support = supportingRelations(await this.evidenceGraph(), c.finalDiagnosis.entityId ?? null, c.structuredFindings);
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.setStatus(tx, id, 'approved', actor, support);
      await this.audit.append(tx, { actor, action: 'case.approve', target: id, details: { relations: support.length } });
    });
    return this.get(id);
  }

  async retire(id: string, actor: string): Promise<Case> {
    const c = await this.get(id);
    if (c.status === 'retired') throw new AppError('STATE_CONFLICT', '病例已停用 / the case is already retired', { field: 'status' });
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.setStatus(tx, id, 'retired', actor);
      await this.audit.append(tx, { actor, action: 'case.retire', target: id });
    });
    return this.get(id);
  }

  /**
   * The most similar typical cases (approved only unless `includeDrafts`), each score explained part by part
   * (findings, text, vector). `opts.mix` overrides the weights (the evaluation's sweep; not an API option).
   */
  async similar(request: MatchRequest, opts: { mix?: Mix } = {}): Promise<SimilarResult> {
    const req = parseMatch(request);
    const query = this.query(req);
    return this.similarFor(req, query, req.top, opts.mix);
  }

  private async similarFor(req: MatchParsed, query: ReturnType<CasesService['query']>, top: number, mix?: Mix): Promise<SimilarResult> {
    const { index, cases, vectorNote } = await this.caseIndex(req.includeDrafts);
    const terms = this.terms(query.text);
    const embedded = index.hasVectors ? await this.queryVector(query.text) : { vector: undefined, note: vectorNote };
    const hits = index.search({ findings: query.findings, terms, modality: req.modality, bodyPart: req.bodyPart, top, vector: embedded.vector, mix }).filter((h) => h.score >= MIN_SIMILARITY);
    const used = Boolean(embedded.vector);
    return {
      engine: 'deterministic', query, indexed: index.size,
      vectors: { model: this.deps.embedder?.model ?? null, used, mix: mix ?? (used ? MIX_WITH_VECTORS : MIX), ...(embedded.note ? { note: embedded.note } : {}) },
      hits: hits.map((h) => {
        const c = cases.get(h.caseId) as Case;
        const flags = c.retiredRelationIds.length ? [`支持该病例的已审核关系已停用 / supporting relation retired: ${c.retiredRelationIds.join(', ')}`] : [];
        return { ...h, case: c, flags };
      }),
    };
  }

  /**
   * Similar cases and the differential for one pasted case in one request (the Compare page): the findings are
   * read and de-identified once and both come from the same cached index. The voters are searched without the
   * vector part (VOTER_MIX), so they can differ from the cases listed when vectors reorder them.
   */
  async compare(request: MatchRequest & { similarTop?: number }): Promise<{ similar: SimilarResult; differential: DifferentialOutput }> {
    const { similarTop = 5, ...rest } = request;
    const req = parseMatch(rest);
    const query = this.query(req);
    const similar = await this.similarFor({ ...req, includeDrafts: false }, query, similarTop);
    const differential = await this.differentialFor(req, query, {});
    return { similar, differential };
  }

  /**
   * The text half alone (BM25 over the findings text, no structured findings, no graph weights): the baseline
   * evals/cases runs beside similar(). Approved cases only; ids best first.
   */
  async similarByTextOnly(findings: string, top = 5): Promise<string[]> {
    const { index } = await this.caseIndex(false);
    const hits = [...index.bm25(this.terms(deidentify(findings).text))].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return hits.slice(0, top).map(([i]) => index.idAt(i));
  }

  /**
   * A ranked differential over the approved graph with supporting, contradicting and missing findings, cited; the
   * most similar typical cases vote. `opts.mix` sets the voters' similarity weights (the evaluation's before/after).
   */
  async differential(request: MatchRequest & { consider?: string[]; narrate?: boolean }, opts: { mix?: Mix } = {}): Promise<DifferentialOutput> {
    const { consider, narrate = false, ...rest } = request;
    const req = parseMatch(rest);
    return this.differentialFor(req, this.query(req), { consider, narrate, mix: opts.mix });
  }

  private async differentialFor(req: MatchParsed, query: ReturnType<CasesService['query']>, o: { consider?: string[]; narrate?: boolean; mix?: Mix }): Promise<DifferentialOutput> {
    const { consider, narrate = false } = o;
    const graph = await this.evidenceGraph();
    // The most similar approved typical cases vote for their diagnoses (drafts never: they are not yet knowledge).
    const caseVotes: CaseVote[] = [];
    const similarCases: NarrativeCase[] = [];
    if (req.caseWeight !== 0 || narrate) {
      const { hits } = await this.similarFor({ ...req, includeDrafts: false }, query, VOTING_CASES, o.mix ?? VOTER_MIX);
      for (const h of hits.slice(0, VOTING_CASES)) {
        const c = h.case;
        similarCases.push({ caseId: c.id, title: c.title, diagnosis: c.finalDiagnosis.name, findingsText: c.findingsText });
        if (c.finalDiagnosis.entityId && req.caseWeight !== 0) caseVotes.push({ caseId: c.id, title: c.title, entityId: c.finalDiagnosis.entityId, diagnosis: c.finalDiagnosis.name, similarity: h.score });
      }
    }
    const result = rankDifferential(graph, query.findings, { top: req.top, caseVotes, caseWeight: req.caseWeight });
    const narrative = narrate ? await narrateComparison(this.deps.llm?.() ?? null, query.text, narrativeEvidence(similarCases, result.ranked)) : undefined;
    const named = this.reader.read(query.text).findings.filter((f) => f.entityId && this.deps.lexicon.get(f.entityId)?.type === 'Disease' && f.certainty !== 'absent');
    const asked = (consider ?? []).map((name) => ({ name, entityId: this.deps.lexicon.lookup(name)?.id ?? null }));
    const noApprovedRelations = [...named.map((f) => ({ name: f.finding, entityId: f.entityId ?? null })), ...asked]
      .filter((d, i, all) => !(d.entityId && graph.hasRelations(d.entityId)) && all.findIndex((x) => x.name === d.name) === i);
    const name = (id: string) => graph.name(id);
    return {
      engine: 'deterministic', note: ENGINE_NOTE, query, ranked: result.ranked,
      suggestions: result.suggestions.map((s) => ({
        entityId: s.entityId, finding: s.finding, relationIds: s.relationIds,
        advice: `建议补充：${s.finding}（见于 ${s.presentIn.map(name).join('、')}${s.absentIn.length ? `；未见于 ${s.absentIn.map(name).join('、')}` : ''}）`,
      })),
      noApprovedRelations, unlinkedFindings: result.unlinked,
      graph: { relations: graph.relationCount, diseases: graph.signsOf.size },
      ...(narrative ? { narrative } : {}),
    };
  }

  /**
   * The timeline of the case's patient: when the case carries a patient identifier, every case filed under the
   * same identifier (approved ones for readers, drafts too for curators) joins it, found by the identifier's blind
   * index (never decrypted into the answer); lesions are matched across the cases by name. Growth and volume
   * doubling time come only from the measurements given (buildTimeline).
   */
  async timeline(id: string, curator = true): Promise<PatientTimeline> {
    const c = await this.getVisible(id, curator);
    const group = await this.patientCases(c, curator);
    const cases = group.length ? group : [c];
    const studies = cases.flatMap((x) => x.studies.map((s) => ({ ...s, caseId: x.id })));
    const grouped = group.length > 1;
    const note = !c.hasPatientRef ? '该病例未登记患者标识，仅显示本病例的检查 / no patient identifier: this case\'s studies only'
      : grouped ? `同一患者（标识已加密）的 ${cases.length} 个病例按检查日期合并 / ${cases.length} cases of one patient (identifier encrypted), merged by study date`
        : '该患者仅有本病例 / the only case of this patient';
    return {
      caseId: c.id, lesions: buildTimeline(studies),
      patient: {
        grouped, note,
        cases: cases.map((x) => ({ id: x.id, title: x.title, status: x.status, diagnosis: x.finalDiagnosis.name, studies: x.studies.map((s) => ({ date: s.date, modality: s.modality, note: s.note })) })),
      },
    };
  }

  private async patientCases(c: Case, curator: boolean): Promise<Case[]> {
    if (!c.hasPatientRef) return [];
    const patient = await this.deps.repo.patientOf(c.id);
    if (!patient) return [];
    await this.keyUnkeyedPatients();
    const keys = this.patientKeys(decryptField(patient.ref, this.deps.keyring, 'cases.patient_ref'));
    return this.deps.repo.byPatient(keys, curator ? ['approved', 'draft'] : ['approved']);
  }

  /** Cases stored with a patient identifier before the blind index (migration 088) get their key once. */
  private async keyUnkeyedPatients(): Promise<void> {
    for (const row of await this.deps.repo.unkeyedPatients()) {
      await this.deps.repo.setPatientKey(row.id, this.patientKeys(decryptField(row.ref, this.deps.keyring, 'cases.patient_ref'))[0]);
    }
  }

  /**
   * The blind index of a patient identifier: HMAC-SM3 under each loaded master key's MAC key (active first, which
   * is the one stored), so cases stored before a key rotation still join their patient's group.
   */
  private patientKeys(patientId: string): string[] {
    const kr = this.deps.keyring;
    return kr.keyIds.map((k) => patientBlindIndex(kr, patientId, k));
  }

  /**
   * Attach a key image to a case: the bytes are hostile, so the type is decided by magic bytes and the picture is
   * size-limited, PNG re-encoded, JPEG rewritten without metadata (EXIF, XMP, IPTC, comments, thumbnail), a DICOM
   * slice rendered to PNG (imaging readFigure, shared with teaching figures). The caption is de-identified. Audited.
   */
  async addImage(caseId: string, bytes: Buffer, fileName: string, opts: { caption?: string; window?: WindowLevel }, actor: string): Promise<CaseImageMeta & { created: boolean; metadataRemoved: string[] }> {
    const c = await this.get(caseId);
    if (c.status === 'retired') throw new AppError('STATE_CONFLICT', '病例已停用，不能添加关键图像 / the case is retired', { field: 'status' });
    if (c.images.length >= MAX_IMAGES_PER_CASE) throw new AppError('VALIDATION_FAILED', `每个病例最多 ${MAX_IMAGES_PER_CASE} 张关键图像 / at most ${MAX_IMAGES_PER_CASE} key images per case`, { field: 'file' });
    const image = readFigure(bytes, fileName, { window: opts.window });
    const caption = deidentify(opts.caption ?? '').text.slice(0, 300);
    return this.deps.db.transaction(async (tx) => {
      const r = await this.deps.repo.addImage(tx, caseId, { id: newId('cimg'), ...image, caption }, actor);
      if (r.created) {
        await this.audit.append(tx, { actor, action: 'case.image_upload', target: caseId, details: { imageId: r.id, source: image.source, mime: image.mime, width: image.width, height: image.height, bytes: image.bytes.length, metadataRemoved: image.removed } });
      }
      return { id: r.id, mime: image.mime, width: image.width, height: image.height, source: image.source, caption, bytes: image.bytes.length, created: r.created, metadataRemoved: image.removed };
    });
  }

  /** A key image's bytes, for whoever may see the case (readers: approved cases only). */
  async imageBytes(caseId: string, imageId: string, curator: boolean): Promise<{ mime: string; bytes: Buffer }> {
    await this.getVisible(caseId, curator);
    const img = await this.deps.repo.imageBytes(caseId, imageId);
    if (!img) throw new AppError('NOT_FOUND', `关键图像不存在 / no key image ${imageId}`, { field: 'imageId' });
    return img;
  }

  async removeImage(caseId: string, imageId: string, actor: string): Promise<void> {
    await this.get(caseId);
    await this.deps.db.transaction(async (tx) => {
      if (!(await this.deps.repo.deleteImage(tx, caseId, imageId))) throw new AppError('NOT_FOUND', `关键图像不存在 / no key image ${imageId}`, { field: 'imageId' });
      await this.audit.append(tx, { actor, action: 'case.image_delete', target: caseId, details: { imageId } });
    });
  }

  private query(req: MatchParsed) {
    if (!req.findings.trim() && !req.structuredFindings?.length) {
      throw new AppError('QUERY_EMPTY', '请输入影像所见 / findings are empty', { field: 'findings' });
    }
    const parsed = this.readFindings(req.findings);
    if (req.structuredFindings?.length) return { ...parsed, findings: mergeFindings(parsed.findings, req.structuredFindings) };
    return parsed;
  }

  private terms(text: string): string[] {
    return this.deps.tokenizer.indexStreams(text).words.map((t) => t.lexeme);
  }

  /** The approved graph as ranking reads it; rebuilt when a relation or source changes. */
  async evidenceGraph(): Promise<EvidenceGraph> {
    const sig = await this.deps.knowledge.relations.approvedSignature();
    if (this.evidence?.sig === sig) return this.evidence.graph;
    const all: EvidenceRelation[] = [];
    for (let offset = 0; ; offset += 2000) {
      const page = await this.deps.knowledge.relations.list({ status: 'active' }, { limit: 2000, offset });
      for (const r of page.items) if (r.predicate === 'has_sign' || r.predicate === 'suggests') all.push(r);
      if (page.items.length < 2000) break;
    }
    const graph = new EvidenceGraph(all);
    this.evidence = { sig, graph };
    return graph;
  }

  private async caseIndex(includeDrafts: boolean) {
    const key = includeDrafts ? 'all' : 'approved';
    const graph = await this.evidenceGraph();
    const sig = `${await this.deps.repo.signature()}#${graph.relationCount}`;
    const known = this.index.get(key);
    if (known?.sig === sig) return known;
    const list = await this.deps.repo.all(includeDrafts ? ['approved', 'draft'] : ['approved']);
    const { vectors, note } = await this.caseVectors(list.map((c) => c.findingsText));
    const index = new CaseIndex(
      list.map((c, i) => ({ id: c.id, modality: c.modality, bodyPart: c.bodyPart, findings: c.structuredFindings, terms: this.terms(c.findingsText), vector: vectors?.[i] })),
      (id) => (graph.diseasesOf.has(id) ? graph.specificity(id) : undefined),
    );
    const entry = { sig, index, cases: new Map(list.map((c) => [c.id, c])), vectorNote: note };
    this.index.set(key, entry);
    return entry;
  }

  /**
   * The cases' findings texts embedded as documents (cached by model and text in memory and in case_vectors, so a
   * restart reads the library's vectors back instead of embedding it again). An embedder that fails leaves the
   * index without vectors and says so in every result (scores fall back to findings + text), never a half-filled index.
   */
  private async caseVectors(texts: string[]): Promise<{ vectors: Float32Array[] | null; note?: string }> {
    const embedder = this.deps.embedder;
    if (!embedder) return { vectors: null, note: '未配置向量模型 / no embedder' };
    const keyOf = (t: string) => `${embedder.model}\u0000${t}`;
    let missing = [...new Set(texts.filter((t) => !this.vectorCache.has(keyOf(t))))];
    try {
      // Vectors kept by an earlier process (case_vectors) are read back; only texts never embedded are embedded.
      if (this.deps.vectors && missing.length) {
        const hashOf = new Map(missing.map((t) => [t, sha256Hex(t)]));
        const stored = await this.deps.vectors.get(embedder.model, [...hashOf.values()]);
        for (const t of missing) {
          const v = stored.get(hashOf.get(t) as string);
          if (v && v.length === embedder.dims) this.vectorCache.set(keyOf(t), v);
        }
        missing = missing.filter((t) => !this.vectorCache.has(keyOf(t)));
      }
      for (let i = 0; i < missing.length; i += 64) {
        const batch = missing.slice(i, i + 64);
        const out = await embedder.embed(batch, 'document');
        for (const [k, t] of batch.entries()) this.vectorCache.set(keyOf(t), out[k]);
        await this.deps.vectors?.put(embedder.model, batch.map((t, k) => [sha256Hex(t), out[k]] as const));
      }
    } catch (e) {
      return { vectors: null, note: `向量模型不可用，仅按所见与文本评分 / embedder ${embedder.model} failed: ${(e as Error).message}` };
    }
    return { vectors: texts.map((t) => this.vectorCache.get(keyOf(t)) as Float32Array) };
  }

  private async queryVector(text: string): Promise<{ vector?: Float32Array; note?: string }> {
    const embedder = this.deps.embedder;
    if (!embedder) return {};
    try {
      return { vector: (await embedder.embed([text], 'query'))[0] };
    } catch (e) {
      return { note: `向量模型不可用，仅按所见与文本评分 / embedder ${embedder.model} failed: ${(e as Error).message}` };
    }
  }

  /** Validate, de-identify, derive findings and link the diagnosis: one stored row. */
  private async prepare(input: CaseInputParsed, status: 'draft' | 'approved', demo: boolean, graph: EvidenceGraph): Promise<{ row: CaseRow; phi: number; warnings: string[] }> {
    let phi = 0;
    const clean = (s: string) => {
      const r = deidentify(s);
      phi += r.findings.length;
      return r.text;
    };
    const cleanOpt = <T extends string | null | undefined>(s: T) => (s ? clean(s) : s);
    const { unknown } = checkFields(this.deps.fields, input.diseaseArea, input.fields);
    const warnings = unknown.length ? [`未配置的字段已保留 / fields not in disease-fields.yaml kept: ${unknown.join(', ')}`] : [];
    const findingsText = clean(input.findingsText);
    const findings = input.structuredFindings?.length
      ? await this.linkFindings(input.structuredFindings.map((f) => ({ ...f, finding: clean(f.finding), location: cleanOpt(f.location) })))
      : this.reader.read(findingsText).findings;
    const diagnosis = await this.linkDiagnosis(input);
    if (!diagnosis.entityId) warnings.push(`诊断未能对应图谱实体 / diagnosis "${input.finalDiagnosis.name}" names no graph entity`);
    const id = input.id ?? `case-${sha256Hex(`${input.title}\u0000${findingsText}`).slice(0, 12)}`;
    const body = {
      status, demo, diseaseArea: input.diseaseArea, modality: input.modality, bodyPart: input.bodyPart, title: clean(input.title), findingsText,
      impression: clean(input.impression), diagnosis, acceptable: input.acceptableDiagnoses, findings, fields: input.fields,
      teachingPoints: input.teachingPoints.map(clean), keyImages: input.keyImages.map((k) => ({ ...k, caption: cleanOpt(k.caption) })),
      studies: input.studies.map((s) => ({ ...s, note: cleanOpt(s.note) })), sourceRefs: input.sourceRefs,
    };
    const fingerprint = sha256Hex(JSON.stringify({ ...body, status: undefined, patient: input.patientId ?? null }));
    const relationIds = status === 'approved' ? supportingRelations(graph, diagnosis.entityId ?? null, findings) : [];
    const patientRef = input.patientId ? encryptField(input.patientId, this.deps.keyring, 'cases.patient_ref') : null;
    const patientKey = input.patientId ? this.patientKeys(input.patientId)[0] : null;
    return { row: { id, ...body, patientRef, patientKey, relationIds, fingerprint }, phi, warnings };
  }

  private async linkFindings(findings: StructuredFinding[]): Promise<StructuredFinding[]> {
    return findings.map((f) => ({ ...f, entityId: f.entityId ?? this.deps.lexicon.lookup(f.finding)?.id ?? this.reader.read(f.finding).findings[0]?.entityId ?? null }));
  }

  /** The diagnosis's graph entity (by name, then acceptable names); its ICD-10 code only from an exact vocabulary match. */
  private async linkDiagnosis(input: CaseInputParsed): Promise<CaseInputParsed['finalDiagnosis']> {
    const dx = input.finalDiagnosis;
    if (dx.entityId) return dx;
    for (const name of [dx.name, ...input.acceptableDiagnoses]) {
      const hit = (await this.deps.knowledge.entities.byExactSurface(name)).find((e) => e.type === 'Disease');
      if (hit) return { ...dx, entityId: hit.id, icd10: dx.icd10 ?? (name === dx.name ? hit.codes.icd10 ?? hit.codes.ICD10 ?? null : null) };
    }
    return { ...dx, entityId: null };
  }
}

type MatchParsed = ReturnType<typeof MatchRequestSchema.parse>;

function parseMatch(input: unknown): MatchParsed {
  const r = MatchRequestSchema.safeParse(input);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new AppError('VALIDATION_FAILED', `${i.path.join('.')}: ${i.message}`, { field: i.path.join('.') });
}

/** Approved relations linking the diagnosis to the case's stated findings. */
function supportingRelations(graph: EvidenceGraph, diseaseId: string | null, findings: readonly StructuredFinding[]): string[] {
  if (!diseaseId) return [];
  const signs = graph.signsOf.get(diseaseId);
  if (!signs) return [];
  return [...new Set(findings.flatMap((f) => (f.entityId && f.certainty !== 'absent' ? signs.get(f.entityId)?.relationIds ?? [] : [])))].sort();
}

/** Findings given as structure win over the same entity read from the text. */
function mergeFindings(read: StructuredFinding[], given: StructuredFinding[]): StructuredFinding[] {
  const ids = new Set(given.map((g) => g.entityId).filter(Boolean));
  return [...given, ...read.filter((r) => !r.entityId || !ids.has(r.entityId))];
}
