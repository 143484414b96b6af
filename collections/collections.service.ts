import { AuditLog } from '../audit/index.ts';
import { AppError, type KnowledgeScope, newId, type ScopeResolver, type Viewer } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { type Collection, type CollectionInput, CollectionInputSchema, type CollectionPatch, CollectionPatchSchema } from './collection.schema.ts';
import { CollectionsRepository } from './collections.repository.ts';

/** A demo collection and the demo sources it holds (runtime/demo-loader.ts). */
export interface DemoCollection {
  name: string;
  description: string;
  roles: Collection['roles'];
  sourceIds: string[];
}

/**
 * Collections (knowledge bases) with per-role visibility (issue 14 item 3). A collection is shown to the roles it
 * names; admins and source managers (`sources.manage`) see every collection — they decide who sees what, so hiding
 * one from them would protect nothing. Every change is one transaction with its audit row. As the ScopeResolver,
 * this is where search, chat and the source pages learn what a caller may read: the rule is enforced here, on the
 * server, never only in the UI.
 */
export class CollectionsService implements ScopeResolver {
  private readonly repo = new CollectionsRepository();
  private readonly audit = new AuditLog();

  constructor(private readonly deps: { db: Database }) {}

  /** The collections `viewer` may see (every one for a manager or a local command), the default first. */
  async list(viewer: Viewer | null): Promise<Collection[]> {
    const all = await this.repo.list(this.deps.db);
    return all.filter((c) => canSee(viewer, c));
  }

  /** One collection by id or name; COLLECTION_NOT_FOUND when absent or hidden from `viewer`. */
  async require(idOrName: string, viewer: Viewer | null, q: Queryable = this.deps.db): Promise<Collection> {
    const c = await this.repo.find(q, idOrName);
    if (!c || !canSee(viewer, c)) throw notFound(idOrName);
    return c;
  }

  /** Create a collection; a name already used (ignoring case) is COLLECTION_NAME_TAKEN. Audited as `collection.create`. */
  async create(input: CollectionInput, actor: string, opts: { demo?: boolean } = {}): Promise<Collection> {
    const v = parse(CollectionInputSchema, input);
    return this.deps.db.transaction(async (tx) => {
      if (await this.repo.nameTaken(tx, v.name)) throw nameTaken(v.name);
      const id = newId('col');
      const roles = [...new Set(v.roles)];
      await this.repo.insert(tx, { id, name: v.name, description: v.description, roles, demo: opts.demo, createdBy: actor });
      await this.audit.append(tx, { actor, action: 'collection.create', target: id, details: { name: v.name, roles } });
      return this.require(id, null, tx);
    });
  }

  /** Rename, describe or change who sees it; audited as `collection.edit` with before and after. */
  async update(id: string, patch: CollectionPatch, actor: string): Promise<Collection> {
    const v = parse(CollectionPatchSchema, patch);
    return this.deps.db.transaction(async (tx) => {
      const before = await this.require(id, null, tx);
      if (v.name !== undefined && (await this.repo.nameTaken(tx, v.name, before.id))) throw nameTaken(v.name);
      const next = { ...v, ...(v.roles ? { roles: [...new Set(v.roles)] } : {}) };
      await this.repo.update(tx, before.id, next);
      await this.audit.append(tx, {
        actor, action: 'collection.edit', target: before.id,
        details: { before: { name: before.name, description: before.description, roles: before.roles }, after: next },
      });
      return this.require(before.id, null, tx);
    });
  }

  /** Delete a collection (its sources stay, in their other collections); the default one cannot go. Audited. */
  async delete(id: string, actor: string): Promise<Collection> {
    return this.deps.db.transaction(async (tx) => {
      const c = await this.require(id, null, tx);
      if (c.isDefault) throw new AppError('STATE_CONFLICT', `「${c.name}」是默认知识库，新导入的来源都归入它，不能删除`, { field: 'id' });
      await this.repo.delete(tx, c.id);
      await this.audit.append(tx, { actor, action: 'collection.delete', target: c.id, details: { name: c.name, sources: c.sourceCount } });
      return c;
    });
  }

