import { AuditLog } from '../audit/index.ts';
import { AppError, newId, surfaceKey } from '../core/index.ts';
import type { GraphEvent } from '../graph/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { CandidatesRepository } from './candidates.repository.ts';
import { type EntitiesRepository, toGraphEntity } from './entities.repository.ts';
import { type Merge, type MergeChanges, MergesRepository } from './merges.repository.ts';
import { appendOutbox, type RelationsRepository, recordHistory } from './relations.repository.ts';

/** The merge record and its schema live with their statements; exported here for the service's callers. */
export { type Merge, MergeSchema } from './merges.repository.ts';
type Changes = MergeChanges;

/**
 * Entity resolution decided by a reviewer: merge an entity into another (its aliases, relations and
 * candidates follow) or map a free-text surface onto an entity. Every merge records exactly what it
 * changed, so undo restores the previous state.
 */
export class MergeService {
  private readonly audit = new AuditLog();
  private readonly merges: MergesRepository;

  constructor(
    private readonly db: Database,
    private readonly entities: EntitiesRepository,
    private readonly candidates: CandidatesRepository,
    private readonly relations: RelationsRepository,
    private readonly emitRelation: (tx: Queryable, relationId: string) => Promise<void>,
    private readonly onChange: () => void = () => {},
  ) {
    this.merges = new MergesRepository(db);
  }

  list(limit = 100): Promise<Merge[]> {
    return this.merges.list(limit);
  }

  get(id: string): Promise<Merge | null> {
    return this.merges.get(id);
  }

  async mergeEntity(fromId: string, intoId: string, opts: { actor: string; comment?: string }): Promise<Merge> {
    const id = newId('merge');
    await this.db.transaction(async (tx) => {
      const from = await this.entities.require(fromId, 'fromId', tx);
      const into = await this.entities.require(intoId, 'intoId', tx);
      if (from.id === into.id) throw new AppError('VALIDATION_FAILED', '不能把实体合并到自身 / cannot merge an entity into itself', { field: 'intoId' });
      if (from.mergedInto) throw new AppError('STATE_CONFLICT', `${from.id} 已合并到 ${from.mergedInto} / already merged`, { field: 'fromId' });
      if (into.mergedInto) {
        // Merging into a merged entity would chain; a chain back to `from` would be a cycle of aliases.
        const target = await this.entities.canonicalId(into.id, tx);
        const reason = target === from.id ? '将形成别名环 / would create a cycle of aliases' : `目标已合并到 ${target} / target is itself merged`;
        throw new AppError('STATE_CONFLICT', `无法合并：${reason}`, { field: 'intoId', details: { canonical: target } });
      }
      if (from.type !== into.type) {
        throw new AppError('VALIDATION_FAILED', `类型不同（${from.type} → ${into.type}），不能合并 / types differ`, { field: 'intoId' });
      }
      const changes: Changes = { aliasKeys: [], relationsMoved: [], relationsFolded: [], candidates: [] };
      changes.aliasKeys = await this.entities.addAliases(tx, into.id, [from.nameZh, from.nameEn, ...from.aliases].filter(Boolean), 'merged', id);
      const events: GraphEvent[] = [{ type: 'entity.merge', fromId: from.id, intoId: into.id }];
      const touched = new Set<string>();
      for (const side of ['subject', 'object'] as const) {
        for (const r of await this.merges.activeRelationsOn(tx, side, from.id)) {
          const [s, o] = side === 'subject' ? [into.id, r.otherId] : [r.otherId, into.id];
          const dup = await this.relations.findActive(tx, s, r.predicate, o);
          if (dup) {
            // The target already states this: move the evidence there and retire the duplicate.
            await this.merges.foldRelation(tx, r.id, dup.id, `merged:${id}`);
            changes.relationsFolded.push({ id: r.id, into: dup.id, side });
            events.push({ type: 'relation.retire', relationId: r.id });
            touched.add(dup.id);
          } else {
            await this.merges.moveRelationSide(tx, r.id, side, into.id);
            changes.relationsMoved.push({ id: r.id, side });
            touched.add(r.id);
          }
          await recordHistory(tx, { relationId: r.id, action: 'entity_merged', actor: opts.actor, comment: opts.comment, before: { [`${side}Id`]: from.id }, after: { [`${side}Id`]: into.id, mergeId: id } });
        }
        const cands = await this.merges.repointPendingCandidates(tx, side, from.id, into.id);
        changes.candidates.push(...cands.map((c) => ({ id: c, side })));
      }
      await this.merges.setMergedInto(tx, from.id, into.id);
      await this.merges.insert(tx, { id, fromId: from.id, intoId: into.id, actor: opts.actor, comment: opts.comment, changes });
      await recordHistory(tx, { entityId: from.id, action: 'merged', actor: opts.actor, comment: opts.comment, after: { intoId: into.id, mergeId: id } });
      await this.audit.append(tx, { actor: opts.actor, action: 'review.merge', target: from.id, details: { intoId: into.id, mergeId: id } });
      const updatedInto = await this.entities.require(into.id, 'intoId', tx);
      events.push({ type: 'entity.upsert', entity: toGraphEntity(updatedInto) });
      await appendOutbox(tx, events);
      for (const rel of touched) await this.emitRelation(tx, rel);
    });
    this.onChange();
    return (await this.get(id)) as Merge;
  }

