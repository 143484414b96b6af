import { z } from 'zod';
import type { GraphEntity, GraphRelation, GraphStore, Subgraph } from '../../graph/index.ts';
import { type Entity, PREDICATE_LABELS } from '../../knowledge/index.ts';
import type { SourceFlagsRepository } from './source-flags.repository.ts';
import { defineTool, type ToolEvidence } from './tool.ts';

export const GraphLookupInput = z.object({
  entity: z.string().trim().min(1).max(100).describe('实体名称或别名，如 肺结节、NSCLC / entity name or alias'),
  relatedTo: z.string().trim().min(1).max(100).optional().describe('另一个实体：返回两者之间的最短路径 / a second entity: the shortest path between the two'),
  depth: z.number().int().min(1).max(2).default(1).describe('neighbourhood hops (1–2)'),
  limit: z.number().int().min(1).max(30).default(12).describe('relations to return'),
});

/** The vocabulary lookups the tool needs (knowledge/entities.repository.ts). */
export interface EntityLookup {
  byExactSurface(surface: string): Promise<Entity[]>;
  search(text: string, opts?: { limit?: number }): Promise<Entity[]>;
}

export interface GraphLookupData {
  entity: { id: string; type: string; nameZh: string; nameEn: string } | null;
  facts: GraphFact[];
}

export interface GraphFact {
  relationId: string;
  subject: string;
  predicate: string;
  object: string;
  certainty: string;
}

/**
 * Entity lookup, neighbours and paths over the graph store, which holds approved (reviewed, not retired)
 * relations only: candidates never reach it (DESIGN.md "Nothing unreviewed ever reaches the graph").
 */
export function graphLookupTool(entities: EntityLookup, graph: GraphStore, flags: SourceFlagsRepository) {
  return defineTool<typeof GraphLookupInput, GraphLookupData>({
    name: 'graph_lookup',
    description: '查询知识图谱中经专家审核的关系：实体的相邻关系，或两个实体之间的路径。Look up expert-approved relations of an entity, or the path between two.',
    input: GraphLookupInput,
    async run(input, ctx) {
      const from = await resolve(entities, input.entity);
      if (!from) return { status: 'ok', summary: `no entity named "${input.entity}"`, data: { entity: null, facts: [] } };
      let sub: Subgraph | null;
      if (input.relatedTo) {
        const to = await resolve(entities, input.relatedTo);
        sub = to ? await graph.shortestPath(from.id, to.id, { maxHops: 4 }) : null;
      } else {
        sub = await graph.neighbours(from.id, { depth: input.depth, limit: 100 });
      }
      const nodes = new Map((sub?.nodes ?? []).map((n) => [n.id, n]));
      const edges = [...(sub?.edges ?? [])]
        .sort((a, b) => touches(b, from.id) - touches(a, from.id) || b.confidence - a.confidence || a.id.localeCompare(b.id))
        .slice(0, input.limit);
      const cited = edges.flatMap((e) => e.evidence.map((ev) => ev.sourceId));
      const [f, visible] = await Promise.all([flags.flags(cited), ctx.scope ? ctx.scope.visible(cited) : new Set(cited)]);
      const name = (id: string) => entityName(nodes.get(id), ctx.lang) ?? id;
      const facts: GraphFact[] = [];
      const evidence: ToolEvidence[] = [];
      for (const e of edges) {
        const fact = { relationId: e.id, subject: name(e.subjectId), predicate: PREDICATE_LABELS[e.predicate][ctx.lang], object: name(e.objectId), certainty: e.certainty };
        facts.push(fact);
        // Approved relations are department-wide knowledge; the passages they were approved on are shown only
        // from sources the asker may see (a relation backed only by hidden sources is cited by its id alone).
        const shown = e.evidence.filter((x) => visible.has(x.sourceId));
        const ev = shown[0];
        const sourceFlags = e.evidence.map((x) => f.get(x.sourceId));
        evidence.push({
          kind: 'relation',
          relationId: e.id,
          triple: { subject: fact.subject, predicate: fact.predicate, object: fact.object },
          quote: shown.map((x) => x.quote).filter(Boolean).slice(0, 2).join(' '),
          sourceId: ev?.sourceId ?? null,
          title: ev?.sourceTitle ?? null,
          version: ev?.version ?? null,
          year: ev?.year ?? null,
          page: ev?.page ?? null,
          chunkId: ev?.chunkId ?? null,
          superseded: sourceFlags.length > 0 && sourceFlags.every((x) => x?.superseded),
          retracted: sourceFlags.some((x) => x?.retracted),
          predicateKey: e.predicate,
          subjectId: e.subjectId,
          objectId: e.objectId,
        });
      }
      const what = input.relatedTo ? (sub ? `path ${input.entity} → ${input.relatedTo}` : `no path ${input.entity} → ${input.relatedTo}`) : `${from.nameZh}`;
      return { status: 'ok', summary: `${facts.length} approved relations (${what})`, data: { entity: { id: from.id, type: from.type, nameZh: from.nameZh, nameEn: from.nameEn }, facts }, evidence };
    },
  });
}

/** Exact name or alias first, then the best autocomplete match (both skip entities merged away). */
async function resolve(entities: EntityLookup, text: string): Promise<Entity | null> {
  const exact = await entities.byExactSurface(text);
  return exact[0] ?? (await entities.search(text, { limit: 1 }))[0] ?? null;
}

function touches(e: GraphRelation, id: string): number {
  return e.subjectId === id || e.objectId === id ? 1 : 0;
}

function entityName(e: GraphEntity | undefined, lang: 'zh' | 'en'): string | undefined {
  if (!e) return undefined;
  return lang === 'en' ? e.nameEn || e.nameZh : e.nameZh || e.nameEn;
}
