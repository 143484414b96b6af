import { describe, expect, it } from 'vitest';
import { answerBlocks, type PageTable, pageSegments } from '../../ui/src/tables.ts';

const table = (charStart: number, charEnd: number, ordinal = 0): PageTable => ({ ordinal, page: 1, charStart, charEnd, header: ['a', 'b'], rows: [['1', '2']] });

describe('UI table helpers', () => {
  it('pageSegments cuts page text around its tables and keeps a bad span as text', () => {
    const text = '前文。\n\n表 1\na | b\n1 | 2\n\n后文。';
    const start = text.indexOf('表 1');
    const end = text.indexOf('\n\n后文');
    const segs = pageSegments(text, [table(start, end)]);
    expect(segs.map((s) => s.kind)).toEqual(['text', 'table', 'text']);
    expect(segs[0]).toMatchObject({ kind: 'text', start: 0, text: '前文。\n\n' });
    expect(segs[2]).toMatchObject({ kind: 'text', start: end, text: '\n\n后文。' });
    // Out of range, inverted or overlapping spans are not drawn as tables: the text stays whole.
    expect(pageSegments(text, [table(5, 999)]).map((s) => s.kind)).toEqual(['text']);
    expect(pageSegments(text, [table(start, end), table(start + 1, end, 1)]).filter((s) => s.kind === 'table')).toHaveLength(1);
    expect(pageSegments('', [])).toEqual([]);
  });

  it('answerBlocks finds Markdown tables with their per-row citation markers and leaves other text alone', () => {
    const answer = [
      '根据《指南》：',
      '表 10-1 偶发实性结节随访建议[1]：',
      '| 结节大小 | 单发·低风险 |[1]',
      '| --- | --- |',
      '| ＜6 mm | 无需常规随访 |[1]',
      '| ＞8 mm | 3 个月复查 CT，或行 PET-CT，或活检 |[2][3]',
      '实性结节稳定满 2 年，通常可视为良性[4]。',
    ].join('\n');
    const blocks = answerBlocks(answer);
    expect(blocks.map((b) => b.kind)).toEqual(['text', 'table', 'text']);
    expect(blocks[0]).toEqual({ kind: 'text', text: '根据《指南》：\n表 10-1 偶发实性结节随访建议[1]：' });
    expect(blocks[1]).toEqual({
      kind: 'table',
      header: { cells: ['结节大小', '单发·低风险'], cites: [1] },
      rows: [
        { cells: ['＜6 mm', '无需常规随访'], cites: [1] },
        { cells: ['＞8 mm', '3 个月复查 CT，或行 PET-CT，或活检'], cites: [2, 3] },
      ],
    });
    // A pipe line without a separator line under it is not a table.
    expect(answerBlocks('| a | b |\n普通文字').map((b) => b.kind)).toEqual(['text']);
  });
});
