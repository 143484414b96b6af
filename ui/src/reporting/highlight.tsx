import type { ReactNode } from 'react';
import type { RenderedValue } from './api.ts';

/**
 * The text with every written value marked, its source in the tooltip and data attributes (the guard made
 * sure a model rewrite holds no other values, so anything unmarked is wording). Longest value texts first.
 */
export function HighlightedValues({ text, values }: { text: string; values: RenderedValue[] }) {
  const needles = values
    .flatMap((v) => {
      const forms = [v.text];
      if (v.value !== null) forms.push(String(v.value));
      return forms.filter((f) => f.length > 0).map((f) => ({ f, v }));
    })
    .sort((a, b) => b.f.length - a.f.length);
  const out: ReactNode[] = [];
  let i = 0;
  let plain = '';
  while (i < text.length) {
    const hit = needles.find((n) => text.startsWith(n.f, i) && !(n.v.value !== null && /[\d.]/.test(text[i + n.f.length] ?? '')) && !(n.v.value !== null && i > 0 && /[\d.]/.test(text[i - 1])));
    if (!hit) {
      plain += text[i];
      i++;
      continue;
    }
    if (plain) out.push(plain);
    plain = '';
    out.push(
      <mark key={i} className={`val src-${hit.v.source.kind}`} title={`${hit.v.source.kind}: ${hit.v.source.ref}`} data-slot={hit.v.slot} data-source={hit.v.source.ref}>
        {hit.f}
      </mark>,
    );
    i += hit.f.length;
  }
  if (plain) out.push(plain);
  return <>{out}</>;
}
