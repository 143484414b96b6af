import { z } from 'zod';
import { EntityTypeSchema, type Lexicon, type LexiconEntry } from '../../core/index.ts';
import { CertaintySchema, type ExtractedTriple, type Mention, PREDICATES, type Predicate, PredicateSchema } from '../model.ts';
import { typesFit } from '../predicates.ts';

/**
 * What the model is asked to produce (sent as the JSON schema of the request; strict-mode compatible:
 * every property required, no extra ones). Qualifiers and confidence are not asked for: small local
 * models fill them unreliably.
 */
const WireMention = z.strictObject({ text: z.string(), type: EntityTypeSchema });
export const TriplesOutputSchema = z.strictObject({
  triples: z.array(
    z.strictObject({ subject: WireMention, predicate: PredicateSchema, object: WireMention, certainty: CertaintySchema, quote: z.string() }),
  ),
});
const { $schema: _drop, ...jsonSchema } = z.toJSONSchema(TriplesOutputSchema) as Record<string, unknown>;
export const TRIPLES_JSON_SCHEMA: Record<string, unknown> = jsonSchema;

/**
 * What is accepted back: the envelope must be right (else the answer is invalid and gets one repair
 * request), but each triple is checked on its own, so one bad triple costs only itself.
 */
export const TriplesEnvelopeSchema = z.preprocess(
  // A bare array of triples is accepted as the list itself.
  (v) => (Array.isArray(v) ? { triples: v } : v),
  z.object({ triples: z.array(z.unknown()) }),
);

const LooseMention = z.object({ text: z.string().trim().min(1), type: z.string().trim().default('') });
const LooseTriple = z.object({
  subject: LooseMention,
  predicate: z.string().trim(),
  object: LooseMention,
  certainty: z.string().trim().default('present'),
  quote: z.string().trim().min(1),
});

