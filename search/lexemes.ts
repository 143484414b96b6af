import type { Token } from '../core/index.ts';

/** PostgreSQL keeps at most 256 positions per lexeme and positions up to 16383. */
const MAX_POSITIONS = 256;
const MAX_POSITION = 16383;

/** Quote a lexeme for a tsvector/tsquery literal (no text-search parser involved). */
export function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Build a tsvector literal with positions from our own tokens. We bypass `to_tsvector` because
 * Postgres' parser knows nothing of Chinese; positions keep term frequency for ranking.
 */
export function toTsvectorLiteral(tokens: Token[]): { literal: string; lexemes: string[]; count: number } {
  const positions = new Map<string, number[]>();
  tokens.forEach((t, i) => {
    const list = positions.get(t.lexeme) ?? [];
    if (list.length < MAX_POSITIONS) list.push(Math.min(i + 1, MAX_POSITION));
    positions.set(t.lexeme, list);
  });
  const parts: string[] = [];
  for (const [lexeme, pos] of positions) parts.push(`${quoteLexeme(lexeme)}:${[...new Set(pos)].join(',')}`);
  return { literal: parts.join(' '), lexemes: [...positions.keys()], count: tokens.length };
}

/** `'a' | 'b' | 'c'` */
export function orQuery(lexemes: string[]): string {
  return lexemes.map(quoteLexeme).join(' | ');
}
