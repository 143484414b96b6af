import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../bench/random.ts';
import { DEMO, startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are walked generically
type Json = any;

/** Values that break naive servers: injection, traversal, control and astral characters, huge and odd numbers. */
const NASTY_STRINGS = [
  '', ' ', "' OR 1=1 --", '"; DROP TABLE sources; --', '../../etc/passwd', '%00', '\u0000', '😀🩻', '肺结节', 'ＧＧＯ',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style probe is meant literally
  '<script>alert(1)</script>', '${jndi:ldap://x}', 'a'.repeat(5000), '%', '_', '\\', 'null', 'NaN', '-1', '1e309', '{"a":1}',
];
const NASTY_NUMBERS = [0, -1, 1, 2 ** 31, -(2 ** 53), 1e308, 0.5, Number.NaN];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** A value for a JSON schema: usually of the declared type with a hostile value, sometimes of a wrong type. */
function valueFor(schema: Json, r: () => number, depth = 0): unknown {
  if (r() < 0.15) return pick(r, [null, 42, 'x', true, [], {}]);
  const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
  if (schema?.enum && r() < 0.6) return pick(r, schema.enum);
  if (schema?.anyOf || schema?.oneOf) return valueFor(pick(r, schema.anyOf ?? schema.oneOf), r, depth);
  switch (type) {
    case 'integer':
    case 'number':
      return pick(r, NASTY_NUMBERS);
    case 'boolean':
      return r() < 0.5;
    case 'array':
      return depth > 2 ? [] : Array.from({ length: Math.floor(r() * 3) }, () => valueFor(schema.items, r, depth + 1));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) if (r() < 0.8 && depth < 3) out[k] = valueFor(v, r, depth + 1);
      if (r() < 0.2) out.unexpected = 'field';
      return out;
    }
    default:
      return pick(r, NASTY_STRINGS);
  }
}

/**
 * A property-based run over the OpenAPI document (the schemathesis idea, in-process): every operation is called
 * many times with generated path parameters, query strings and JSON bodies — hostile strings, wrong types,
 * missing and extra fields — as an admin. No answer may be a 5xx.
 */
describe('API fuzzing over the OpenAPI spec', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer([path.join(DEMO, 'lung-nodule-guideline.md')]);
    await srv.rt.runner.drain();
  }, 180_000);
  afterAll(() => srv?.close());

  it('answers every generated request without a server error', async () => {
    const spec = (await (await fetch(`${srv.url}/docs/json`, { headers: srv.auth })).json()) as Json; // /docs needs a signed-in caller
    const r = rng(20261125);
    const failures: string[] = [];
    let requests = 0;
    let operations = 0;
    const skip = new Set(['/api/auth/logout', '/api/auth/password', '/api/chat']);
    for (const [route, item] of Object.entries<Json>(spec.paths)) {
      if (skip.has(route)) continue;
      for (const [method, op] of Object.entries<Json>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        operations++;
        const params: Json[] = op.parameters ?? [];
        const bodySchema = op.requestBody?.content?.['application/json']?.schema;
        for (let i = 0; i < 16; i++) {
          const url = route.replace(/\{(\w+)\}/g, () => encodeURIComponent(String(pick(r, NASTY_STRINGS) || 'x')));
          const qs = new URLSearchParams();
          for (const p of params.filter((x) => x.in === 'query')) if (r() < 0.7) qs.set(p.name, String(valueFor(p.schema, r)));
          const body = bodySchema ? (r() < 0.1 ? '{"truncated": ' : JSON.stringify(valueFor(bodySchema, r))) : undefined;
          const res = await fetch(`${srv.url}${url}${qs.size ? `?${qs}` : ''}`, {
            method: method.toUpperCase(),
            headers: { ...srv.auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
            body,
          });
          await res.arrayBuffer();
          requests++;
          if (res.status >= 500) failures.push(`${method.toUpperCase()} ${url}?${qs} ${body?.slice(0, 200) ?? ''} → ${res.status}`);
        }
      }
    }
    process.stdout.write(`API fuzz: ${operations} operations, ${requests} requests, ${failures.length} server errors\n`);
    expect(operations).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  }, 300_000);

  it('refuses an oversized JSON body with 413 and the error shape, before reading it all', async () => {
    const res = await fetch(`${srv.url}/api/literature/watches`, {
      method: 'POST',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'big', query: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Json).error.code).toBeTruthy();
  });
});
