import { expansionLexemes } from './query-plan.ts';
import { type Intent, QUESTION_WORDS } from './question-words.ts';

/**
 * Threshold and interval questions (「肺结节多大需要随访？」) are answered by passages that state sizes and intervals —
 * usually several of them (a follow-up table: ＜6 mm…, 6～12 个月…). One cue word anywhere (「直径」 in a definition)
 * is weak evidence; how many distinct cues and number + unit mentions a passage holds is graded evidence.
 */
const MEASURE_INTENTS: ReadonlyArray<{ intent: Intent; units: RegExp }> = [
  { intent: 'threshold', units: /\d(?:\.\d+)?\s*(?:mm|cm|毫米|厘米|hu)(?![a-z])/g },
  { intent: 'interval', units: /\d\s*(?:个月|月|周|天|日|年|小时)/g },
];

/** Distinct cues plus number + unit mentions that make an intent fully evidenced (a table row or two). */
const FULL_EVIDENCE = 3;

export interface MeasureIntent {
  lexemes: string[];
  units: RegExp;
}

/** The measure intents a question asks (threshold, interval) with their cue lexemes; empty for other questions. */
export function measureIntents(intents: readonly Intent[], tokenizer: Parameters<typeof expansionLexemes>[0]): MeasureIntent[] {
  return MEASURE_INTENTS.filter((m) => intents.includes(m.intent)).map((m) => ({
    lexemes: [...new Set((QUESTION_WORDS.find((g) => g.intent === m.intent)?.cues ?? []).flatMap((c) => expansionLexemes(tokenizer, c)))],
    units: m.units,
  }));
}

/**
 * 0–1: for each measure intent asked, the share of FULL_EVIDENCE reached by the passage's distinct cues and its number +
 * unit mentions, averaged over the intents (a passage giving sizes but no interval answers half of 「多大需要随访」).
 */
export function measureGrade(measures: readonly MeasureIntent[], folded: string, has: (lexeme: string) => boolean): number {
  if (!measures.length) return 1;
  let sum = 0;
  for (const m of measures) {
    const cues = m.lexemes.filter(has).length;
    const mentions = folded.match(m.units)?.length ?? 0;
    sum += Math.min(1, (cues + mentions) / FULL_EVIDENCE);
  }
  return sum / measures.length;
}
