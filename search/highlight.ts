/** Character ranges of every case-insensitive occurrence of any surface in `text`, merged. */
export function highlightRanges(text: string, surfaces: string[]): Array<{ start: number; end: number }> {
  const lower = text.toLowerCase();
  const ranges: Array<{ start: number; end: number }> = [];
  for (const s of new Set(surfaces.map((x) => x.toLowerCase().trim()).filter(Boolean))) {
    // Latin surfaces match whole words only ("ct" must not light up inside "infarct").
    const latin = /^[a-z0-9]/.test(s);
    let at = lower.indexOf(s);
    while (at !== -1) {
      const before = lower[at - 1] ?? ' ';
      const after = lower[at + s.length] ?? ' ';
      if (!latin || (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after))) ranges.push({ start: at, end: at + s.length });
      at = lower.indexOf(s, at + s.length);
    }
  }
  ranges.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Array<{ start: number; end: number }> = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}
