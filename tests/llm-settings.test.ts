import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.ts';
import { ActiveModel, LlmSettingsRepository } from '../llm/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';
import { ROOT, startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = any;

const FIXTURE = path.join(ROOT, 'tests/fixtures/real-model/nodule-followup.md');

/** Switching the model from Settings: admin only, tried before it is stored, audited, used by the next call. */
describe('LLM settings: switch the active model without environment variables', () => {
  let fake: FakeLlmServer;
  let srv: TestServer;
  let admin: Record<string, string>;
  const call = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${srv.url}${url}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    fake = await startFakeLlmServer({ script: () => ({ text: '纯磨玻璃结节直径 6 mm 及以上者推荐 6～12 个月复查薄层 CT [1]。', pieceChars: 4 }) });
    srv = await startTestServer([FIXTURE], { YZ_MASTER_KEY: randomBytes(16).toString('hex'), YZ_AUTO_EXTRACT: 'off' });
    admin = srv.auth;
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await fake?.close();
  });

  it('starts from the environment (YZ_LLM=none) and only an admin may switch', async () => {
    const { body } = await call('GET', '/api/llm/status', admin);
    expect(body).toMatchObject({ kind: 'none', source: { kind: 'environment' }, loaded: null });
    const resident = await srv.tokenFor('resident');
    expect((await call('PUT', '/api/llm/settings', resident, { kind: 'ollama', url: fake.url, model: 'fake-model' })).status).toBe(403);
    expect((await call('PUT', '/api/llm/settings', await srv.tokenFor('technician'), { kind: 'none' })).status).toBe(403);
  });

  it('refuses a choice that does not work, naming what is wrong, and changes nothing', async () => {
    const absent = await call('PUT', '/api/llm/settings', admin, { kind: 'ollama', url: fake.url, model: 'absent-model' });
    expect(absent).toMatchObject({ status: 503, body: { error: { code: 'LLM_UNAVAILABLE', field: 'YZ_LLM_MODEL' } } });
    const local = await call('PUT', '/api/llm/settings', admin, { kind: 'embedded', model: 'qwen-7b' });
    expect(local).toMatchObject({ status: 503, body: { error: { code: 'MODEL_NOT_INSTALLED', field: 'model' } } });
    expect((await call('PUT', '/api/llm/settings', admin, { kind: 'openai', url: 'ftp://x', model: 'm' })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'url' });
    expect(srv.rt.llm).toBeNull();
  });

  it('switches to a server model: stored, audited, used by the next chat, and seen by another process', async () => {
    const res = await call('PUT', '/api/llm/settings', admin, { kind: 'ollama', url: fake.url, model: 'fake-model' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'ollama', model: 'fake-model', reachable: true, source: { kind: 'settings', updatedBy: 'test-admin' } });
    const { rows } = await srv.rt.db.query<{ actor: string; details: Json }>(`SELECT actor, details FROM audit_log WHERE action = 'llm.settings' ORDER BY seq`);
    expect(rows.at(-1)).toMatchObject({ actor: 'test-admin', details: { op: 'set', from: { kind: 'none' }, to: { kind: 'ollama', model: 'fake-model' } } });

    const answer = await srv.rt.chat.ask({ message: '纯磨玻璃结节多久复查？', actor: 'test-admin' });
    expect(answer.engine).toBe('llm');
    expect(fake.requests.length).toBeGreaterThan(0);
    const status = (await call('GET', '/api/llm/status', admin)).body;
    expect(status.speed.calls).toBeGreaterThan(0);
    expect(status.speed.genTokensPerSec).toBeGreaterThan(0);

    // Another process on the same database: its ActiveModel reads the stored choice.
    const other = new ActiveModel({ env: loadConfig({}).llm, settings: new LlmSettingsRepository(srv.rt.db), resolveConnector: () => Promise.reject(new Error('unused')) });
    await other.init();
    expect(other.current?.model).toBe('fake-model');
    expect(other.source).toMatchObject({ kind: 'settings' });
    await other.close();
  });

  it('makes an LLM connector the active model, with its API key', async () => {
    const created = await call('POST', '/api/connectors', admin, { kind: 'llm', name: '院内大模型网关', config: { provider: 'openai', url: `${fake.url}/v1`, model: 'fake-model', apiKey: 'sk-gateway' } });
    expect(created.status).toBe(201);
    const res = await call('PUT', '/api/llm/settings', admin, { kind: 'connector', connectorId: created.body.id });
    expect(res.body).toMatchObject({ kind: 'openai', model: 'fake-model', source: { kind: 'settings', connector: '院内大模型网关' } });
    fake.requests.length = 0;
    await srv.rt.chat.ask({ message: '纯磨玻璃结节多久复查？', actor: 'test-admin' });
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer sk-gateway');
    const disabled = await call('PUT', `/api/connectors/${created.body.id}`, admin, { kind: 'llm', name: '院内大模型网关', enabled: false, config: { provider: 'openai', url: `${fake.url}/v1`, model: 'fake-model' } });
    expect(disabled.status).toBe(200);
    expect((await call('PUT', '/api/llm/settings', admin, { kind: 'connector', connectorId: created.body.id })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'connectorId' });
    expect((await call('PUT', '/api/llm/settings', admin, { kind: 'connector', connectorId: 'con_missing' })).status).toBe(404);
  });

  it('resets to the environment (audited)', async () => {
    const res = await call('DELETE', '/api/llm/settings', admin);
    expect(res.body).toMatchObject({ kind: 'none', source: { kind: 'environment' } });
    expect(srv.rt.llm).toBeNull();
    const { rows } = await srv.rt.db.query<{ details: Json }>(`SELECT details FROM audit_log WHERE action = 'llm.settings' ORDER BY seq DESC LIMIT 1`);
    expect(rows[0].details).toMatchObject({ op: 'reset' });
    expect((await srv.rt.chat.ask({ message: '纯磨玻璃结节多久复查？', actor: 'test-admin' })).engine).toBe('extractive');
  });
});
