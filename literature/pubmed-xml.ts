import { AppError } from '../core/index.ts';
import type { AbstractSection, MeshHeading, PubmedAuthor, PubmedRecord } from './pubmed-record.ts';
import { parseXmlTree, XmlSyntaxError } from './xml-tree.ts';

const TREE = {
  arrays: new Set([
    'PubmedArticle', 'PubmedBookArticle', 'Author', 'AbstractText', 'MeshHeading', 'QualifierName', 'PublicationType',
    'CommentsCorrections', 'ArticleId', 'ELocationID', 'Keyword', 'KeywordList', 'Language', 'ArticleDate', 'AffiliationInfo', 'PMID',
  ]),
  // Titles and abstracts may hold inline markup (<i>, <sup>, MathML): "CD<sub>4</sub>" reads "CD4".
  flatten: new Set(['ArticleTitle', 'VernacularTitle', 'AbstractText', 'Affiliation', 'Keyword']),
  // Never read, and often most of the bytes.
  skip: new Set(['ReferenceList', 'GrantList', 'ChemicalList', 'InvestigatorList', 'DataBankList', 'SupplMeshList', 'GeneSymbolList', 'OtherAbstract', 'CoiStatement']),
};

export interface ParsedArticleSet {
  records: PubmedRecord[];
  /** Book articles and entries without a usable PMID/title, named so the user can see what was left out. */
  skipped: Array<{ pmid: string | null; reason: string }>;
  /** PMIDs NLM deleted (DeleteCitation), which a mirror may send. */
  deleted: string[];
}

type Node = Record<string, unknown>;

/**
 * Parse an efetch answer or a PubMed "XML" export (PubmedArticleSet). Malformed XML is refused
 * as a whole with the line and column of the first error: half a file is never imported.
 */
export function parsePubmedXml(xml: string, name = 'PubMed XML'): ParsedArticleSet {
  let parsed: ReturnType<typeof parseXmlTree>;
  try {
    parsed = parseXmlTree(xml, TREE);
  } catch (e) {
    if (!(e instanceof XmlSyntaxError)) throw e;
    throw new AppError('PUBMED_XML_INVALID', `${name} 不是有效的 XML（第 ${e.line} 行第 ${e.column} 列：${e.reason}）/ malformed XML at line ${e.line}, column ${e.column}`, {
      details: { line: e.line, col: e.column, reason: e.reason },
    });
  }
  const root = parsed.root || '(none)';
  const set = root === 'PubmedArticleSet' ? node(parsed.tree.PubmedArticleSet) ?? {} : null;
  if (!set) {
    throw new AppError('PUBMED_XML_INVALID', `${name} 的根元素是 <${root}>，不是 <PubmedArticleSet> / not a PubMed article set`, {
      details: { root },
    });
  }
  const out: ParsedArticleSet = { records: [], skipped: [], deleted: [] };
  for (const article of arr<Node>(set.PubmedArticle)) {
    const rec = toRecord(article);
    if (typeof rec === 'string') out.skipped.push({ pmid: text(arr<unknown>(node(article.MedlineCitation)?.PMID)[0]) || null, reason: rec });
    else out.records.push(rec);
  }
  for (const book of arr<Node>(set.PubmedBookArticle)) {
    out.skipped.push({ pmid: text(arr<unknown>(node(book.BookDocument)?.PMID)[0]) || null, reason: 'book article (not supported)' });
  }
  const del = node(set.DeleteCitation);
  if (del) out.deleted.push(...arr<unknown>(del.PMID).map(text).filter(Boolean));
  return out;
}

function toRecord(a: Node): PubmedRecord | string {
  const mc = node(a.MedlineCitation);
  if (!mc) return 'no MedlineCitation';
  const pmidNode = arr<unknown>(mc.PMID)[0];
  const pmid = text(pmidNode);
  if (!/^\d{1,9}$/.test(pmid)) return `invalid PMID "${pmid}"`;
  const art = node(mc.Article);
  if (!art) return 'no Article element';
  const title = flatten(art.ArticleTitle) || flatten(art.VernacularTitle);
  if (!title) return 'no title';
  const journal = node(art.Journal);
  const issue = node(journal?.JournalIssue);
  const pubDate = node(issue?.PubDate);
  const pubmedData = node(a.PubmedData);
  const ids = arr<Node>(node(pubmedData?.ArticleIdList)?.ArticleId);
  const eloc = arr<Node>(art.ELocationID);
  const pubTypes = arr<unknown>(node(art.PublicationTypeList)?.PublicationType).map(text).filter(Boolean);
  const links = arr<Node>(node(mc.CommentsCorrectionsList)?.CommentsCorrections).map((c) => ({
    type: attr(c, 'RefType') ?? 'Unknown',
    pmid: text(arr<unknown>(c.PMID)[0]) || null,
    source: text(c.RefSource) || null,
  }));
  const articleDate = arr<Node>(art.ArticleDate)[0];
  const year = yearOf(pubDate) ?? (articleDate ? Number(text(articleDate.Year)) || null : null);
  return {
    pmid,
    pmidVersion: Number(attr(node(pmidNode) ?? {}, 'Version') ?? 1) || 1,
    title,
    vernacularTitle: flatten(art.VernacularTitle) || null,
    abstract: abstractOf(art),
    authors: authorsOf(art),
    journal: text(journal?.Title) || null,
    journalAbbrev: text(journal?.ISOAbbreviation) || null,
    year,
    pubDate: printedDate(pubDate),
    articleDate: isoDate(articleDate),
    revisedDate: isoDate(node(mc.DateRevised)),
    completedDate: isoDate(node(mc.DateCompleted)),
    doi: idOf(ids, 'doi') ?? eloc.filter((e) => attr(e, 'EIdType') === 'doi').map(text)[0] ?? null,
    pmcid: idOf(ids, 'pmc'),
    languages: arr<unknown>(art.Language).map(text).filter(Boolean),
    mesh: meshOf(mc),
    keywords: arr<Node>(mc.KeywordList).flatMap((kl) => arr<unknown>(kl.Keyword).map(flatten)).filter(Boolean),
    publicationTypes: pubTypes,
    links,
    retracted: pubTypes.includes('Retracted Publication') || links.some((l) => l.type === 'RetractionIn'),
    isRetractionNotice: pubTypes.includes('Retraction of Publication'),
  };
}

