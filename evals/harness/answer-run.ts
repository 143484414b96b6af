import type { ChatEvent, ChatService, Citation } from '../../agents/index.ts';
import { isAppError } from '../../core/index.ts';
import type { Queryable } from '../../store/index.ts';
import type { AnswerCase } from './datasets.ts';

/** A source as the suites name it: demo file stem (`lung-nodule-guideline`) and title. */
export interface SourceName {
  id: string;
  stem: string;
  title: string;
}

/** One question asked of the chat service, with everything the metrics need. */
export interface AnswerRecord {
  id: string;
  engine: 'llm' | 'extractive' | null;
  /** The checked answer (`done.answer`); empty when the turn failed. */
  answer: string;
  /** The answer as streamed (`delta` events concatenated), before the citation check. */
  raw: string;
  refused: boolean;
  /** Citations of the checked answer (`done.citations`). */
  citations: Citation[];
  /** Every evidence item offered during the turn (all `citations` events), by marker number. */
  evidence: Citation[];
  /** Text behind each evidence number: the full passage, or the triple and its quote. */
  evidenceText: Record<number, string>;
  citedSources: SourceName[];
  latencyMs: number;
  overheadMs: number;
  tools: { name: string; status: string; ms: number }[];
  error: { code: string; message: string } | null;
}

/** Source id → stem and title, for matching `expectedSources`. */
export async function sourceNames(db: Queryable): Promise<Map<string, SourceName>> {
  const { rows } = await db.query<{ id: string; title: string; file_name: string }>('SELECT id, title, file_name FROM sources');
  return new Map(rows.map((r) => [r.id, { id: r.id, title: r.title, stem: r.file_name.replace(/\.(md|pdf|html?|txt)$/i, '') }]));
}

async function chunkTexts(db: Queryable, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const { rows } = await db.query<{ id: string; text: string }>('SELECT id, text FROM chunks WHERE id = ANY($1::text[])', [ids]);
  return new Map(rows.map((r) => [r.id, r.text]));
}

/**
 * Ask every case once, in order, each in a new conversation of the `eval` actor. A failing turn is
 * recorded with its error code (it scores as a wrong answer), never aborts the run.
 */
export async function runAnswerCases(
  chat: ChatService,
  db: Queryable,
  cases: AnswerCase[],
  opts: { actor?: string; onCase?: (i: number, c: AnswerCase, r: AnswerRecord) => void } = {},
): Promise<AnswerRecord[]> {
  const names = await sourceNames(db);
  const records: AnswerRecord[] = [];
  for (const [i, c] of cases.entries()) {
    const evidence = new Map<number, Citation>();
    const tools: AnswerRecord['tools'] = [];
    let raw = '';
    let engine: AnswerRecord['engine'] = null;
    const onEvent = (e: ChatEvent) => {
      if (e.type === 'meta') engine = e.engine;
      else if (e.type === 'delta') raw += e.text;
      else if (e.type === 'tool') tools.push({ name: e.name, status: e.status, ms: e.ms });
      else if (e.type === 'citations') for (const ct of e.citations) if (!evidence.has(ct.n)) evidence.set(ct.n, ct);
    };
    const started = performance.now();
    let record: AnswerRecord;
    try {
      const done = await chat.ask({ message: c.question, actor: opts.actor ?? 'eval', lang: c.lang }, onEvent);
      for (const ct of done.citations) if (!evidence.has(ct.n)) evidence.set(ct.n, ct);
      const all = [...evidence.values()].sort((a, b) => a.n - b.n);
      const texts = await chunkTexts(db, all.filter((x) => x.kind === 'chunk' && x.chunkId).map((x) => x.chunkId as string));
      const evidenceText: Record<number, string> = {};
      for (const x of all) {
        evidenceText[x.n] = x.kind === 'relation' && x.triple
          ? `${x.triple.subject} ${x.triple.predicate} ${x.triple.object} ${x.quote ?? ''}`
          : ((x.chunkId && texts.get(x.chunkId)) ?? x.quote ?? '');
      }
      const cited = new Map<string, SourceName>();
      for (const ct of done.citations) {
        const n = ct.sourceId ? names.get(ct.sourceId) : undefined;
        if (n) cited.set(n.id, n);
        else if (ct.title) cited.set(ct.title, { id: ct.sourceId ?? '', stem: '', title: ct.title });
      }
      record = {
        id: c.id, engine: done.engine ?? engine, answer: done.answer, raw, refused: done.refused, citations: done.citations, evidence: all, evidenceText,
        citedSources: [...cited.values()], latencyMs: done.latencyMs, overheadMs: done.overheadMs, tools, error: null,
      };
    } catch (e) {
      record = {
        id: c.id, engine, answer: '', raw, refused: false, citations: [], evidence: [...evidence.values()], evidenceText: {}, citedSources: [],
        latencyMs: performance.now() - started, overheadMs: 0, tools,
        error: { code: isAppError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) },
      };
    }
    records.push(record);
    opts.onCase?.(i, c, record);
  }
  return records;
}
