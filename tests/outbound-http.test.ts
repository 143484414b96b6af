import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lookup, NetworkPolicy, OutboundFailure, outboundRequest, parseAllowPattern } from '../connectors/index.ts';

/** A real local HTTP server that records every TCP connection and request that reaches it. */
async function startTarget() {
  const seen: Array<{ method: string; url: string; host?: string; body: string }> = [];
  const stats = { connections: 0, bigBytesSent: 0 };
  const routes = new Map<string, (res: http.ServerResponse) => void>();
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host, body: Buffer.concat(parts).toString('utf8') });
      const route = routes.get(req.url ?? '');
      if (route) return route(res);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.on('connection', () => stats.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port, seen, stats, routes,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A resolver the test controls: each name answers from its script (the last answer repeats), and every question is recorded. */
function scriptedLookup(script: Record<string, string[][]>) {
  const asked: string[] = [];
  const lookup: Lookup = async (host) => {
    asked.push(host);
    const answers = script[host];
    if (!answers) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    const n = asked.filter((h) => h === host).length - 1;
    return (answers[Math.min(n, answers.length - 1)] as string[]).map((address) => ({ address }));
  };
  return { lookup, asked };
}

const policy = (patterns: string[], lookup: Lookup) => new NetworkPolicy(patterns.map((p) => parseAllowPattern(p).rule), lookup);

async function failure(p: Promise<unknown>): Promise<OutboundFailure> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OutboundFailure);
    return e as OutboundFailure;
  }
  throw new Error('the request was expected to fail');
}

