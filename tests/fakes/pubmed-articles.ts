/**
 * PubmedArticle XML written in the real efetch schema, generated from a seed: volume for tests and
 * benchmarks (hand-written edge cases live in tests/fixtures/pubmed/). Content is synthetic and
 * says so; PMIDs are in the fictional range 91000000+ (never real records).
 */

const FINDINGS = [
  ['lung adenocarcinoma', 'ground-glass nodule', 'Lung Neoplasms'],
  ['lung adenocarcinoma', 'pleural indentation', 'Adenocarcinoma of Lung'],
  ['placenta accreta spectrum', 'T2 dark intraplacental bands', 'Placenta Accreta'],
  ['pulmonary embolism', 'filling defect in the pulmonary artery', 'Pulmonary Embolism'],
  ['acute appendicitis', 'appendiceal wall thickening', 'Appendicitis'],
  ['hepatocellular carcinoma', 'arterial phase hyperenhancement with washout', 'Carcinoma, Hepatocellular'],
] as const;
const TYPES = ['Journal Article', 'Randomized Controlled Trial', 'Systematic Review', 'Observational Study', 'Case Reports', 'Meta-Analysis'];
const NAMES = [['Wei', 'Zhang'], ['Na', 'Li'], ['Klaus', 'Müller'], ['Ayşe', 'Çelik'], ['Lars', 'Ångström'], ['Maria', 'García']];

export interface SyntheticArticleOptions {
  /** Article number; PMID = 91000000 + n. */
  n: number;
  year?: number;
  revised?: string;
  retracted?: boolean;
  /** Words of filler per abstract section (abstract size). */
  filler?: number;
}

export function syntheticPmid(n: number): string {
  return String(91_000_000 + n);
}

export function syntheticArticle(o: SyntheticArticleOptions): string {
  const [disease, sign, mesh] = FINDINGS[o.n % FINDINGS.length];
  const year = o.year ?? 2024 + (o.n % 3);
  const type = TYPES[o.n % TYPES.length];
  const authors = [0, 1, 2].map((i) => NAMES[(o.n + i) % NAMES.length]);
  const filler = Array.from({ length: o.filler ?? 30 }, (_, i) => ['imaging', 'cohort', 'reader', 'protocol', 'contrast', 'follow-up'][(o.n + i) % 6]).join(' ');
  const revised = (o.revised ?? `${year}-06-15`).split('-');
  return `<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">${syntheticPmid(o.n)}</PMID>
<DateRevised><Year>${revised[0]}</Year><Month>${revised[1]}</Month><Day>${revised[2]}</Day></DateRevised>
<Article PubModel="Print-Electronic"><Journal><ISSN IssnType="Electronic">1527-1315</ISSN><JournalIssue CitedMedium="Internet"><Volume>${o.n % 300}</Volume><Issue>${(o.n % 12) + 1}</Issue><PubDate><Year>${year}</Year><Month>Mar</Month></PubDate></JournalIssue><Title>Synthetic Radiology Reports</Title><ISOAbbreviation>Synth Radiol</ISOAbbreviation></Journal>
<ArticleTitle>Synthetic study ${o.n}: ${sign} in ${disease} on imaging</ArticleTitle>
<ELocationID EIdType="doi" ValidYN="Y">10.99999/yingzhi-synthetic.${o.n}</ELocationID>
<Abstract><AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">We studied ${disease} with CT and MRI; ${filler}.</AbstractText><AbstractText Label="RESULTS" NlmCategory="RESULTS">${sign} suggests ${disease}. ${disease} shows ${sign}. ${filler}.</AbstractText><AbstractText Label="CONCLUSIONS" NlmCategory="CONCLUSIONS">[YingZhi synthetic record — not a real publication.]</AbstractText></Abstract>
<AuthorList CompleteYN="Y">${authors.map(([f, l]) => `<Author ValidYN="Y"><LastName>${l}</LastName><ForeName>${f}</ForeName><Initials>${f[0]}</Initials></Author>`).join('')}</AuthorList>
<Language>eng</Language><PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType>${type === 'Journal Article' ? '' : `<PublicationType UI="D000000">${type}</PublicationType>`}${o.retracted ? '<PublicationType UI="D016441">Retracted Publication</PublicationType>' : ''}</PublicationTypeList>
</Article><MeshHeadingList><MeshHeading><DescriptorName UI="D000001" MajorTopicYN="Y">${mesh}</DescriptorName><QualifierName UI="Q000000191" MajorTopicYN="N">diagnostic imaging</QualifierName></MeshHeading><MeshHeading><DescriptorName UI="D014057" MajorTopicYN="N">Tomography, X-Ray Computed</DescriptorName></MeshHeading></MeshHeadingList>
</MedlineCitation><PubmedData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">${syntheticPmid(o.n)}</ArticleId><ArticleId IdType="doi">10.99999/yingzhi-synthetic.${o.n}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>`;
}

export function articleSet(articles: string[]): string {
  return `<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
${articles.join('\n')}
</PubmedArticleSet>
`;
}

/** The PubmedArticle elements of a fixture file, by PMID (for the fake server's record pool). */
export function splitArticles(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/<PubmedArticle>[\s\S]*?<\/PubmedArticle>/g)) {
    const pmid = /<PMID[^>]*>(\d+)<\/PMID>/.exec(m[0])?.[1];
    if (pmid) out.set(pmid, m[0]);
  }
  return out;
}
