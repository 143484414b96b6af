import { Lexicon } from '../../core/index.ts';
import { RulesExtractor } from '../../knowledge/extract/rules/index.ts';
import type { ExtractedTriple } from '../../knowledge/model.ts';

/** The rules engine over one authored section, and the views of its triples the rules tests assert on. */
export function rulesSection(): (text: string) => ExtractedTriple[] {
  const x = new RulesExtractor(Lexicon.load());
  return (text) => x.extractSection(text).triples;
}

/** Objects the engine gave `subject` under `predicate`. */
export const objectsOf = (triples: ExtractedTriple[], subject: string, predicate: string) =>
  triples.filter((t) => t.subject.text === subject && t.predicate === predicate).map((t) => t.object.text);

/** Subjects that hold `predicate`, each once; with `object`, only those pointing at it. */
export const subjectsOf = (triples: ExtractedTriple[], predicate: string, object?: string) => [
  ...new Set(triples.filter((t) => t.predicate === predicate && (object === undefined || t.object.text === object)).map((t) => t.subject.text)),
];