describe('connector outbound HTTP client (one resolution, checked address only)', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  beforeAll(async () => {
    target = await startTarget();
  });
  afterAll(() => target.close());

  it('resolves a name once, connects to the checked address and keeps the name for the Host header; POST bodies arrive whole', async () => {
    // The first answer is the checked one; any second resolution would get the metadata address.
    const dns = scriptedLookup({ 'ris.hospital.test': [['127.0.0.1'], ['169.254.169.254']] });
    const res = await outboundRequest(`http://ris.hospital.test:${target.port}/reports?x=1`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"报告":"右肺上叶结节"}', timeoutMs: 3000, maxBytes: 1024,
    }, policy(['127.0.0.0/8'], dns.lookup));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ ok: true });
    expect(dns.asked).toEqual(['ris.hospital.test']);
    expect(target.seen.at(-1)).toEqual({ method: 'POST', url: '/reports?x=1', host: `ris.hospital.test:${target.port}`, body: '{"报告":"右肺上叶结节"}' });
  });

  it('a name that resolves to a disallowed address is refused before any connection is opened', async () => {
    const before = target.stats.connections;
    // The server listens on 127.0.0.1, but the allow-list names only the hospital network: nothing may reach it.
    const dns = scriptedLookup({ 'pacs.hospital.test': [['127.0.0.1']] });
    const refused = await failure(outboundRequest(`http://pacs.hospital.test:${target.port}/`, { timeoutMs: 3000, maxBytes: 1024 }, policy(['10.0.0.0/8'], dns.lookup)));
    expect(refused).toMatchObject({ category: 'NOT_ALLOWED', detail: 'not in the allow-list' });
    expect(target.stats.connections).toBe(before);
  });

  it('every resolved address is judged: a metadata address among the answers refuses the name, even with an allowed one', async () => {
    const before = target.stats.connections;
    for (const answers of [['169.254.169.254'], ['127.0.0.1', '169.254.169.254'], ['::ffff:169.254.169.254', '127.0.0.1']]) {
      const dns = scriptedLookup({ 'ai.hospital.test': [answers] });
      const refused = await failure(outboundRequest(`http://ai.hospital.test:${target.port}/`, { timeoutMs: 3000, maxBytes: 1024 }, policy(['127.0.0.0/8', '*.hospital.test'], dns.lookup)));
      expect(refused, answers.join(',')).toMatchObject({ category: 'NOT_ALLOWED', detail: 'link-local or metadata address' });
    }
    expect(target.stats.connections).toBe(before);
  });

  it('a redirect to another host (here one resolving to the metadata address) is refused and never resolved; same-origin hops are followed', async () => {
    target.routes.set('/to-metadata', (res) => res.writeHead(302, { location: 'http://metadata.hospital.test/latest/meta-data/' }).end());
    target.routes.set('/to-ok', (res) => res.writeHead(307, { location: '/ok' }).end());
    const dns = scriptedLookup({ 'ris.hospital.test': [['127.0.0.1']], 'metadata.hospital.test': [['169.254.169.254']] });
    const allow = policy(['127.0.0.0/8', '*.hospital.test'], dns.lookup);
    const refused = await failure(outboundRequest(`http://ris.hospital.test:${target.port}/to-metadata`, { timeoutMs: 3000, maxBytes: 1024, maxRedirects: 3 }, allow));
    expect(refused).toMatchObject({ category: 'NOT_ALLOWED', detail: 'redirect to another host' });
    expect(dns.asked).toEqual(['ris.hospital.test']);
    const followed = await outboundRequest(`http://ris.hospital.test:${target.port}/to-ok`, { method: 'POST', body: 'x', timeoutMs: 3000, maxBytes: 1024, maxRedirects: 3 }, allow);
    expect(followed.status).toBe(200);
    expect(target.seen.slice(-2).map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual(['POST /to-ok x', 'POST /ok x']);
    // Without maxRedirects the redirect is not followed: the caller sees the 3xx itself.
    const unfollowed = await outboundRequest(`http://ris.hospital.test:${target.port}/to-metadata`, { timeoutMs: 3000, maxBytes: 1024 }, allow);
    expect(unfollowed.status).toBe(302);
    expect(dns.asked.filter((h) => h === 'metadata.hospital.test')).toEqual([]);
  });

  it('an oversized answer is cut with RESPONSE_TOO_LARGE: declared, or streamed without a length', async () => {
    target.routes.set('/declared', (res) => res.writeHead(200, { 'content-length': String(10 << 20) }).end());
    target.routes.set('/endless', (res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (target.stats.bigBytesSent < 200 << 20 && !res.destroyed) {
          target.stats.bigBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const allow = policy(['127.0.0.0/8'], scriptedLookup({}).lookup);
    const declared = await failure(outboundRequest(`http://127.0.0.1:${target.port}/declared`, { timeoutMs: 3000, maxBytes: 1 << 20 }, allow));
    expect(declared).toMatchObject({ category: 'RESPONSE_TOO_LARGE', detail: 'body over 1 MiB' });
    const endless = await failure(outboundRequest(`http://127.0.0.1:${target.port}/endless`, { timeoutMs: 10_000, maxBytes: 256 * 1024 }, allow));
    expect(endless).toMatchObject({ category: 'RESPONSE_TOO_LARGE', detail: 'body over 256 KiB' });
    expect(endless.message).toContain('RESPONSE_TOO_LARGE');
    // The connection was dropped: the server stopped long before its 200 MB (socket buffers hold a few MB at most).
    await new Promise((r) => setTimeout(r, 200));
    expect(target.stats.bigBytesSent).toBeLessThan(32 << 20);
  });

  it('a body that stops arriving ends with TIMEOUT; a refused port with CONNECTION_REFUSED; an unknown name with DNS_FAILED', async () => {
    target.routes.set('/stall', (res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
    });
    const dns = scriptedLookup({ 'ris.hospital.test': [['127.0.0.1']] });
    const allow = policy(['127.0.0.0/8'], dns.lookup);
    expect(await failure(outboundRequest(`http://ris.hospital.test:${target.port}/stall`, { timeoutMs: 500, maxBytes: 4096 }, allow))).toMatchObject({ category: 'TIMEOUT' });
    expect(await failure(outboundRequest('http://127.0.0.1:1/', { timeoutMs: 2000, maxBytes: 4096 }, allow))).toMatchObject({ category: 'CONNECTION_REFUSED' });
    expect(await failure(outboundRequest('http://nowhere.hospital.test/', { timeoutMs: 2000, maxBytes: 4096 }, allow))).toMatchObject({ category: 'DNS_FAILED' });
    expect(await failure(outboundRequest('file:///etc/passwd', { timeoutMs: 2000, maxBytes: 4096 }, allow))).toMatchObject({ category: 'NOT_ALLOWED' });
  });
});
