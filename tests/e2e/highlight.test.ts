import { describe, expect, it } from 'vitest';
import { locatePassage, segmentsOf, sentencesOf } from '../../ui/src/highlight.ts';

const marked = (text: string, ranges: Array<{ start: number; end: number }>) =>
  segmentsOf(text, ranges)
    .filter((s) => s.marked)
    .map((s) => s.text);

describe('UI highlighting helpers', () => {
  it('segmentsOf wraps ranges, tolerating overlap, disorder and out-of-bounds ranges', () => {
    expect(
      segmentsOf('abcdef', [
        { start: 3, end: 5 },
        { start: 0, end: 1 },
      ]),
    ).toEqual([
      { text: 'a', marked: true, start: 0 },
      { text: 'bc', marked: false, start: 1 },
      { text: 'de', marked: true, start: 3 },
      { text: 'f', marked: false, start: 5 },
    ]);
    expect(
      marked('abcdef', [
        { start: 1, end: 4 },
        { start: 2, end: 9 },
      ]),
    ).toEqual(['bcd', 'ef']);
    expect(segmentsOf('abc', [])).toEqual([{ text: 'abc', marked: false, start: 0 }]);
    expect(segmentsOf('', [{ start: 0, end: 3 }])).toEqual([]);
  });

  it('sentencesOf splits on lines and Chinese/Latin sentence ends', () => {
    expect(sentencesOf('甲。乙！\n丙；丁 Done? ok')).toEqual(['甲。', '乙！', '丙；', '丁 Done?', 'ok']);
  });

  it('locatePassage finds a passage whose blocks were re-joined and whose headings were left out', () => {
    const page = '前言\n\n5.1 概述\n\n脑血管疾病分两类。缺血性多见。\n\n5.1.1 血供\n\n脑的动脉血供来自两个系统。\n\n5.2 下一节\n\n无关内容。';
    const chunk = '脑血管疾病分两类。缺血性多见。\n脑的动脉血供来自两个系统。';
    const [ranges] = locatePassage([page], chunk, page.indexOf('脑血管'));
    expect(marked(page, ranges)).toEqual(['脑血管疾病分两类。缺血性多见。', '脑的动脉血供来自两个系统。']);
  });

  it('locatePassage follows a passage across a page break and re-wrapped lines', () => {
    const pages = ['Header\n\nThe nodule was\nsolid and measured', '8 mm. It grew slowly.\n\nOther text.'];
    const chunk = 'The nodule was solid and measured 8 mm. It grew slowly.';
    const ranges = locatePassage(pages, chunk, pages[0].indexOf('The'));
    expect(marked(pages[0], ranges[0])).toEqual(['The nodule was\nsolid and measured']);
    expect(marked(pages[1], ranges[1])).toEqual(['8 mm. It grew slowly.']);
  });

  it('locatePassage starts at charStart (the same sentence earlier on the page is not marked) and skips what it cannot find', () => {
    const page = '随访。前文。随访。后文。';
    const [ranges] = locatePassage([page], '随访。后文。不存在的句子。', 6);
    expect(ranges).toEqual([{ start: 6, end: 12 }]);
    expect(locatePassage(['', ''], 'x', 0)).toEqual([[], []]);
  });
});
