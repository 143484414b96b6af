import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { loadConfig } from '../core/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';
import { testRuntime } from './helpers/runtime.ts';

/** Issue 20 item 4: backends chosen by name through a typed registry, failing fast; every adapter closed on shutdown. */
describe('backend registry (YZ_STORE, YZ_GRAPH)', () => {
  const refused = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (e) {
      return e as { code: string; field: string; message: string };
    }
    throw new Error(`accepted ${JSON.stringify(env)}`);
  };

  it('names the setting a chosen backend is missing, and lists the valid names for an unknown one', () => {
    expect(refused({ YZ_STORE: 'postgres' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'DATABASE_URL', message: expect.stringContaining('YZ_STORE=postgres needs DATABASE_URL') });
    expect(refused({ YZ_GRAPH: 'neo4j' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'NEO4J_URL', message: expect.stringContaining('YZ_GRAPH=neo4j needs NEO4J_URL') });
    expect(refused({ YZ_STORE: 'mysql' })).toMatchObject({ field: 'YZ_STORE', message: expect.stringContaining('pglite, postgres') });
    expect(refused({ YZ_GRAPH: 'networkx' })).toMatchObject({ field: 'YZ_GRAPH', message: expect.stringContaining('postgres, neo4j') });
  });

  it('runs the backend it is told to, whatever else is set; older configurations are inferred and marked so', () => {
    const url = 'postgres://u:p@127.0.0.1:1/db';
    expect(loadConfig({})).toMatchObject({ store: { name: 'pglite', chosenBy: 'default' }, graph: { name: 'postgres', chosenBy: 'default' }, databaseUrl: undefined, neo4j: undefined });
    // A stray DATABASE_URL / NEO4J_URL in the environment does not switch a named backend.
    expect(loadConfig({ YZ_STORE: 'pglite', DATABASE_URL: url, YZ_GRAPH: 'postgres', NEO4J_URL: 'bolt://127.0.0.1:1' })).toMatchObject({
      store: { name: 'pglite', chosenBy: 'named' }, databaseUrl: undefined, graph: { name: 'postgres' }, neo4j: undefined,
    });
    expect(loadConfig({ YZ_STORE: 'postgres', DATABASE_URL: url })).toMatchObject({ store: { name: 'postgres', chosenBy: 'named' }, databaseUrl: url });
    expect(loadConfig({ DATABASE_URL: url, NEO4J_URL: 'bolt://127.0.0.1:1' })).toMatchObject({
      store: { name: 'postgres', chosenBy: 'inferred' }, databaseUrl: url, graph: { name: 'neo4j', chosenBy: 'inferred' }, neo4j: { url: 'bolt://127.0.0.1:1' },
    });
  });
});

describe('shutdown closes every adapter', () => {
  let fake: FakeLlmServer;
  let rt: Runtime;
  beforeAll(async () => {
    fake = await startFakeLlmServer();
    rt = await testRuntime({ YZ_LLM: 'ollama', YZ_LLM_URL: fake.url, YZ_LLM_MODEL: 'fake-model', YZ_EMBEDDER: 'ollama', YZ_EMBED_URL: fake.url, YZ_EMBED_MODEL: 'fake-embed' });
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
    await fake?.close();
  });

  it('closing the app (Fastify onClose) closes the runtime once: database, graph store, model, parser threads', async () => {
    const app = await buildApp(rt, { closeRuntime: true });
    await app.ready();
    const closed: string[] = [];
    const spy = <T extends { close(): Promise<void> }>(name: string, target: T) => {
      const close = target.close.bind(target);
      target.close = async () => {
        closed.push(name);
        return close();
      };
    };
    spy('db', rt.db);
    spy('graph', rt.knowledge.graph);
    spy('parser', rt.parser);
    spy('llm', rt.activeModel);
    await app.close();
    expect(closed.sort()).toEqual(['db', 'graph', 'llm', 'parser']);
    await expect(rt.db.query('SELECT 1')).rejects.toThrow();
    // A second close (a signal handler after onClose) is the same shutdown, not a second one.
    await rt.close();
    expect(closed).toHaveLength(4);
  });
});
