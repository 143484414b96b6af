import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startYingzhi, type YzProcess } from './helpers/processes.ts';

/** Issue 20 item 5: what a new user sees when `npm start` comes up. */
describe('yingzhi start', { timeout: 180_000 }, () => {
  let proc: YzProcess | undefined;
  afterAll(async () => {
    proc?.child.kill('SIGTERM');
    await proc?.exited;
  });

  it('says ready only when the port answers, logs requests at debug, and ends with the one-time password in a box', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-start-'));
    const env = { YZ_DATA_DIR: dataDir, PORT: '0', YZ_LOAD_DEMO: 'false', YZ_LOG_LEVEL: 'info', YZ_LOG_FORMAT: 'json', YZ_ADMIN_PASSWORD: '' };
    proc = startYingzhi(env);
    const url = await proc.ready;
    // The line is printed after a request was answered: asking now answers at once.
    expect((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).status).toBe(200);
    for (let i = 0; i < 5; i++) await (await fetch(`${url}/api/sources`)).arrayBuffer();
    await new Promise((r) => setTimeout(r, 300));
    const out = proc.output();
    // Requests are not logged at the default level (Fastify's "incoming request" / "request completed" were, twice each).
    expect(out).not.toContain('incoming request');
    expect(out).not.toContain('request completed');
    expect(out).not.toMatch(/"msg":"request"/);
    // The one-time password comes last, boxed, after the ready line.
    const box = out.slice(out.indexOf('╔'));
    expect(out.indexOf('╔')).toBeGreaterThan(out.indexOf('ready:'));
    expect(box).toMatch(/one-time password:\s+\S{8,}/);
    expect(box.slice(0, box.indexOf('╝') + 1).split('\n')).toHaveLength(6);
  });
});