export const DROP_REASONS = ['malformed', 'unknown_predicate', 'bad_type', 'quote_not_found', 'mention_not_in_text', 'duplicate'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export function emptyDropCounts(): Record<DropReason, number> {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
}

/**
 * Checks model triples against one chunk: known predicate, entity types that fit it (lexicon type wins
 * over the model's), a quote that really is in the chunk (offsets from where it is found), mentions
 * that occur in the chunk (by their text or a lexicon name). Duplicates across passes are dropped.
 */
export class ChunkTripleValidator {
  private readonly chunk: Compact;
  private readonly seen = new Set<string>();
  readonly dropped = emptyDropCounts();

  constructor(
    private readonly text: string,
    private readonly lexicon: Lexicon,
  ) {
    this.chunk = compact(text);
  }

  /** The accepted triples among `items`; the rest are counted in `dropped`. */
  accept(items: unknown[]): ExtractedTriple[] {
    const out: ExtractedTriple[] = [];
    for (const item of items) {
      const t = this.check(item);
      if (typeof t === 'string') this.dropped[t]++;
      else out.push(t);
    }
    return out;
  }

  private check(item: unknown): ExtractedTriple | DropReason {
    const parsed = LooseTriple.safeParse(item);
    if (!parsed.success) return 'malformed';
    const raw = parsed.data;
    const predicate = raw.predicate.toLowerCase() as Predicate;
    if (!PREDICATES.includes(predicate)) return 'unknown_predicate';
    const certainty = CertaintySchema.safeParse(raw.certainty.toLowerCase());
    if (!certainty.success || raw.subject.text.length > 80 || raw.object.text.length > 80) return 'malformed';
    const subject = this.mention(raw.subject);
    const object = this.mention(raw.object);
    if (!subject.mention.type || !object.mention.type || !typesFit(predicate, subject.mention.type, object.mention.type)) return 'bad_type';
    const span = locate(this.chunk, raw.quote);
    if (!span) return 'quote_not_found';
    if (!this.grounded(subject) || !this.grounded(object)) return 'mention_not_in_text';
    const ends = [subject.mention.entityId ?? subject.mention.text, object.mention.entityId ?? object.mention.text];
    if (predicate === 'differential_of') ends.sort();
    const key = `${ends[0]}|${predicate}|${ends[1]}|${certainty.data}`;
    if (this.seen.has(key)) return 'duplicate';
    this.seen.add(key);
    const resolved = Number(Boolean(subject.entry)) + Number(Boolean(object.entry));
    return {
      subject: subject.mention,
      predicate,
      object: object.mention,
      certainty: certainty.data,
      qualifiers: {},
      quote: this.text.slice(span.start, span.end),
      quoteStart: span.start,
      quoteEnd: span.end,
      // The model states no confidence; lexicon-resolved ends make a triple easier to trust and to review.
      confidence: 0.5 + 0.15 * resolved,
    };
  }

  private mention(m: { text: string; type: string }): { mention: Mention; entry?: LexiconEntry } {
    const entry = this.lexicon.lookup(m.text);
    if (entry) return { mention: { text: m.text, entityId: entry.id, type: entry.type }, entry };
    const type = EntityTypeSchema.safeParse(m.type);
    return { mention: { text: m.text, entityId: null, type: type.success ? type.data : null } };
  }

  private grounded(m: { mention: Mention; entry?: LexiconEntry }): boolean {
    const names = m.entry ? [m.mention.text, m.entry.zh, m.entry.en, ...m.entry.aliases] : [m.mention.text];
    return names.some((n) => {
      const c = compact(n).s;
      return c.length > 0 && this.chunk.s.includes(c);
    });
  }
}

/**
 * Lexicon entities named in a text (surfaces of ≥ 2 CJK or ≥ 3 Latin characters). Used to guess whether
 * a first extraction pass left entities unrelated, i.e. whether a gleaning pass is worth its call.
 */
export class LexiconSpotter {
  private readonly surfaces: { key: string; id: string }[] = [];

  constructor(lexicon: Lexicon) {
    for (const e of lexicon.entries) {
      for (const s of [e.zh, e.en, ...e.aliases]) {
        const key = compact(s).s;
        const cjk = /[\u3400-\u9fff]/.test(key);
        if ((cjk && key.length >= 2) || (!cjk && key.length >= 3)) this.surfaces.push({ key, id: e.id });
      }
    }
  }

  /** Ids of the entities whose names occur in `text`. */
  spot(text: string): Set<string> {
    const hay = compact(text).s;
    const ids = new Set<string>();
    for (const { key, id } of this.surfaces) if (!ids.has(id) && hay.includes(key)) ids.add(id);
    return ids;
  }
}

interface Compact {
  /** The text without whitespace, lower-cased, full-width punctuation folded to ASCII. */
  s: string;
  /** For each character of `s`, its offset in the original text. */
  at: number[];
}

const FOLD: Record<string, string> = { '，': ',', '。': '.', '；': ';', '：': ':', '（': '(', '）': ')', '、': ',', '“': '"', '”': '"', '‘': "'", '’': "'" };

/**
 * Models copy quotes imperfectly where it does not matter: line breaks inside PDF text, spaces, full-
 * versus half-width punctuation, letter case. Comparing compact forms forgives exactly that.
 */
function compact(text: string): Compact {
  let s = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (/\s/.test(ch)) continue;
    const code = ch.charCodeAt(0);
    const folded = FOLD[ch] ?? (code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - 0xfee0) : ch);
    const lower = folded.toLowerCase();
    s += lower.length === 1 ? lower : folded; // keep the one-to-one offset map
    at.push(i);
  }
  return { s, at };
}

/** Where `quote` is in the chunk (compared in compact form), as offsets into the original text; null when absent. */
function locate(chunk: Compact, quote: string): { start: number; end: number } | null {
  const q = compact(quote).s;
  if (!q) return null;
  const pos = chunk.s.indexOf(q);
  if (pos < 0) return null;
  return { start: chunk.at[pos], end: chunk.at[pos + q.length - 1] + 1 };
}
