import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of DESIGN.md ("Layout"), held by a scan of the tree (issue 20 item 1):
 *   faces (api/ routes, cli/ commands) → application services → repositories and ports → store adapters.
 * Each allow-list entry names what is still outside the rule and why; shrink them, never grow them silently.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const SERVER_DIRS = ['agents', 'api', 'audit', 'auth', 'cases', 'cli', 'collections', 'connectors', 'core', 'graph', 'imaging', 'ingest', 'keys', 'knowledge', 'literature', 'llm', 'reporting', 'runtime', 'search', 'store', 'teaching'];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...tsFiles(rel));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Code without comments, so a JSDoc sentence mentioning SELECT is no finding. */
function code(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

// ---------------------------------------------------------------------------------------------------------
// (a) SQL lives in migrations, `*.repository.ts` and the store's adapters.

/** A call that sends text to the database, or a string that starts like a statement. */
const SQL_PATTERNS: Array<[string, RegExp]> = [
  ['query call', /\.(query|exec)\s*(<[^>]*>)?\s*\(\s*[`'"]/],
  ['SQL text', /[`'"]\s*(SELECT\s[\s\S]{0,200}?\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS\s*\(|CREATE\s+(TABLE|INDEX|UNIQUE|EXTENSION)|ALTER\s+TABLE|TRUNCATE\s|LOCK\s+TABLE|SET\s+LOCAL)\b/i],
];

/** Where SQL belongs: the store's own adapters (connections, migrations, locks, the job queue, which is the store's repository). */
const SQL_HOMES = [/\.repository\.ts$/, /^store\//];

/**
 * Files that still hold SQL outside a repository, with the reason. Issue 20 item 1 named review.service.ts and
 * merge.service.ts (both moved into repositories); the rest predate the rule. Each is a follow-up: move its statements into a repository.
 */
const SQL_ALLOWED: Record<string, string> = {
  'graph/pg-graph-store.ts': 'the Postgres GraphStore adapter: its SQL is the adapter (like store/)',
  'graph/neo4j-schema.ts': 'Cypher schema statements of the Neo4j adapter, not SQL',
  'connectors/probes.ts': "a database connector's health probe against the external database it names",
  'audit/audit-log.ts': 'the audit chain append (one statement under the chain lock)',
  'audit/chain-upgrade.ts': 'chain keying at start',
  'audit/verify.ts': 'chain verification reads',
  'audit/archive.ts': 'archive export',
  'audit/checkpoint.ts': 'signed checkpoints',
  'audit/retention.ts': 'retention floor',
};

function sqlFindings(): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of SERVER_DIRS) {
    for (const file of tsFiles(dir)) {
      if (SQL_HOMES.some((re) => re.test(file))) continue;
      const text = code(file);
      for (const [what, re] of SQL_PATTERNS) {
        const m = re.exec(text);
        if (m) {
          found.set(file, `${what}: ${m[0].slice(0, 80)}`);
          break;
        }
      }
    }
  }
  return found;
}

describe('architecture: SQL only in repositories, migrations and store adapters', () => {
  const findings = sqlFindings();

  it('no file outside them sends SQL to the database, except the named allow-list', () => {
    const unexpected = [...findings].filter(([file]) => !(file in SQL_ALLOWED)).map(([file, why]) => `${file} — ${why}`);
    expect(unexpected, 'move these statements into a *.repository.ts').toEqual([]);
  });

  it('the allow-list names only files that still hold SQL (shrinks as they are fixed)', () => {
    const stale = Object.keys(SQL_ALLOWED).filter((file) => !findings.has(file));
    expect(stale, 'remove these from SQL_ALLOWED: they hold no SQL any more').toEqual([]);
  });

  it('api/ and cli/ hold no SQL at all', () => {
    expect([...findings.keys()].filter((f) => f.startsWith('api/') || f.startsWith('cli/'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// (b) Faces call services only.

/** Runtime members that are the plumbing behind the services: a face that touches them reaches past the layer. */
const PLUMBING = ['db', 'runner', 'handlers', 'parser', 'sources', 'tables', 'ingest', 'sourceAdmin', 'knowledge', 'embedder', 'keyring', 'llmUsage', 'activeModel', 'lexicon', 'tokenizer'];
/** Service members that are repositories or adapters (a face reaching `services.knowledge.projector`, etc.). */
const INNER = ['projector', 'resolver', 'candidates', 'relations', 'entities', 'merges', 'graph', 'watches', 'records', 'repo', 'db'];

/** What a face may import from another folder: a capability's public contract (index.ts). */
const CONTRACT = /^(\.\.\/)+(agents|api|audit|auth|cases|collections|connectors|core|graph|imaging|ingest|keys|knowledge|literature|llm|reporting|runtime|search|store|teaching)\/index\.ts$/;

/**
 * Faces that are process entry points rather than use cases, with the reason:
 * - cli/commands/start.ts is the server's composition root (createRuntime, buildApp, the demo loader).
 * - cli/commands/users.ts and keys.ts open the database alone, without the runtime, so an admin can reset a
 *   password or rotate keys while the server runs elsewhere; they use AuthService / the keys capability.
 * - cli/commands/eval.ts runs the evaluation harness (evals/), which builds its own corpus.
 * - cli/with-runtime.ts opens the small search root (runtime/search-runtime.ts) by its own module: importing
 *   runtime/index.ts loads every capability, which is the start-up cost the search root exists to avoid.
 */
const FACE_ALLOWED: Record<string, RegExp[]> = {
  'cli/commands/start.ts': [/createRuntime|buildApp|loadDemoCorpus/],
  'cli/commands/users.ts': [/openAuditedDatabase/, /\bdb\b/],
  'cli/commands/keys.ts': [/openAuditedDatabase/, /\bdb\b/],
  'cli/commands/eval.ts': [/evals\/harness/],
  'cli/with-runtime.ts': [/^\.\.\/runtime\/search-runtime\.ts$/],
};

function faceFindings(file: string, text = code(file)): string[] {
  const allowed = FACE_ALLOWED[file] ?? [];
  const findings: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
    const spec = m[1];
    if (!spec.startsWith('.')) continue; // packages and node: builtins
    if (spec.startsWith('./') && !spec.includes('/..')) continue; // the face's own helpers
    if (file.startsWith('cli/commands/') && /^\.\.\/[a-z-]+\.ts$/.test(spec)) continue; // cli/ helpers
    if (CONTRACT.test(spec)) continue;
    if (allowed.some((re) => re.test(spec))) continue;
    findings.push(`imports ${spec}`);
  }
  for (const m of text.matchAll(/\b(?:rt|runtime|s|services)\.([a-zA-Z]+)(?:\.([a-zA-Z]+))?/g)) {
    const [all, member, inner] = m;
    const isMethod = text[(m.index ?? 0) + all.length] === '('; // knowledge.candidates(…) is a service method, not a repository
    // `sources` and `knowledge` are services on Services (and plumbing only on Runtime, which faces do not get).
    if (PLUMBING.includes(member) && !['sources', 'knowledge'].includes(member)) {
      if (!allowed.some((re) => re.test(all))) findings.push(`uses ${all}`);
    } else if (inner && !isMethod && INNER.includes(inner) && member !== 'graph') findings.push(`uses ${all}`);
  }
  // Value imports from the store (the queue, the runner, databases): schemas and types only.
  for (const m of text.matchAll(/import\s+\{([^}]*)\}\s+from\s+'(?:\.\.\/)+store\/index\.ts'/g)) {
    for (const name of m[1].split(',').map((n) => n.trim()).filter(Boolean)) {
      if (!name.startsWith('type ') && !/Schema$|^JOB_STATUSES$/.test(name)) findings.push(`imports ${name} from store`);
    }
  }
  return findings;
}

describe('architecture: api/ and cli/ call services only', () => {
  const faces = [...tsFiles('api'), ...tsFiles('cli')];

  it('routes and commands import only capability contracts and reach no database, queue, runner, repository or projector', () => {
    const all = faces.flatMap((f) => faceFindings(f).map((x) => `${f}: ${x}`));
    expect(all).toEqual([]);
  });

  it('routes are built from the services, not the runtime', () => {
    const routes = faces.filter((f) => f.endsWith('.routes.ts'));
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.filter((f) => /\bRuntime\b/.test(code(f)))).toEqual([]);
  });

  it('finds a reach-through when one is planted (the scan is not blind)', () => {
    const planted = "import { JobQueue } from '../store/index.ts';\nimport { CandidatesRepository } from '../knowledge/candidates.repository.ts';\nawait rt.db.query('SELECT 1');\nrt.runner.wake();\nrt.knowledge.projector.catchUp();";
    expect(faceFindings('api/planted.routes.ts', planted)).toEqual([
      'imports ../knowledge/candidates.repository.ts',
      'uses rt.db.query',
      'uses rt.runner.wake',
      'uses rt.knowledge.projector',
      'imports JobQueue from store',
    ]);
    expect(SQL_PATTERNS.some(([, re]) => re.test("db.query('SELECT id FROM chunks WHERE id = $1')"))).toBe(true);
  });
});
