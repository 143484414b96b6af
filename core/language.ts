import { Lexicon } from './lexicon.ts';
import { Tokenizer } from './tokenizer.ts';

let shared: { lexicon: Lexicon; tokenizer: Tokenizer } | null = null;

/** The lexicon and jieba dictionary are immutable and costly to load: one per thread (the API thread and each parser thread). */
export function loadLanguage(): { lexicon: Lexicon; tokenizer: Tokenizer } {
  if (!shared) {
    const lexicon = Lexicon.load();
    shared = { lexicon, tokenizer: new Tokenizer(lexicon) };
  }
  return shared;
}