  /** A free-text surface (e.g. "GGO" from a model) becomes an alias of an entity; pending candidates that wrote it are resolved. */
  async mergeSurface(surface: string, intoId: string, opts: { actor: string; comment?: string }): Promise<Merge> {
    const id = await this.db.transaction((tx) => this.mergeSurfaceIn(tx, surface, intoId, opts));
    this.onChange();
    return (await this.get(id)) as Merge;
  }

  /** mergeSurface in the caller's transaction (the caller calls `changed()` after commit); returns the merge id. */
  async mergeSurfaceIn(tx: Queryable, surface: string, intoId: string, opts: { actor: string; comment?: string }): Promise<string> {
    const key = surfaceKey(surface);
    if (!key) throw new AppError('VALIDATION_FAILED', '别名为空 / surface is empty', { field: 'fromSurface' });
    const id = newId('merge');
    const into = await this.entities.require(intoId, 'intoId', tx);
    if (into.mergedInto) throw new AppError('STATE_CONFLICT', `目标已合并到 ${into.mergedInto} / target is itself merged`, { field: 'intoId' });
    const owners = await this.entities.byExactSurface(surface, tx);
    const clash = owners.find((o) => o.id !== into.id);
    if (clash) {
      throw new AppError('STATE_CONFLICT', `“${surface}”已是 ${clash.nameZh}（${clash.id}）的名称或别名；请合并实体 / surface already names ${clash.id}`, { field: 'fromSurface', details: { entityId: clash.id } });
    }
    const changes: Changes = { aliasKeys: [], relationsMoved: [], relationsFolded: [], candidates: [] };
    changes.aliasKeys = await this.entities.addAliases(tx, into.id, [surface], 'merged', id);
    const resolved = await this.candidates.resolveSurface(tx, key, into.id, surfaceKey);
    changes.candidates = [...resolved.subject.map((c) => ({ id: c, side: 'subject' as const })), ...resolved.object.map((c) => ({ id: c, side: 'object' as const }))];
    await this.merges.insert(tx, { id, fromSurface: surface, intoId: into.id, actor: opts.actor, comment: opts.comment, changes });
    await recordHistory(tx, { entityId: into.id, action: 'alias_added', actor: opts.actor, comment: opts.comment, after: { surface, mergeId: id } });
    await this.audit.append(tx, { actor: opts.actor, action: 'review.merge', target: into.id, details: { surface, mergeId: id } });
    const updated = await this.entities.require(into.id, 'intoId', tx);
    await appendOutbox(tx, [{ type: 'entity.upsert', entity: toGraphEntity(updated) }]);
    return id;
  }

  /** Tell listeners the vocabulary changed (after a caller's transaction that used mergeSurfaceIn committed). */
  changed(): void {
    this.onChange();
  }

  /** Reverse a merge exactly: aliases, relations, evidence and candidates go back to where they were. */
  async undo(mergeId: string, opts: { actor: string }): Promise<Merge> {
    await this.db.transaction(async (tx) => {
      const m = await this.merges.lock(tx, mergeId);
      if (!m) throw new AppError('NOT_FOUND', `合并记录不存在 / unknown merge ${mergeId}`, { field: 'id' });
      if (m.undoneAt) throw new AppError('STATE_CONFLICT', `合并 ${mergeId} 已撤销 / merge already undone`, { field: 'id' });
      const events: GraphEvent[] = [];
      const touched = new Set<string>();
      await this.merges.removeAliases(tx, mergeId);
      if (m.fromId) {
        const later = await this.merges.laterDependent(tx, mergeId, m.fromId, m.intoId);
        if (later) {
          throw new AppError('STATE_CONFLICT', `之后的合并 ${later} 依赖本次合并，请先撤销它 / undo the later merge ${later} first`, { field: 'id' });
        }
        await this.merges.setMergedInto(tx, m.fromId, null);
        const from = await this.entities.require(m.fromId, 'fromId', tx);
        events.push({ type: 'entity.upsert', entity: toGraphEntity(from) });
        for (const r of m.changes.relationsMoved) {
          await this.merges.moveRelationSide(tx, r.id, r.side, m.fromId, { onlyActive: true });
          touched.add(r.id);
        }
        for (const r of m.changes.relationsFolded) {
          await this.merges.unfoldRelation(tx, r.id, r.into);
          touched.add(r.id);
          touched.add(r.into);
        }
        for (const c of m.changes.candidates) await this.merges.setPendingCandidateSide(tx, c.id, c.side, m.fromId);
      } else {
        for (const c of m.changes.candidates) await this.merges.setPendingCandidateSide(tx, c.id, c.side, null);
      }
      await this.merges.markUndone(tx, mergeId, opts.actor);
      await recordHistory(tx, { entityId: m.fromId ?? m.intoId, action: 'merge_undone', actor: opts.actor, after: { mergeId } });
      await this.audit.append(tx, { actor: opts.actor, action: 'review.unmerge', target: mergeId, details: { fromId: m.fromId, fromSurface: m.fromSurface, intoId: m.intoId } });
      const into = await this.entities.require(m.intoId, 'intoId', tx);
      events.push({ type: 'entity.upsert', entity: toGraphEntity(into) });
      await appendOutbox(tx, events);
      for (const rel of touched) await this.emitRelation(tx, rel);
    });
    this.onChange();
    return (await this.get(mergeId)) as Merge;
  }
}
