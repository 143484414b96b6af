import type { EntityType, Lexicon, Tokenizer } from '../core/index.ts';
import { ReportStructurer } from '../reporting/index.ts';
import type { StructuredFinding } from './case.schemas.ts';

/** What a finding can be: signs and findings, and diseases a report names as a finding (前置胎盘, 肠梗阻). */
const FINDING_TYPES = new Set<EntityType>(['Sign', 'Finding', 'Disease']);

export interface ParsedFindings {
  findings: StructuredFinding[];
  /** Findings stated both present and absent in the same text (the later statement is kept). */
  contradictions: Array<{ entityId: string; finding: string; statements: string[] }>;
}

/**
 * Pasted findings text → one structured finding per graph entity, for case matching. The reading is the report
 * structurer's (reporting/: negation and hedge cues with list scope, location, sizes as written); this keeps the
 * findings the lexicon resolves, names the location by its graph name when it has one, gives the first stated
 * size in mm (never estimated) and folds repeated statements of one entity.
 */
export class FindingsReader {
  private readonly structurer: ReportStructurer;

  constructor(private readonly lexicon: Lexicon, tokenizer: Tokenizer) {
    this.structurer = new ReportStructurer(lexicon, tokenizer);
  }

  read(text: string): ParsedFindings {
    const byId = new Map<string, StructuredFinding>();
    const stated = new Map<string, Set<string>>();
    for (const f of this.structurer.structure(text).findings) {
      const id = f.entity.id;
      if (!id || !FINDING_TYPES.has(this.lexicon.get(id)?.type ?? 'Anatomy')) continue;
      const location = f.location ? (f.location.entityId ? (this.lexicon.get(f.location.entityId)?.zh ?? f.location.text) : f.location.text) : null;
      const size = f.sizes[0];
      const sizeMm = size ? size.values[0] * (/c|厘/i.test(size.unit) ? 10 : 1) : null;
      const prev = byId.get(id);
      // A present statement is not overridden by a later hedge of the same finding ("实变，…不除外实变内空洞").
      if (prev?.certainty !== 'present' || f.certainty === 'absent') {
        byId.set(id, { entityId: id, finding: f.entity.name, location: location ?? prev?.location ?? null, sizeMm: sizeMm ?? prev?.sizeMm ?? null, certainty: f.certainty });
      }
      const s = stated.get(id) ?? new Set<string>();
      s.add(f.certainty);
      stated.set(id, s);
    }
    const contradictions = [...stated].filter(([, s]) => s.has('present') && s.has('absent'))
      .map(([id, s]) => ({ entityId: id, finding: byId.get(id)?.finding ?? id, statements: [...s] }));
    return { findings: [...byId.values()], contradictions };
  }
}