function abstractOf(art: Node): AbstractSection[] {
  const sections = arr<unknown>(node(art.Abstract)?.AbstractText).map((t) => ({
    label: (typeof t === 'object' && t ? attr(t as Node, 'Label') : null) ?? null,
    category: (typeof t === 'object' && t ? attr(t as Node, 'NlmCategory') : null) ?? null,
    text: flatten(t),
  }));
  return sections.filter((s) => s.text);
}

function authorsOf(art: Node): PubmedAuthor[] {
  return arr<Node>(node(art.AuthorList)?.Author)
    .filter((a) => attr(a, 'ValidYN') !== 'N')
    .map((a) => {
      const collective = text(a.CollectiveName);
      const name = collective || [text(a.ForeName) || text(a.Initials), text(a.LastName)].filter(Boolean).join(' ');
      const aff = arr<Node>(a.AffiliationInfo)[0];
      return { name, affiliation: aff ? text(aff.Affiliation) || null : null };
    })
    .filter((a) => a.name);
}

function meshOf(mc: Node): MeshHeading[] {
  return arr<Node>(node(mc.MeshHeadingList)?.MeshHeading).map((h) => {
    const d = h.DescriptorName;
    return {
      descriptor: text(d),
      ui: attr(node(d) ?? {}, 'UI'),
      major: attr(node(d) ?? {}, 'MajorTopicYN') === 'Y',
      qualifiers: arr<unknown>(h.QualifierName).map((q) => ({ name: text(q), ui: attr(node(q) ?? {}, 'UI'), major: attr(node(q) ?? {}, 'MajorTopicYN') === 'Y' })),
    };
  }).filter((m) => m.descriptor);
}

function idOf(ids: Node[], type: string): string | null {
  const hit = ids.find((i) => attr(i, 'IdType') === type);
  return hit ? text(hit) || null : null;
}

const MONTHS: Record<string, string> = { jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06', jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12' };

function yearOf(d: Node | null): number | null {
  if (!d) return null;
  const y = Number(text(d.Year)) || Number(/\b(19|20)\d{2}\b/.exec(text(d.MedlineDate))?.[0]);
  return y >= 1800 && y <= 2200 ? y : null;
}

function printedDate(d: Node | null): string | null {
  if (!d) return null;
  const m = text(d.MedlineDate);
  if (m) return m;
  return [text(d.Year), text(d.Month), text(d.Day)].filter(Boolean).join(' ') || null;
}

function isoDate(d: Node | null | undefined): string | null {
  if (!d) return null;
  const y = text(d.Year);
  if (!/^\d{4}$/.test(y)) return null;
  const rawMonth = text(d.Month);
  const month = /^\d{1,2}$/.test(rawMonth) ? rawMonth.padStart(2, '0') : (MONTHS[rawMonth.slice(0, 3).toLowerCase()] ?? '01');
  const day = /^\d{1,2}$/.test(text(d.Day)) ? text(d.Day).padStart(2, '0') : '01';
  return `${y}-${month}-${day}`;
}

function node(v: unknown): Node | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : null;
}

function arr<T>(v: unknown): T[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

function attr(n: Node, name: string): string | null {
  const v = n[`@${name}`];
  return v === undefined || v === null ? null : String(v);
}

/** Text content of a parsed element: plain string, or the `#text` of one with attributes. */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number') return String(v).trim();
  if (Array.isArray(v)) return text(v[0]);
  const t = (v as Node)['#text'];
  return t === undefined ? '' : String(t).trim();
}

/** A flattened element (inline markup already dropped by the tree builder): collapse whitespace. */
function flatten(v: unknown): string {
  return text(v).replace(/\s+/g, ' ').trim();
}
