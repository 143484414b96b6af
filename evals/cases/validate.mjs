#!/usr/bin/env node
// Checks the authored case sets (demo/cases/typical-cases.json, evals/cases/cases.jsonl) without any engine:
// shape, unique ids, diagnosis names against the lexicon, sourceRefs against the corpus headings, nodule volumes.
// Usage: node evals/cases/validate.mjs   (exit code 1 on any error; warnings are printed but do not fail)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p) => readFileSync(path.join(ROOT, p), 'utf8');

const AREAS = ['stroke', 'lung_infection', 'placenta_accreta', 'acute_abdomen', 'lung_nodule', 'lung_cancer', 'other'];
const MODALITIES = ['CT', 'MR', 'DR', 'US', 'PET-CT'];
const CERTAINTY = ['present', 'absent', 'possible'];
const PHI = /(姓名|住院号|门诊号|身份证|病案号|床号|出生日期|联系电话|医院)[:：]|\b1[3-9]\d{9}\b|\b\d{17}[\dXx]\b/;

const lexicon = read('core/lexicon/radiology-lexicon.jsonl').trim().split('\n').map((l) => JSON.parse(l));
const lexName = new Map();
for (const e of lexicon) {
  for (const n of [e.zh, e.en, ...(e.aliases ?? [])]) if (n) lexName.set(n.toLowerCase(), e);
}

// Corpus titles and headings, so every sourceRef names a real document section.
const corpusDir = path.join(ROOT, 'demo/corpus');
const sections = new Map();
for (const f of readdirSync(corpusDir).filter((x) => x.endsWith('.md'))) {
  const text = readFileSync(path.join(corpusDir, f), 'utf8');
  const title = /^title:\s*(.+)$/m.exec(text)?.[1]?.trim();
  const heads = new Set(
    [...text.matchAll(/^#{1,4}\s+(.+)$/gm)].map((m) => m[1].trim().replace(/\s+/g, ' ')),
  );
  if (title) sections.set(title, heads);
}

const errors = [];
const warnings = [];
const seen = new Set();

function check(c, where, kind) {
  const err = (m) => errors.push(`${where} ${c.id ?? '?'}: ${m}`);
  for (const k of ['id', 'title', 'diseaseArea', 'modality', 'bodyPart', 'findingsText', 'finalDiagnosis', 'sourceRefs', 'note']) {
    if (c[k] === undefined || c[k] === null || c[k] === '') err(`missing ${k}`);
  }
  for (const k of ['acceptableDiagnoses', 'structuredFindings', 'teachingPoints', 'studies']) {
    if (!Array.isArray(c[k])) err(`${k} must be an array`);
  }
  if (typeof c.fields !== 'object' || c.fields === null || Array.isArray(c.fields)) err('fields must be an object');
  const prefix = kind === 'typical' ? 'tc-' : 'ec-';
  if (!String(c.id).startsWith(prefix)) err(`id must start with ${prefix}`);
  if (seen.has(c.id)) err('duplicate id');
  seen.add(c.id);
  if (!AREAS.includes(c.diseaseArea)) err(`diseaseArea ${c.diseaseArea}`);
  if (!MODALITIES.includes(c.modality)) err(`modality ${c.modality}`);
  if (c.note !== 'authored demo content') err('note must be "authored demo content"');
  if (kind === 'typical' && 'split' in c) err('typical cases carry no split');
  if (kind === 'eval') {
    if (!['dev', 'heldout'].includes(c.split)) err(`split ${c.split}`);
    const n = Number(c.id.slice(3));
    if (c.split !== (n % 2 === 1 ? 'dev' : 'heldout')) err('split does not follow the odd/even id rule');
    if (!['easy', 'medium', 'hard'].includes(c.difficulty)) err(`difficulty ${c.difficulty}`);
  }
  if (kind === 'typical' && !(c.structuredFindings?.length > 0)) err('typical case needs structuredFindings');
  for (const f of c.structuredFindings ?? []) {
    if (!f.finding || !CERTAINTY.includes(f.certainty)) err(`bad structured finding ${JSON.stringify(f)}`);
  }
  if (PHI.test(c.findingsText ?? '')) err('findingsText looks like it contains an identifier');

  const dx = c.finalDiagnosis?.name;
  const entry = dx ? lexName.get(dx.toLowerCase()) : undefined;
  if (!entry) err(`finalDiagnosis "${dx}" is not a lexicon name or alias`);
  else {
    if (entry.zh !== dx) warnings.push(`${c.id}: "${dx}" is an alias; lexicon name is "${entry.zh}"`);
    const icd = c.finalDiagnosis.icd10;
    if (icd && entry.icd10 && icd !== entry.icd10) warnings.push(`${c.id}: icd10 ${icd} differs from lexicon ${entry.icd10}`);
  }
  for (const a of c.acceptableDiagnoses ?? []) {
    if (!lexName.has(a.toLowerCase())) warnings.push(`${c.id}: acceptable diagnosis "${a}" is not in the lexicon`);
  }
  for (const r of c.sourceRefs ?? []) {
    const heads = sections.get(r.title);
    if (!heads) err(`sourceRef title not in corpus: ${r.title}`);
    else if (!heads.has(r.section)) err(`sourceRef section not found in "${r.title}": ${r.section}`);
  }
  if (!(c.sourceRefs?.length > 0)) err('needs at least one sourceRef');

  let prev = '';
  for (const s of c.studies ?? []) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s.date) || s.date <= prev) err(`study dates must be ISO and ascending (${s.date})`);
    prev = s.date;
    for (const m of s.measurements ?? []) {
      const d = (m.longAxisMm + m.shortAxisMm) / 2;
      const v = (Math.PI / 6) * d ** 3;
      if (m.volumeMm3 && Math.abs(m.volumeMm3 - v) / v > 0.02) err(`volume ${m.volumeMm3} inconsistent with axes ${m.longAxisMm}×${m.shortAxisMm}`);
      if (m.shortAxisMm > m.longAxisMm) err('short axis larger than long axis');
    }
  }
}

const typical = JSON.parse(read('demo/cases/typical-cases.json'));
for (const [i, c] of typical.entries()) check(c, `typical[${i}]`, 'typical');
const evalLines = read('evals/cases/cases.jsonl').split('\n').filter((l) => l.trim());
for (const [i, l] of evalLines.entries()) {
  let c;
  try {
    c = JSON.parse(l);
  } catch (e) {
    errors.push(`cases.jsonl:${i + 1}: ${e.message}`);
    continue;
  }
  check(c, `cases.jsonl:${i + 1}`, 'eval');
}

const evals = evalLines.flatMap((l) => {
  try {
    return [JSON.parse(l)];
  } catch {
    return [];
  }
});
const count = (xs, key) => xs.reduce((m, x) => m.set(key(x), (m.get(key(x)) ?? 0) + 1), new Map());
console.log(`typical cases: ${typical.length}; eval cases: ${evals.length}`);
console.log('eval split:', Object.fromEntries(count(evals, (c) => c.split)));
console.log('eval difficulty:', Object.fromEntries(count(evals, (c) => c.difficulty)));
console.log('eval language:', Object.fromEntries(count(evals, (c) => c.language)));
for (const w of warnings) console.log(`warning: ${w}`);
for (const e of errors) console.error(`error: ${e}`);
console.log(errors.length ? `${errors.length} error(s)` : 'ok');
process.exit(errors.length ? 1 : 0);
