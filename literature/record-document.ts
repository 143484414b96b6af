import { detectLanguage, sha256Hex } from '../core/index.ts';
import type { Block, ParsedDocument } from '../ingest/index.ts';
import type { PubmedRecord } from './pubmed-record.ts';

/** The stored original of a PubMed source: the parsed record as canonical JSON (its hash detects revisions). */
export const PUBMED_RECORD_MIME = 'application/vnd.yingzhi.pubmed-record+json';

export function recordBytes(r: PubmedRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(r));
}

export function recordHash(r: PubmedRecord): string {
  return sha256Hex(recordBytes(r));
}

/** "Zhang W, Li N, Müller K, et al. Radiology. 2025. PMID 90000012. doi:…" — the line a citation shows. */
export function citationLine(r: PubmedRecord): string {
  const names = r.authors.slice(0, 3).map((a) => a.name);
  const authors = names.length ? `${names.join(', ')}${r.authors.length > 3 ? ', et al' : ''}. ` : '';
  const where = [r.journalAbbrev ?? r.journal, r.pubDate ?? r.year].filter(Boolean).join('. ');
  return `${authors}${where ? `${where}. ` : ''}PMID ${r.pmid}.${r.doi ? ` doi:${r.doi}` : ''}`;
}

/**
 * A record as one page: title, citation line, then the abstract with its section labels as headings
 * (so a chunk of RESULTS carries "RESULTS" in its heading path). A record without an abstract is
 * still a source (its title and MeSH terms are searchable) but yields no extraction candidates worth much.
 */
export function recordDocument(r: PubmedRecord): ParsedDocument & { language: 'zh' | 'en' } {
  const blocks: Block[] = [{ page: 1, kind: 'heading', level: 1, text: r.title }];
  if (r.vernacularTitle && r.vernacularTitle !== r.title) blocks.push({ page: 1, kind: 'text', text: r.vernacularTitle });
  blocks.push({ page: 1, kind: 'text', text: citationLine(r) });
  if (r.retracted) blocks.push({ page: 1, kind: 'text', text: '【已撤稿 / Retracted publication】' });
  for (const s of r.abstract) {
    if (s.label) blocks.push({ page: 1, kind: 'heading', level: 2, text: s.label });
    blocks.push({ page: 1, kind: 'text', text: s.text });
  }
  if (!r.abstract.length) blocks.push({ page: 1, kind: 'text', text: '（无摘要 / No abstract available.）' });
  if (r.mesh.length) blocks.push({ page: 1, kind: 'text', text: `MeSH: ${r.mesh.map((m) => m.descriptor).join('; ')}` });
  const sample = [r.title, ...r.abstract.map((s) => s.text)].join('\n');
  const language = detectLanguage(sample) === 'zh' ? 'zh' : 'en';
  return { blocks, pageCount: 1, paging: 'virtual', meta: { kind: 'literature', title: r.title, year: r.year ?? undefined, language }, language };
}