  /** Put sources into a collection (already there: skipped); an unknown source id is NOT_FOUND naming it. Audited. */
  async addSources(id: string, sourceIds: string[], actor: string): Promise<{ collection: Collection; changed: string[] }> {
    return this.deps.db.transaction(async (tx) => {
      const c = await this.require(id, null, tx);
      const ids = [...new Set(sourceIds)];
      const known = await this.repo.existingSources(tx, ids);
      const missing = ids.filter((s) => !known.has(s));
      if (missing.length) throw new AppError('NOT_FOUND', `来源不存在：${missing.slice(0, 5).join('、')}`, { field: 'sourceIds', details: { missing } });
      const changed = await this.repo.addSources(tx, c.id, ids, actor);
      await this.audit.append(tx, { actor, action: 'collection.add_sources', target: c.id, details: { name: c.name, sourceIds: changed } });
      return { collection: await this.require(c.id, null, tx), changed };
    });
  }

  /** Take sources out of a collection (the sources themselves stay). Audited. */
  async removeSources(id: string, sourceIds: string[], actor: string): Promise<{ collection: Collection; changed: string[] }> {
    return this.deps.db.transaction(async (tx) => {
      const c = await this.require(id, null, tx);
      const changed = await this.repo.removeSources(tx, c.id, [...new Set(sourceIds)]);
      await this.audit.append(tx, { actor, action: 'collection.remove_sources', target: c.id, details: { name: c.name, sourceIds: changed } });
      return { collection: await this.require(c.id, null, tx), changed };
    });
  }

  /** The collections (visible to `viewer`) each source belongs to, for the sources list. */
  async membership(sourceIds: string[], viewer: Viewer | null): Promise<Map<string, Array<{ id: string; name: string }>>> {
    const [visible, members] = await Promise.all([this.list(viewer), this.repo.membership(this.deps.db, sourceIds)]);
    const byId = new Map(visible.map((c) => [c.id, { id: c.id, name: c.name }]));
    return new Map([...members].map(([s, ids]) => [s, ids.flatMap((i) => byId.get(i) ?? [])]));
  }

  async resolve(viewer: Viewer | null, requested: readonly string[] = []): Promise<KnowledgeScope> {
    const wanted = [...new Set(requested.map((r) => r.trim()).filter(Boolean))];
    let ids: string[] | null;
    if (wanted.length) {
      ids = [];
      for (const w of wanted) ids.push((await this.require(w, viewer)).id);
    } else {
      ids = seesAll(viewer) ? null : (await this.list(viewer)).map((c) => c.id);
    }
    const collectionIds = ids;
    return {
      collectionIds,
      visible: async (sourceIds) => (collectionIds === null ? new Set(sourceIds) : this.repo.sourcesIn(this.deps.db, [...new Set(sourceIds)], collectionIds)),
    };
  }

  /**
   * The demo corpus's collections (胸部组, 神经组, 文献 …): made with their demo sources when missing (audited as
   * `system`). One that exists is left as it is — an admin's edits to it, or its removal of a source, stay.
   */
  async ensureDemo(specs: DemoCollection[]): Promise<void> {
    for (const spec of specs) {
      if (await this.repo.find(this.deps.db, spec.name)) continue;
      const c = await this.create({ name: spec.name, description: spec.description, roles: spec.roles }, 'system', { demo: true });
      const known = await this.repo.existingSources(this.deps.db, spec.sourceIds);
      if (known.size) await this.addSources(c.id, [...known], 'system');
    }
  }
}

/** Admins, source managers and local commands (no viewer) see every collection. */
function seesAll(viewer: Viewer | null): boolean {
  return viewer === null || viewer.role === 'admin' || viewer.permissions.includes('sources.manage');
}

function canSee(viewer: Viewer | null, c: Collection): boolean {
  return seesAll(viewer) || (c.roles as string[]).includes(viewer?.role ?? '');
}

function notFound(idOrName: string): AppError {
  return new AppError('COLLECTION_NOT_FOUND', `知识库「${idOrName.slice(0, 60)}」不存在或您无权查看`, { field: 'collection' });
}

function nameTaken(name: string): AppError {
  return new AppError('COLLECTION_NAME_TAKEN', `已有同名知识库「${name}」，请换一个名称`, { field: 'name' });
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new AppError('VALIDATION_FAILED', `${FIELD_NAMES[String(issue?.path[0])] ?? String(issue?.path[0] ?? '')}：${issue?.message ?? '无效'}`, { field: String(issue?.path[0] ?? '') });
}

const FIELD_NAMES: Record<string, string> = { name: '名称', description: '说明', roles: '可见角色' };
