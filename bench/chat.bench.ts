import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { QueryRewriter } from '../agents/chat/query-rewrite.ts';
import { buildApp } from '../api/index.ts';
import { loadAnswerCases } from '../evals/harness/datasets.ts';
import { loadRetrievalQueries } from '../evals/retrieval.ts';
import { LlmResponseCache, loadPrompt } from '../llm/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { type FakeLlmRequest, type FakeLlmServer, startFakeLlmServer } from '../tests/fakes/llm-server.ts';
import { testRuntime } from '../tests/helpers/runtime.ts';
import { build100k, PGLITE_CACHE } from './search.bench.ts';
import { ms, percentile, printTable } from './table.ts';

const WARMUP_TURNS = 5;
const MEASURED_TURNS = 60;
const CONCURRENT_STREAMS = 50;
const CACHE_HITS = 200;
const FIRST_TOKEN_TURNS = 30;

/** What one chat turn looked like from the client: wall time, the server's accounting, first-token forwarding. */
interface Turn {
  status: number;
  events: number;
  deltas: number;
  error: string | null;
  wallMs: number;
  /** done.latencyMs and done.overheadMs as the server measured them. */
  latencyMs: number;
  overheadMs: number;
  /** Client receipt of the first `delta` event (performance.now()). */
  firstDeltaAt: number | null;
  /** Client receipt times (ms after the request) of `meta`, the first `citations` (retrieval done, prompt fitted), the last `delta`. */
  metaMs: number | null;
  citationsMs: number | null;
  lastDeltaMs: number | null;
  /** Time the server spent in each tool during the turn (`tool` events' ms, summed by name). */
  toolMs: Record<string, number>;
}

/**
 * The fake model answers with the first sentence of evidence [1] (so the citation check keeps it), streamed
 * in 4-character pieces `pieceDelayMs` apart (0: all at once); each answer stream's first-piece send time is
 * recorded (same process and clock as the client, so the difference is what YingZhi adds between model
 * and browser).
 */
function scriptFake(fake: FakeLlmServer, sentAt: number[], pieceDelayMs = 0): void {
  fake.script((req: FakeLlmRequest) => {
    if (req.format || req.responseFormat) return { json: { query: req.messages.at(-1)?.content.split('最新问题：').at(-1)?.trim() || '肺结节' } };
    const user = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const first = /\[1\][^\n]*\n([^。\n]{4,120}。?)/.exec(user)?.[1] ?? '知识库证据如上';
    sentAt.push(performance.now());
    return { text: `${first.replace(/。$/, '')}[1]。`, pieceDelayMs };
  });
}

