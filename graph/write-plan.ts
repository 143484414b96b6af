import type { GraphEntity, GraphEvent, GraphRelation } from './types.ts';

/** One batched write; a store turns each step into a few set-based statements. */
export type WriteStep =
  | { kind: 'entities'; entities: GraphEntity[] }
  | { kind: 'relations'; relations: GraphRelation[] }
  | { kind: 'retire'; relationIds: string[] }
  | { kind: 'remove'; entityIds: string[] }
  | { kind: 'merge'; fromId: string; intoId: string };

/**
 * Fold runs of consecutive events of one kind into one step, keeping the result of applying them one
 * by one: the last upsert of an entity wins; of several upserts of a relation the highest version wins
 * (the later one on a tie). Merges stay single steps because each one depends on the graph before it.
 */
export function planWrites(events: GraphEvent[]): WriteStep[] {
  const steps: WriteStep[] = [];
  for (const e of events) {
    const last = steps[steps.length - 1];
    switch (e.type) {
      case 'entity.upsert':
        if (last?.kind === 'entities') last.entities.push(e.entity);
        else steps.push({ kind: 'entities', entities: [e.entity] });
        break;
      case 'relation.upsert':
        if (last?.kind === 'relations') last.relations.push(e.relation);
        else steps.push({ kind: 'relations', relations: [e.relation] });
        break;
      case 'relation.retire':
        if (last?.kind === 'retire') last.relationIds.push(e.relationId);
        else steps.push({ kind: 'retire', relationIds: [e.relationId] });
        break;
      case 'entity.remove':
        if (last?.kind === 'remove') last.entityIds.push(e.entityId);
        else steps.push({ kind: 'remove', entityIds: [e.entityId] });
        break;
      case 'entity.merge':
        steps.push({ kind: 'merge', fromId: e.fromId, intoId: e.intoId });
        break;
    }
  }
  for (const s of steps) {
    if (s.kind === 'entities') s.entities = latestEntities(s.entities);
    else if (s.kind === 'relations') s.relations = latestRelations(s.relations);
    else if (s.kind === 'retire') s.relationIds = [...new Set(s.relationIds)];
    else if (s.kind === 'remove') s.entityIds = [...new Set(s.entityIds)];
  }
  return steps;
}

/** One entity per id, the last one given (a statement may not update the same row twice). */
export function latestEntities(entities: GraphEntity[]): GraphEntity[] {
  const byId = new Map<string, GraphEntity>();
  for (const e of entities) byId.set(e.id, e);
  return [...byId.values()];
}

/** One relation per id: the highest version, the later one on a tie. */
export function latestRelations(relations: GraphRelation[]): GraphRelation[] {
  const byId = new Map<string, GraphRelation>();
  for (const r of relations) {
    const prev = byId.get(r.id);
    if (!prev || r.version >= prev.version) byId.set(r.id, r);
  }
  return [...byId.values()];
}

/** Split `items` into arrays of at most `size`. */
export function chunked<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
