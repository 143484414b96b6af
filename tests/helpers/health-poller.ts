import { spawn } from 'node:child_process';

export interface PollSample {
  /** When the request was sent (ms since the poller started). */
  at: number;
  /** Milliseconds until the answer arrived; Infinity when none came before the poller stopped. */
  ms: number;
  status: number;
}

/**
 * Poll `url` every `everyMs` from a separate process, so a blocked event loop in the server (which may
 * share the test's process) cannot also delay the clock that measures it. Each request is independent:
 * a stalled server accumulates outstanding requests, each timed until it is answered.
 */
export function startHealthPoller(url: string, everyMs = 100): { stop(): Promise<PollSample[]> } {
  const code = `
    const [url, every] = [process.argv[1], Number(process.argv[2])];
    const t0 = performance.now(); const samples = []; const pending = new Set();
    const timer = setInterval(() => {
      const at = performance.now() - t0; const sample = { at, ms: Infinity, status: 0 }; samples.push(sample);
      const p = fetch(url, { signal: AbortSignal.timeout(120000) }).then(async (r) => { await r.text(); sample.status = r.status; sample.ms = performance.now() - t0 - at; }, () => {});
      pending.add(p); p.finally(() => pending.delete(p));
    }, every);
    process.stdin.on('data', () => {});
    process.stdin.on('end', async () => {
      clearInterval(timer);
      await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 5000))]);
      process.stdout.write(JSON.stringify(samples.map((s) => ({ ...s, ms: Number.isFinite(s.ms) ? s.ms : null }))));
      process.exit(0);
    });`;
  const child = spawn(process.execPath, ['-e', code, url, String(everyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    async stop() {
      child.stdin.end();
      await done;
      return (JSON.parse(out) as Array<PollSample & { ms: number | null }>).map((s) => ({ ...s, ms: s.ms ?? Number.POSITIVE_INFINITY }));
    },
  };
}
