import path from 'node:path';
import { DEMO, ingestFiles, testRuntime } from './tests/helpers/runtime.ts';
const t0 = Date.now();
const rt = await testRuntime();
await ingestFiles(rt, ['stroke-guideline.md', 'placenta-accreta-guideline.md', 'cap-guideline.md', 'lung-nodule-guideline.md', 'acute-abdomen-guideline.md', 'pneumonia-textbook.md', 'stroke-textbook.md', 'abdomen-textbook.md', 'lung-cancer-textbook.md'].map((f) => path.join(DEMO, f)), { demo: true });
console.log('ingest ms', Date.now() - t0);
const g = await rt.cases.service.evidenceGraph();
console.log('relations', g.relationCount, 'diseases', g.signsOf.size);
for (const [d, signs] of g.signsOf) console.log(g.name(d), d, [...signs].map(([f, l]) => `${g.name(f)}${l.certainty === 'present' ? '' : '(' + l.certainty + ')'}`).join(','));
for (const q of ['左侧大脑中动脉高密度征，左侧基底节区及岛叶低密度，灰白质分界不清，未见出血。', '右肺下叶实变，可见支气管充气征，少量胸腔积液，未见空洞。', '胎盘前置，胎盘后间隙消失，T2低信号带，膀胱壁中断。', '膈下游离气体，肠管扩张，气液平面。']) {
  const r = await rt.cases.service.differential({ findings: q });
  console.log(q, r.query.findings.map((f) => f.finding + ':' + f.certainty).join(','), '\n  →', r.ranked.slice(0, 3).map((x) => `${x.name} ${x.score}`).join(' | '), '\n  ', r.suggestions.slice(0, 2).map((s) => s.advice).join(' '));
}
await rt.close();
