import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Lexicon } from '../../core/index.ts';
import type { AiResult, MappedFinding } from './ai.schemas.ts';

const Target = z.object({ entity: z.string(), laterality: z.enum(['left', 'right']).optional() });
const SegmentName = z.object({ zh: z.string(), en: z.string(), lobe: z.string() });
const LabelMapSchema = z.object({
  version: z.string(),
  note: z.string(),
  organs: z.record(z.string(), Target),
  patterns: z.array(z.object({ regex: z.string(), entity: z.string(), laterality: z.string().optional(), segment: z.string().optional() })),
  lesions: z.record(z.string(), Target),
  lungSegments: z.object({ right: z.record(z.string(), SegmentName), left: z.record(z.string(), SegmentName) }),
});
export type LabelMap = z.infer<typeof LabelMapSchema>;

let cached: LabelMap | null = null;
/** The authored label map (imaging/ai/label-map.json), validated on first use. */
export function labelMap(): LabelMap {
  if (!cached) cached = LabelMapSchema.parse(JSON.parse(readFileSync(new URL('./label-map.json', import.meta.url), 'utf8')));
  return cached;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, '_');

interface Resolved {
  entityId: string;
  laterality: 'left' | 'right' | null;
  segment: string | null;
}

/** An organ / location label: the map, then the patterns (vertebrae, ribs), then the lexicon by name (右肺上叶, liver). */
function resolveOrgan(label: string, map: LabelMap, lexicon: Lexicon): Resolved | null {
  const key = norm(label);
  const direct = map.organs[key];
  if (direct) return { entityId: direct.entity, laterality: direct.laterality ?? null, segment: null };
  for (const p of map.patterns) {
    const m = new RegExp(p.regex, 'i').exec(label.trim());
    if (!m) continue;
    const sub = (t?: string) => (t ? t.replace(/\$(\d)/g, (_, n) => m[Number(n)] ?? '') : null);
    const lat = sub(p.laterality);
    return { entityId: p.entity, laterality: lat === 'left' || lat === 'right' ? lat : null, segment: sub(p.segment) };
  }
  const lex = lexicon.lookup(label);
  if (lex && lex.type === 'Anatomy') return { entityId: lex.id, laterality: /左|left/i.test(label) ? 'left' : /右|right/i.test(label) ? 'right' : null, segment: null };
  return null;
}

function nonAnatomy(lexicon: Lexicon, name: string): string | null {
  const e = lexicon.lookup(name);
  return e && e.type !== 'Anatomy' ? e.id : null;
}

function entityView(id: string, lexicon: Lexicon) {
  const e = lexicon.get(id);
  return e ? { id: e.id, type: e.type, nameZh: e.zh, nameEn: e.en } : null;
}

/**
 * Map an AI result to graph entities: segments to organs (with laterality and level/segment), findings to
 * lesion types located in an organ or lobe and lung segment. Labels, locations and segments that cannot be
 * mapped are returned in `unknownLabels` (and their findings kept with `entity: null`), never dropped.
 */
export function mapAiResult(r: AiResult, lexicon: Lexicon, map: LabelMap = labelMap()): { findings: MappedFinding[]; unknownLabels: string[] } {
  const unknown = new Set<string>();
  const findings: MappedFinding[] = [];
  for (const s of r.segments) {
    const o = resolveOrgan(s.label, map, lexicon);
    if (!o) unknown.add(s.label);
    findings.push({
      kind: 'organ',
      label: s.label,
      entity: o ? entityView(o.entityId, lexicon) : null,
      laterality: o?.laterality ?? null,
      location: null,
      segment: o?.segment ? { code: o.segment, nameZh: null, nameEn: null } : null,
      sizeMm: null,
      volumeMm3: s.volumeMl !== undefined ? s.volumeMl * 1000 : null,
      meanHu: null,
      probability: s.probability ?? null,
      position: null,
    });
  }
  for (const f of r.findings) {
    // The label decides; an unknown label is reported even when its generic type (e.g. "nodule") still maps.
    const byLabel = map.lesions[norm(f.label)]?.entity ?? nonAnatomy(lexicon, f.label);
    if (!byLabel) unknown.add(f.label);
    const entityId = byLabel ?? map.lesions[norm(f.type)]?.entity ?? nonAnatomy(lexicon, f.type);
    const loc = f.location ? resolveOrgan(f.location, map, lexicon) : null;
    if (f.location && !loc) unknown.add(`location:${f.location}`);
    let segment: MappedFinding['segment'] = null;
    if (f.segment) {
      const side = loc?.laterality ?? null;
      const table = side ? map.lungSegments[side] : null;
      const code = f.segment.toUpperCase().replace(/\s+/g, '');
      const named = table?.[code];
      if (named && (!loc || named.lobe === loc.entityId)) segment = { code, nameZh: named.zh, nameEn: named.en };
      else {
        unknown.add(`segment:${f.segment}`);
        segment = { code, nameZh: null, nameEn: null };
      }
    }
    const loce = loc ? entityView(loc.entityId, lexicon) : null;
    findings.push({
      kind: 'lesion',
      label: f.label,
      entity: entityId ? entityView(entityId, lexicon) : null,
      laterality: loc?.laterality ?? null,
      location: loce ? { id: loce.id, nameZh: loce.nameZh, nameEn: loce.nameEn } : null,
      segment,
      sizeMm: f.sizeMm ?? null,
      volumeMm3: f.volumeMm3 ?? null,
      meanHu: f.meanHu ?? null,
      probability: f.probability,
      position: f.position ? { x: f.position.x, y: f.position.y, z: f.position.z, frame: f.position.frame } : null,
    });
  }
  return { findings, unknownLabels: [...unknown] };
}
