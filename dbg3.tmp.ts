import { loadLanguage } from './runtime/index.ts';
import { buildQueryPlan } from './search/index.ts';
const { tokenizer } = loadLanguage();
const p = buildQueryPlan('急性脑梗死的CT早期征象有哪些？', tokenizer);
console.log(p.subject, p.subjectForms, p.attribute, p.intents, p.terms.slice(0, 30).map((t) => `${t.lexeme}:${t.weight}`).join(' '));
