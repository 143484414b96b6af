import { type EntityType, sha256Hex, surfaceKey } from '../../core/index.ts';
import type { TermRecord } from './terminology.ts';

/** What the vocabulary holds, as far as an import needs to know. */
export interface VocabSnapshot {
  /** Alias key → the active entities it names. */
  byKey: Map<string, string[]>;
  entities: Map<string, { type: EntityType; nameZh: string; codes: Record<string, string> }>;
}

export interface PlanStep {
  line: number;
  action: 'create' | 'link';
  entityId: string;
  type: EntityType;
  nameZh: string;
  nameEn: string;
  /** Surfaces to add (names first for a created entity). */
  surfaces: string[];
  code?: { system: string; code: string };
}

export interface PlanConflict {
  line: number;
  surface: string;
  entityId: string | null;
  message: string;
}

export interface ImportPlan {
  steps: PlanStep[];
  conflicts: PlanConflict[];
  counts: { records: number; create: number; link: number; skipped: number; aliases: number; codes: number };
}

/**
 * Decide what importing `records` does, without writing anything (the preview is this plan):
 * - a record whose code the vocabulary already carries links to that entity;
 * - else one whose names name exactly one entity of its type links to it;
 * - else it creates an entity (`imp.<system>.<code>`).
 * A surface that already names another entity is not added (a conflict, listed); a record whose names
 * point at several entities, or at an entity of another type, is skipped (a conflict); an entity that
 * carries another code of the same system keeps it (a conflict).
 */
export function planImport(records: readonly TermRecord[], vocab: VocabSnapshot): ImportPlan {
  const steps: PlanStep[] = [];
  const conflicts: PlanConflict[] = [];
  const claimed = new Map<string, string>(); // surface key → entity id, for names claimed earlier in this import
  const byCode = new Map<string, string>();
  for (const [id, e] of vocab.entities) for (const [system, code] of Object.entries(e.codes)) byCode.set(`${system}:${code}`, id);
  let skipped = 0;
  for (const r of records) {
    const names = [r.nameZh, r.nameEn, ...r.synonyms].filter((x): x is string => !!x);
    const keys = names.map((n) => surfaceKey(n)).filter(Boolean);
    const codeKey = r.code ? `${r.system}:${r.code}` : null;
    let target = codeKey ? (byCode.get(codeKey) ?? null) : null;
    if (!target) {
      const hits = new Set(keys.flatMap((k) => [...(vocab.byKey.get(k) ?? []), ...(claimed.has(k) ? [claimed.get(k) as string] : [])]));
      const sameType = [...hits].filter((id) => typeOf(vocab, steps, id) === r.type || !r.typeGiven);
      if (sameType.length > 1) {
        conflicts.push({ line: r.line, surface: names[0], entityId: null, message: `名称指向多个实体（${sameType.join('、')}），未导入 / names match several entities` });
        skipped++;
        continue;
      }
      if (!sameType.length && hits.size) {
        const other = [...hits][0];
        conflicts.push({ line: r.line, surface: names[0], entityId: other, message: `名称已属于另一类型的实体 ${other}，未导入 / name belongs to an entity of another type` });
        skipped++;
        continue;
      }
      target = sameType[0] ?? null;
    }
    const existing = target ? vocab.entities.get(target) : undefined;
    const createdHere = target ? steps.find((s) => s.entityId === target && s.action === 'create') : undefined;
    const entityId = target ?? newEntityId(r);
    const surfaces: string[] = [];
    for (const name of names) {
      const k = surfaceKey(name);
      const owners = [...(vocab.byKey.get(k) ?? []), ...(claimed.has(k) ? [claimed.get(k) as string] : [])];
      if (owners.includes(entityId) || surfaces.some((s) => surfaceKey(s) === k)) continue;
      if (owners.length) {
        conflicts.push({ line: r.line, surface: name, entityId: owners[0], message: `“${name}”已是 ${owners[0]} 的名称，未作为别名加入 / already names ${owners[0]}` });
        continue;
      }
      surfaces.push(name);
      claimed.set(k, entityId);
    }
    let code: PlanStep['code'];
    if (r.code) {
      const has = existing?.codes[r.system] ?? createdHere?.code?.code;
      if (has && has !== r.code) conflicts.push({ line: r.line, surface: r.code, entityId, message: `${entityId} 已有 ${r.system} 编码 ${has}，未改为 ${r.code} / keeps its code` });
      else if (!has) code = { system: r.system, code: r.code };
      if (code) byCode.set(`${r.system}:${r.code}`, entityId);
    }
    if (target && !surfaces.length && !code) {
      skipped++;
      continue;
    }
    if (!target && !surfaces.length) {
      skipped++;
      continue;
    }
    steps.push({
      line: r.line, action: target ? 'link' : 'create', entityId, type: existing?.type ?? createdHere?.type ?? r.type,
      nameZh: r.nameZh ?? r.nameEn ?? surfaces[0], nameEn: r.nameEn ?? '', surfaces, ...(code ? { code } : {}),
    });
  }
  return {
    steps,
    conflicts,
    counts: {
      records: records.length,
      create: steps.filter((s) => s.action === 'create').length,
      link: steps.filter((s) => s.action === 'link').length,
      skipped,
      aliases: steps.reduce((n, s) => n + s.surfaces.length, 0),
      codes: steps.filter((s) => s.code).length,
    },
  };
}

function typeOf(vocab: VocabSnapshot, steps: readonly PlanStep[], id: string): EntityType | undefined {
  return vocab.entities.get(id)?.type ?? steps.find((s) => s.entityId === id)?.type;
}

/** A stable id for an imported concept: its code when it has one, else a hash of its names. */
function newEntityId(r: TermRecord): string {
  const system = r.system.toLowerCase().replace(/[^a-z0-9]+/g, '_') || 'local';
  const code = r.code ? r.code.toLowerCase().replace(/[^a-z0-9]+/g, '_') : sha256Hex(`${r.nameZh}|${r.nameEn}`).slice(0, 12);
  return `imp.${system}.${code}`;
}
