import { Lexicon } from './core/index.ts';
const l = Lexicon.load();
for (const e of l.entries) for (const a of e.aliases) if (a !== e.zh && [...a].length <= 2 && /^[\u3400-\u9fff]+$/.test(a) && e.zh.includes(a)) console.log(e.zh, a);
