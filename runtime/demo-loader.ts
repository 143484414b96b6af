import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSidecarMeta, type RegisterResult } from '../ingest/index.ts';
import { DEMO_REVIEWER } from '../knowledge/index.ts';
import type { Runtime } from './runtime.ts';

const DEMO_DIR = fileURLToPath(new URL('../demo/', import.meta.url));

/**
 * The authored demo corpus: Markdown in demo/corpus, and PDFs printed from some of them in demo/pdf
 * (each with a `.meta.json` sidecar). A document that has a PDF is loaded as the PDF only, so the
 * PDF path is exercised and nothing appears twice.
 */
export function demoFiles(dir = DEMO_DIR): string[] {
  const pdfDir = path.join(dir, 'pdf');
  const pdfs = existsSync(pdfDir) ? readdirSync(pdfDir).filter((f) => f.endsWith('.pdf')).sort() : [];
  const pdfStems = new Set(pdfs.map((f) => path.basename(f, '.pdf')));
  const corpusDir = path.join(dir, 'corpus');
  const mds = readdirSync(corpusDir)
    .filter((f) => f.endsWith('.md') && !pdfStems.has(path.basename(f, '.md')))
    .sort();
  return [...mds.map((f) => path.join(corpusDir, f)), ...pdfs.map((f) => path.join(pdfDir, f))];
}

/**
 * Register the demo corpus (once: files already present are duplicates and skipped). A changed demo file
 * becomes a new version of the demo source of its name; a non-demo source of the same name is never
 * superseded (the demo file is then skipped).
 */
export async function loadDemoCorpus(rt: Runtime, onFile?: (file: string, r: RegisterResult) => void): Promise<RegisterResult[]> {
  const results: RegisterResult[] = [];
  for (const file of demoFiles()) {
    const { matches } = await rt.ingest.sameName(path.basename(file));
    if (matches.some((m) => !m.demo)) {
      rt.log.warn({ file, matches: matches.map((m) => m.id) }, 'demo file skipped: a source of the same name exists');
      continue;
    }
    const r = await rt.ingest.register(readFileSync(file), path.basename(file), { demo: true, ...loadSidecarMeta(file) }, { newVersion: true });
    results.push(r);
    onFile?.(file, r);
  }
  await loadDemoLiterature(rt);
  await loadDemoCases(rt);
  await loadDemoCollections(rt, results);
  rt.runner.wake();
  return results;
}

/** Which demo documents go to which department collection (by file name), besides the default 全院知识库. */
const DEMO_COLLECTIONS: Array<{ name: string; description: string; files: RegExp | 'literature' }> = [
  { name: '胸部组', description: '胸部影像：肺结节、肺癌 TNM 分期、社区获得性肺炎（演示内容）', files: /^(lung-|cap-|pneumonia-)/ },
  { name: '神经组', description: '神经影像：急性缺血性脑卒中的指南与教材（演示内容）', files: /^stroke-/ },
  { name: '腹盆组', description: '腹部与盆腔影像：急腹症、腹部教材、胎盘植入（演示内容）', files: /^(abdomen-|acute-abdomen-|placenta-)/ },
  { name: '文献', description: 'PubMed 文献监测导入的摘要（演示内容）', files: 'literature' },
];

/** The demo collections, made once with their demo sources; every role may see them (authored demo content). */
export async function loadDemoCollections(rt: Runtime, registered: RegisterResult[]): Promise<void> {
  const literature = (await rt.services.sources.list({ shelf: 'literature', limit: 500 })).items.filter((s) => s.demo).map((s) => s.id);
  await rt.services.collections.ensureDemo(
    DEMO_COLLECTIONS.map((c) => ({
      name: c.name,
      description: c.description,
      roles: ['admin', 'director', 'physician', 'technician', 'resident', 'teacher', 'expert'],
      sourceIds: c.files === 'literature' ? literature : registered.filter((r) => (c.files as RegExp).test(r.source.fileName)).map((r) => r.source.id),
    })),
  );
}

/** Authored demo PubMed records (demo/pubmed/*.xml), imported as a manual literature import. */
export async function loadDemoLiterature(rt: Runtime, dir = path.join(DEMO_DIR, 'pubmed')): Promise<number> {
  if (!existsSync(dir)) return 0;
  let imported = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.xml')).sort()) {
    const run = await rt.literature.importXml(readFileSync(path.join(dir, f), 'utf8'), f, { demo: true });
    imported += run.newRecords;
  }
  return imported;
}

/**
 * Authored demo typical cases (demo/cases/*.json), imported as approved demo content by the demo reviewer:
 * the same file again changes nothing.
 */
export async function loadDemoCases(rt: Runtime, dir = path.join(DEMO_DIR, 'cases')): Promise<number> {
  if (!existsSync(dir)) return 0;
  let imported = 0;
  for (const f of readdirSync(dir).filter((x) => /\.(json|jsonl|csv)$/.test(x)).sort()) {
    const r = await rt.cases.service.importFile(readFileSync(path.join(dir, f)), f, DEMO_REVIEWER, { status: 'approved', demo: true });
    imported += r.inserted.length + r.updated.length;
  }
  return imported;
}
