import { numbersOf } from '../agents/index.ts';
import type { DifferentialOutput } from '../cases/index.ts';

/** One eval case's comparison narrative, as the model run produced it. */
export interface NarrativeRecord {
  id: string;
  status: 'checked' | 'failed' | 'not_configured';
  sentences: number;
  kept: number;
  dropped: number;
  /** Numbers the model wrote (any sentence, kept or dropped) that appear neither in the findings nor in the evidence. */
  inventedNumbers: string[];
  /** Of those, the ones in sentences the check kept (the check should leave none). */
  inventedKept: string[];
  /** Wall time of the differential call that wrote it (the ranking itself takes milliseconds). */
  ms: number;
  /** Process CPU time over the same call (the in-process model's threads included). */
  cpuMs: number;
  /** The ranking of this call equals the ranking of the same request to a service without a model. */
  sameRanking: boolean;
  note: string;
}

/** What `npm run eval -- cases --model …` reports about the narratives. */
export interface NarrativeSummary {
  model: string | null;
  /** Requests that asked for a narrative (one per eval case). */
  requested: number;
  /** Narratives produced with at least one sentence kept. */
  produced: number;
  /** Share of requests whose narrative passed the check whole (checked, every sentence supported, ≥ 1 sentence). */
  passedWhole: number;
  sentences: number;
  dropped: number;
  /** Requests where the structured comparison stood alone: the model failed, or every sentence was dropped. */
  fallbacks: number;
  /** Model-written numbers found in neither the findings nor the evidence (before the check dropped them). */
  inventedNumbers: number;
  /** Of those, in sentences the check kept. */
  inventedKept: number;
  msMedian: number;
  msP95: number;
  cpuMsMedian: number;
  /** Requests whose ranking equals the no-model service's ranking on the same input. */
  sameRanking: number;
  records: NarrativeRecord[];
}

/** Score one narrated differential against the same request answered without a model. */
export function narrativeRecord(id: string, findings: string, withModel: DifferentialOutput, withoutModel: DifferentialOutput, ms: number, cpuMs: number): NarrativeRecord {
  const n = withModel.narrative;
  const sameRanking = JSON.stringify(rankingOf(withModel)) === JSON.stringify(rankingOf(withoutModel));
  const base = { id, ms: Math.round(ms), cpuMs: Math.round(cpuMs), sameRanking };
  if (n?.status !== 'checked') return { ...base, status: n?.status ?? 'not_configured', sentences: 0, kept: 0, dropped: 0, inventedNumbers: [], inventedKept: [], note: n?.note ?? 'no narrative' };
  const known = new Set([...numbersOf(findings), ...n.evidence.flatMap((e) => numbersOf(`${e.text}`))]);
  const invented = (ss: typeof n.sentences) => [...new Set(ss.flatMap((s) => numbersOf(s.text)))].filter((x) => !known.has(x));
  return {
    ...base, status: 'checked', sentences: n.sentences.length, kept: n.sentences.length - n.dropped, dropped: n.dropped,
    inventedNumbers: invented(n.sentences), inventedKept: invented(n.sentences.filter((s) => s.supported)), note: n.note,
  };
}

/** The deterministic part of a differential: diseases in order with their scores. */
function rankingOf(d: DifferentialOutput): Array<[string | null, string, number]> {
  return d.ranked.map((r) => [r.entityId, r.name, r.score]);
}

export function summariseNarratives(model: string | null, records: NarrativeRecord[]): NarrativeSummary {
  const checked = records.filter((r) => r.status === 'checked');
  const ms = records.map((r) => r.ms).sort((a, b) => a - b);
  const cpu = records.map((r) => r.cpuMs).sort((a, b) => a - b);
  return {
    model, requested: records.length,
    produced: checked.filter((r) => r.kept > 0).length,
    passedWhole: records.length ? round(checked.filter((r) => r.kept > 0 && r.dropped === 0).length / records.length) : 0,
    sentences: checked.reduce((a, r) => a + r.sentences, 0),
    dropped: checked.reduce((a, r) => a + r.dropped, 0),
    fallbacks: records.filter((r) => r.status !== 'checked' || r.kept === 0).length,
    inventedNumbers: records.reduce((a, r) => a + r.inventedNumbers.length, 0),
    inventedKept: records.reduce((a, r) => a + r.inventedKept.length, 0),
    msMedian: quantile(ms, 0.5), msP95: quantile(ms, 0.95), cpuMsMedian: quantile(cpu, 0.5),
    sameRanking: records.filter((r) => r.sameRanking).length,
    records,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : 0);

export function printNarratives(s: NarrativeSummary): void {
  const lines = [
    `comparison narrative (${s.model ?? 'no model'}; every sentence checked like a chat answer: cites an existing evidence item, its numbers appear in that item, enough wording matches)`,
    `  requested ${s.requested}   produced ${s.produced}   passed whole ${s.passedWhole.toFixed(3)}   sentences ${s.sentences}   dropped ${s.dropped}   fallbacks to the structured comparison ${s.fallbacks}`,
    `  numbers written that are in neither the findings nor the evidence: ${s.inventedNumbers} written, ${s.inventedKept} in kept sentences`,
    `  time per narrative: median ${(s.msMedian / 1000).toFixed(1)} s, p95 ${(s.msP95 / 1000).toFixed(1)} s wall; median CPU ${(s.cpuMsMedian / 1000).toFixed(1)} s (shared machine: wall time is inflated)`,
    `  ranking identical to the no-model service on the same input: ${s.sameRanking}/${s.requested}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
