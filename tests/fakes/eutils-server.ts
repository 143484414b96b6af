import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { articleSet } from './pubmed-articles.ts';

export interface EutilsRequest {
  path: string;
  params: Record<string, string>;
  at: number;
}

/**
 * A protocol-level fake of NCBI E-utilities: esearch (JSON, history server: WebEnv + query_key) and
 * efetch (PubmedArticleSet XML sliced by retstart/retmax) over a pool of PubmedArticle elements,
 * with scripted faults — HTTP error storms, a connection cut mid-body, a query syntax error,
 * an expired WebEnv.
 */
export interface FakeEutils {
  url: string;
  requests: EutilsRequest[];
  /** PMIDs esearch finds (in this order), and their article XML. */
  setResults(pmids: string[], articles: Map<string, string>): void;
  /** Statuses to answer the next requests with (e.g. [429, 429, 503]). */
  failNext(...statuses: number[]): void;
  /** Cut the connection half-way through the body of the next n efetch answers (from retstart `from` on). */
  cutNextFetches(n: number, from?: number): void;
  /** Refuse the connection outright (server "down") until set false. */
  setDown(down: boolean): void;
  /** Answer esearch with PubMed's error JSON for this term. */
  setQueryError(message: string | null): void;
  /** The next efetch gets the history server's "Unable to obtain query" error. */
  expireWebEnvOnce(): void;
  close(): Promise<void>;
}

export async function startFakeEutils(): Promise<FakeEutils> {
  let pmids: string[] = [];
  let articles = new Map<string, string>();
  const failures: number[] = [];
  let cuts = 0;
  let cutFrom = 0;
  let down = false;
  let queryError: string | null = null;
  let expire = false;
  let envNo = 0;
  const requests: EutilsRequest[] = [];

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (down) return void req.socket.destroy();
      const url = new URL(req.url ?? '/', 'http://fake');
      const params = Object.fromEntries(new URLSearchParams(req.method === 'POST' ? body : url.search));
      const path = url.pathname.split('/').pop() ?? '';
      requests.push({ path, params, at: Date.now() });
      const status = failures.shift();
      if (status) {
        res.writeHead(status, { 'content-type': 'text/plain', ...(status === 429 ? { 'retry-after': '0' } : {}) });
        return void res.end(status === 429 ? '{"error":"API rate limit exceeded","count":"4"}' : 'Backend failure');
      }
      if (path === 'esearch.fcgi') {
        res.writeHead(200, { 'content-type': 'application/json' });
        if (queryError) return void res.end(JSON.stringify({ header: {}, esearchresult: { ERROR: queryError } }));
        envNo++;
        return void res.end(JSON.stringify({
          header: { type: 'esearch', version: '0.3' },
          esearchresult: { count: String(pmids.length), retmax: '0', retstart: '0', querykey: '1', webenv: `MCID_fake_${envNo}`, idlist: [], querytranslation: params.term },
        }));
      }
      if (path === 'efetch.fcgi') {
        if (expire || !String(params.WebEnv ?? '').startsWith('MCID_fake_')) {
          expire = false;
          res.writeHead(200, { 'content-type': 'text/xml' });
          return void res.end('<?xml version="1.0" encoding="UTF-8" ?>\n<eFetchResult>\n\t<ERROR>Unable to obtain query #1</ERROR>\n</eFetchResult>\n');
        }
        const start = Number(params.retstart ?? 0);
        const max = Number(params.retmax ?? 20);
        const xml = articleSet(pmids.slice(start, start + max).map((p) => articles.get(p) ?? ''));
        res.writeHead(200, { 'content-type': 'text/xml; charset=UTF-8', 'content-length': String(Buffer.byteLength(xml)) });
        if (cuts > 0 && start >= cutFrom) {
          cuts--;
          res.write(xml.slice(0, Math.floor(xml.length / 2)));
          return void setTimeout(() => req.socket.destroy(), 5);
        }
        return void res.end(xml);
      }
      res.writeHead(404).end('unknown E-utility');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/entrez/eutils/`,
    requests,
    setResults(p, a) {
      pmids = p;
      articles = a;
    },
    failNext: (...s) => void failures.push(...s),
    cutNextFetches(n, from = 0) {
      cuts = n;
      cutFrom = from;
    },
    setDown(d) {
      down = d;
    },
    setQueryError(m) {
      queryError = m;
    },
    expireWebEnvOnce() {
      expire = true;
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
