/** The human citation printed with every passage: 《title》version（year）第 N 页, and a warning when retracted. */
export function formatCitation(s: { title: string; version: string | null; year: number | null; pageStart: number; pageEnd: number; retracted?: boolean }): string {
  const edition = [s.version, s.year ? `${s.year}` : null].filter(Boolean).join('，');
  const pages = s.pageStart === s.pageEnd ? `第${s.pageStart}页` : `第${s.pageStart}–${s.pageEnd}页`;
  return `《${s.title}》${edition ? `（${edition}）` : ''}${pages}${s.retracted ? '〔已撤稿 / retracted〕' : ''}`;
}
