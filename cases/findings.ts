import type { EntityType, Lexicon, Tokenizer } from '../core/index.ts';
import { StatedMentionReader } from '../knowledge/index.ts';
import type { StructuredFinding } from './case.schemas.ts';

/** What a finding can be: signs and findings, and diseases a report names as a finding (前置胎盘, 肠梗阻). */
const FINDING_TYPES = new Set<EntityType>(['Sign', 'Finding', 'Disease']);
const SIZE = /(\d+(?:\.\d+)?)\s*(?:[x×*]\s*\d+(?:\.\d+)?\s*)?(mm|cm|毫米|厘米)/i;

export interface ParsedFindings {
  findings: StructuredFinding[];
  /** Findings stated both present and absent in the same text (the later statement is kept). */
  contradictions: Array<{ entityId: string; finding: string; statements: string[] }>;
}

/**
 * Pasted findings text → structured findings, deterministically: lexicon entities (Chinese, English, mixed)
 * with the certainty the rules extractor's negation and hedge cues give them, the anatomy named in the same
 * clause as location, and a size only when the clause states one in mm/cm (never estimated).
 */
export class FindingsReader {
  private readonly reader: StatedMentionReader;

  constructor(lexicon: Lexicon, tokenizer: Tokenizer) {
    this.reader = new StatedMentionReader(lexicon, tokenizer);
  }

  read(text: string): ParsedFindings {
    const all = this.reader.read(text);
    const byId = new Map<string, StructuredFinding>();
    const stated = new Map<string, Set<string>>();
    for (const m of all) {
      if (!FINDING_TYPES.has(m.entry.type)) continue;
      const location = all.find((a) => a.entry.type === 'Anatomy' && a.clause.start === m.clause.start && a.certainty !== 'absent')?.entry.zh
        ?? all.filter((a) => a.entry.type === 'Anatomy' && a.end <= m.start && m.start - a.end < 40).at(-1)?.entry.zh;
      // The size stated in its clause, or right after it ("…磨玻璃结节，大小约8mm") before the next finding.
      const next = all.find((a) => a.start >= m.end && FINDING_TYPES.has(a.entry.type))?.start ?? text.length;
      const size = SIZE.exec(m.clause.text) ?? SIZE.exec(text.slice(m.end, Math.min(next, m.end + 24)).split(/[。；;\n]/)[0]);
      const sizeMm = size && m.certainty !== 'absent' ? Number(size[1]) * (/c|厘/i.test(size[2]) ? 10 : 1) : null;
      const prev = byId.get(m.entry.id);
      // A present statement is not overridden by a later hedge of the same finding ("实变，…不除外实变内空洞").
      if (prev?.certainty !== 'present' || m.certainty === 'absent') {
        byId.set(m.entry.id, { entityId: m.entry.id, finding: m.entry.zh, location: location ?? prev?.location ?? null, sizeMm: sizeMm ?? prev?.sizeMm ?? null, certainty: m.certainty });
      }
      const s = stated.get(m.entry.id) ?? new Set<string>();
      s.add(m.certainty);
      stated.set(m.entry.id, s);
    }
    const contradictions = [...stated].filter(([, s]) => s.has('present') && s.has('absent'))
      .map(([id, s]) => ({ entityId: id, finding: byId.get(id)?.finding ?? id, statements: [...s] }));
    return { findings: [...byId.values()], contradictions };
  }
}