/** POST /api/chat and read the SSE stream to its end. */
async function chatTurn(base: string, message: string): Promise<Turn> {
  const started = performance.now();
  const turn: Turn = { status: 0, events: 0, deltas: 0, error: null, wallMs: 0, latencyMs: 0, overheadMs: 0, firstDeltaAt: null, metaMs: null, citationsMs: null, lastDeltaMs: null, toolMs: {} };
  try {
    const res = await fetch(`${base}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
    turn.status = res.status;
    if (!res.ok || !res.body) {
      turn.error = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
      return turn;
    }
    const decoder = new TextDecoder();
    let buf = '';
    let done = false;
    const reader = res.body.getReader();
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buf += decoder.decode(value, { stream: true });
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const type = /^event: (\w+)/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        turn.events++;
        const at = performance.now();
        if (type === 'meta') turn.metaMs = at - started;
        else if (type === 'tool' && data) {
          const t = JSON.parse(data) as { name: string; ms: number };
          turn.toolMs[t.name] = (turn.toolMs[t.name] ?? 0) + t.ms;
        }
        else if (type === 'citations') turn.citationsMs ??= at - started;
        else if (type === 'delta') {
          turn.deltas++;
          turn.firstDeltaAt ??= at;
          turn.lastDeltaMs = at - started;
        } else if (type === 'done' && data) {
          const d = JSON.parse(data) as { latencyMs: number; overheadMs: number };
          turn.latencyMs = d.latencyMs;
          turn.overheadMs = d.overheadMs;
          done = true;
        } else if (type === 'error' && data) {
          turn.error = (JSON.parse(data) as { code: string }).code;
        }
      }
    }
    if (!done && !turn.error) turn.error = 'stream ended without done';
  } catch (e) {
    turn.error = (e as Error).message;
  } finally {
    turn.wallMs = performance.now() - started;
  }
  return turn;
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

async function measureTurns(base: string, questions: string[]) {
  for (const q of questions.slice(0, WARMUP_TURNS)) await chatTurn(base, q);
  const turns: Turn[] = [];
  for (let i = 0; i < MEASURED_TURNS; i++) turns.push(await chatTurn(base, questions[(WARMUP_TURNS + i) % questions.length]));
  const ok = turns.filter((t) => !t.error);
  // Total minus model time, at the client: what YingZhi adds to a turn, HTTP and SSE included.
  const overhead = ok.map((t) => t.wallMs - (t.latencyMs - t.overheadMs));
  const phase = (f: (t: Turn) => number | null) => {
    const xs = ok.map(f).filter((x): x is number => x !== null);
    return { p50: percentile(xs, 50), p95: percentile(xs, 95) };
  };
  return {
    turns: turns.length,
    errors: turns.length - ok.length,
    phases: {
      toMeta: phase((t) => t.metaMs),
      retrieval: phase((t) => (t.metaMs !== null && t.citationsMs !== null ? t.citationsMs - t.metaMs : null)),
      afterStream: phase((t) => (t.lastDeltaMs !== null ? t.wallMs - t.lastDeltaMs : null)),
      search: phase((t) => t.toolMs.hybrid_search ?? null),
      graph: phase((t) => t.toolMs.graph_lookup ?? 0),
    },
    answered: ok.filter((t) => t.deltas > 0).length,
    wall: { p50: percentile(ok.map((t) => t.wallMs), 50), p95: percentile(ok.map((t) => t.wallMs), 95) },
    overhead: { p50: percentile(overhead, 50), p95: percentile(overhead, 95), max: Math.max(...overhead) },
    serverOverhead: { p50: percentile(ok.map((t) => t.overheadMs), 50), p95: percentile(ok.map((t) => t.overheadMs), 95) },
  };
}

/**
 * First-token forwarding with the model streaming pieces 25 ms apart, as a local model does: between
 * pieces the server is idle, so the client (same process) reads the first delta as soon as it is sent.
 * With an instant model the whole turn's post-processing would run before the client's read.
 */
async function measureFirstToken(base: string, questions: string[], fake: FakeLlmServer) {
  const sentAt: number[] = [];
  scriptFake(fake, sentAt, 25);
  const forward: number[] = [];
  let errors = 0;
  for (let i = 0; i < FIRST_TOKEN_TURNS; i++) {
    sentAt.length = 0;
    const t = await chatTurn(base, questions[i % questions.length]);
    if (t.error || t.firstDeltaAt === null || !sentAt.length) errors++;
    else forward.push(t.firstDeltaAt - sentAt[0]);
  }
  return { turns: FIRST_TOKEN_TURNS, errors, p50: percentile(forward, 50), p95: percentile(forward, 95), max: Math.max(...forward) };
}

async function measureConcurrent(base: string, questions: string[], fake: FakeLlmServer) {
  (globalThis as { gc?: () => void }).gc?.();
  const before = rssMb();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb());
  }, 10);
  const requestsBefore = fake.requests.length;
  const started = performance.now();
  const turns = await Promise.all(Array.from({ length: CONCURRENT_STREAMS }, (_, i) => chatTurn(base, questions[i % questions.length])));
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb());
  const failed = turns.filter((t) => t.error);
  return {
    streams: CONCURRENT_STREAMS,
    errors: failed.length,
    errorSamples: [...new Set(failed.map((t) => t.error))].slice(0, 3),
    completed: turns.filter((t) => !t.error && t.deltas > 0).length,
    wallMs,
    turnP95Ms: percentile(turns.map((t) => t.wallMs), 95),
    modelRequests: fake.requests.length - requestsBefore,
    maxModelInFlight: fake.maxInFlight,
    rssBeforeMb: before,
    rssPeakDeltaMb: peak - before,
  };
}

/** The query-rewrite structured call repeated: the first reaches the model, the rest are LlmResponseCache hits. */
async function measureCacheHit(rt: Runtime, fake: FakeLlmServer) {
  if (!rt.llm) throw new Error('the chat bench needs a model provider');
  const rewriter = new QueryRewriter({ llm: rt.llm, cache: new LlmResponseCache(rt.db, rt.llmUsage), tokenizer: rt.tokenizer, prompt: loadPrompt('query-rewrite') });
  const history = [{ question: '肺结节多大需要随访？', answer: `实性结节直径大于 8 mm 时推荐 3 个月复查 CT[1]。（bench ${Date.now()}）` }];
  const first = await rewriter.rewrite('那磨玻璃结节呢？', history);
  const requestsBefore = fake.requests.length;
  const times: number[] = [];
  let via = '';
  for (let i = 0; i < CACHE_HITS; i++) {
    const t = performance.now();
    const r = await rewriter.rewrite('那磨玻璃结节呢？', history);
    times.push(performance.now() - t);
    via = r.via;
  }
  return {
    firstVia: first.via,
    hitVia: via,
    calls: CACHE_HITS,
    modelRequestsDuringHits: fake.requests.length - requestsBefore,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    max: Math.max(...times),
  };
}

/**
 * Chat benchmarks against the fake model server (answering instantly, so model time is ~0) on the cached
 * 100,000-chunk PGlite database: per-turn overhead over HTTP/SSE, first-token forwarding, 50 concurrent
 * streams, and a cached structured call.
 */
export async function runChatBench() {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const fake = await startFakeLlmServer();
  scriptFake(fake, []);
  mkdirSync(PGLITE_CACHE, { recursive: true });
  const rt = await testRuntime({ YZ_DATA_DIR: PGLITE_CACHE, YZ_LLM: 'openai', YZ_LLM_URL: fake.url, YZ_LLM_MODEL: 'fake-model' }, { inMemory: false });
  const app = await buildApp(rt);
  try {
    log(`[chat] preparing ${PGLITE_CACHE}…`);
    await build100k(rt, log);
    const { rows } = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks');
    const chunks = rows[0].n;
    // Other work on the machine inflates every latency here; the 1-minute load average is printed with them.
    const loadAverage = loadavg()[0];
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const questions = [
      ...loadAnswerCases().filter((c) => !c.expectRefusal && c.lang === 'zh').map((c) => c.question),
      ...loadRetrievalQueries().map((q) => q.query),
    ];
    log(`[chat] ${MEASURED_TURNS} sequential turns over HTTP…`);
    const seq = await measureTurns(base, questions);
    log(`[chat] first-token forwarding, ${FIRST_TOKEN_TURNS} turns with the model streaming…`);
    const first = await measureFirstToken(base, questions.slice(20), fake);
    scriptFake(fake, []);
    log(`[chat] ${CONCURRENT_STREAMS} concurrent streams…`);
    const conc = await measureConcurrent(base, questions.slice(10), fake);
    log('[chat] cached structured call…');
    const cache = await measureCacheHit(rt, fake);
    printTable(
      `Chat over HTTP/SSE, ${chunks.toLocaleString()} chunks (PGlite), fake model answering instantly; ${seq.turns} turns (${seq.errors} errors); load average ${loadAverage.toFixed(1)} on ${availableParallelism()} CPUs`,
      ['measure', 'p50', 'p95', 'max', 'target'],
      [
        ['overhead per turn (client wall − model time)', ms(seq.overhead.p50), ms(seq.overhead.p95), ms(seq.overhead.max), 'p50 ≤ 60 ms, p95 ≤ 150 ms'],
        ['  server-side overhead (done.overheadMs)', ms(seq.serverOverhead.p50), ms(seq.serverOverhead.p95), '', ''],
        ['  whole turn at the client', ms(seq.wall.p50), ms(seq.wall.p95), '', ''],
        ['  request → meta event', ms(seq.phases.toMeta.p50), ms(seq.phases.toMeta.p95), '', ''],
        ['  meta → citations (search, graph lookups, prompt fit)', ms(seq.phases.retrieval.p50), ms(seq.phases.retrieval.p95), '', ''],
        ['  hybrid_search tool (server; concurrent with graph lookups)', ms(seq.phases.search.p50), ms(seq.phases.search.p95), '', ''],
        ['  graph_lookup tools, summed (server; concurrent)', ms(seq.phases.graph.p50), ms(seq.phases.graph.p95), '', ''],
        ['  last delta → end of stream (citation check, save)', ms(seq.phases.afterStream.p50), ms(seq.phases.afterStream.p95), '', ''],
        [`first token: model sends → client gets SSE delta (${first.turns} turns, ${first.errors} errors)`, ms(first.p50), ms(first.p95), ms(first.max), '≤ 20 ms'],
        [`cached structured call (query rewrite, ${cache.calls} hits, ${cache.modelRequestsDuringHits} model requests)`, ms(cache.p50), ms(cache.p95), ms(cache.max), '≤ 5 ms'],
      ],
    );
    printTable(
      `${CONCURRENT_STREAMS} concurrent chat streams (YZ_LLM_CONCURRENCY=${rt.config.llm.concurrency}: excess model calls queue)`,
      ['streams', 'completed', 'errors', 'wall', 'turn p95', 'model requests', 'max in flight at model', 'RSS before', 'peak RSS Δ', 'target'],
      [[conc.streams, conc.completed, conc.errors, ms(conc.wallMs), ms(conc.turnP95Ms), conc.modelRequests, conc.maxModelInFlight, `${conc.rssBeforeMb.toFixed(0)} MB`, `${conc.rssPeakDeltaMb.toFixed(0)} MB`, '0 errors, bounded RSS']],
    );
    if (conc.errorSamples.length) log(`  errors: ${conc.errorSamples.join(' | ')}`);
    if (seq.phases.retrieval.p50 < 1) log('  note: meta and tool events reach the client together with the first citations event (not flushed while retrieval runs)');
    return { chunks, loadAverage, sequential: seq, firstToken: first, concurrent: conc, cache };
  } finally {
    await app.close();
    await rt.close();
    await fake.close();
  }
}
