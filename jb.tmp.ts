import { loadLanguage } from './runtime/index.ts';
const { tokenizer, lexicon } = loadLanguage();
for (const s of ['心内膜心肌活检是确诊的金标准', '感染性心内膜炎', '急性缺血性卒中又称急性脑梗死', 'B族链球菌感染', 'Lung-RADS 4A', '磨玻离结节', '肺炎链球菌肺炎的临床表现', 'COVID-19感染', '子宫内膜异位症'])
  console.log(s, '|', tokenizer.words(s).join('/'), '|', tokenizer.queryTokens(s).map(t=>t.lexeme).join(' '));
console.log(lexicon.lookup('内膜')?.id, lexicon.lookup('卒中')?.id, lexicon.lookup('急性脑梗死')?.id);
