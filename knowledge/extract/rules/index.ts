/** The deterministic rules extraction engine (no LLM): `new RulesExtractor(lexicon)`. */

export { type EntityMention, MentionFinder } from './mentions.ts';
export { RULES_VERSION, RulesExtractor } from './rules-extractor.ts';
export { type Clause, type Span, splitClauses, splitSentences } from './sentences.ts';
export { type StatedMention, StatedMentionReader } from './stated-mentions.ts';
