import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { detectFileType, readDocument } from '../ingest/index.ts';
import { isFolio } from '../ingest/readers/pdf/furniture.ts';
import { DEMO, ROOT } from './helpers/runtime.ts';

const fixture = (name: string) => readFileSync(path.join(ROOT, 'tests/fixtures', name));
const utf8 = (s: string) => new TextEncoder().encode(s);

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
  return 'NO_ERROR';
}

describe('readers', () => {
  it('reads a Chinese text PDF page by page, with Chromium Kangxi radicals folded to ordinary characters', async () => {
    const doc = await readDocument(fixture('text-zh.pdf'), 'text-zh.pdf');
    expect(doc.paging).toBe('native');
    expect(doc.pageCount).toBe(3);
    expect(doc.meta.title).toBe('测试指南：肺结节随访（测试用）');
    const page2 = doc.blocks.filter((b) => b.page === 2).map((b) => b.text).join('');
    expect(page2).toContain('分叶征和毛刺征提示恶性');
    expect(doc.blocks.find((b) => b.kind === 'heading' && b.text.includes('随访'))?.page).toBe(2);
    const all = doc.blocks.map((b) => b.text).join('');
    expect(all).not.toMatch(/[\u2e80-\u2fdf]/); // no Kangxi radical code points left
    expect(all).toContain('未见纵隔淋巴结肿大');
  });

  it('drops page furniture (folios) and table tabs from PDF text', async () => {
    const doc = await readDocument(readFileSync(path.join(ROOT, 'demo/pdf/stroke-textbook.pdf')), 'stroke-textbook.pdf');
    const text = doc.blocks.map((b) => b.text).join('\n');
    expect(text).not.toMatch(/— \d+ —/);
    expect(text).not.toContain('\t');
    for (const f of ['— 12 —', '第 3 页', '第 3 页 共 9 页', 'Page 2 of 9', '2 / 9']) expect(isFolio(f), f).toBe(true);
    for (const t of ['正文', '7', '18～24 个月再复查', '第 3 章 随访']) expect(isFolio(t), t).toBe(false);
  });

  it('refuses an encrypted PDF, a PDF without text layer and a corrupt PDF with distinct codes', async () => {
    expect(await errorCode(readDocument(fixture('encrypted.pdf'), 'encrypted.pdf'))).toBe('PDF_ENCRYPTED');
    expect(await errorCode(readDocument(fixture('no-text-layer.pdf'), 'scan.pdf'))).toBe('PDF_NO_TEXT_LAYER');
    expect(await errorCode(readDocument(utf8('%PDF-1.4\n garbage that is not a pdf'), 'bad.pdf'))).toBe('PDF_CORRUPT');
    expect(await errorCode(readDocument(utf8('hello'), 'fake.pdf'))).toBe('PDF_CORRUPT');
  });

  it('decodes GBK text and keeps UTF-8 as is', async () => {
    const gbk = await readDocument(fixture('gbk-note.txt'), 'gbk-note.txt');
    expect(gbk.blocks.map((b) => b.text).join('\n')).toContain('阑尾增粗，直径大于 6 mm');
    const u = await readDocument(utf8('第一章 总论\n\n急性胰腺炎的CT表现。'), 'a.txt');
    expect(u.blocks[0]).toMatchObject({ kind: 'heading', text: '第一章 总论' });
  });

  it('splits plain text pages on form feeds', async () => {
    const doc = await readDocument(utf8('第一页内容。\f第二页内容。\f第三页内容。'), 'pages.txt');
    expect(doc.paging).toBe('marked');
    expect(doc.blocks.map((b) => b.page)).toEqual([1, 2, 3]);
  });

  it('reads Markdown front-matter, page markers, headings, lists and table rows', async () => {
    const md = readFileSync(path.join(DEMO, 'lung-cancer-tnm-guideline.md'));
    const doc = await readDocument(md, 'lung-cancer-tnm-guideline.md');
    expect(doc.paging).toBe('marked');
    expect(doc.meta).toMatchObject({ kind: 'guideline', year: 2024, version: '第2版', demo: true });
    expect(doc.pageCount).toBeGreaterThanOrEqual(14);
    expect(doc.blocks.some((b) => b.kind === 'heading' && /TNM/.test(b.text))).toBe(true);
    expect(doc.blocks.every((b) => !b.text.includes('<!--'))).toBe(true);
  });

  it('reads HTML with meta tags and page comments', async () => {
    const html = `<html><head><title>急腹症速查</title><meta name="yz:kind" content="textbook"><meta name="yz:year" content="2022"></head>
      <body><h1>1 肠梗阻</h1><p>可见多发气液平面。</p><!-- page: 2 --><h2>1.1 绞窄</h2><ul><li>鸟嘴征</li></ul><script>alert(1)</script></body></html>`;
    const doc = await readDocument(utf8(html), 'x.html');
    expect(doc.meta).toMatchObject({ title: '急腹症速查', kind: 'textbook', year: 2022 });
    expect(doc.blocks).toEqual([
      { page: 1, kind: 'heading', level: 1, text: '1 肠梗阻' },
      { page: 1, kind: 'text', text: '可见多发气液平面。' },
      { page: 2, kind: 'heading', level: 2, text: '1.1 绞窄' },
      { page: 2, kind: 'text', text: '• 鸟嘴征' },
    ]);
  });

  it('names the problem for empty, binary, undecodable and unsupported files', async () => {
    expect(await errorCode(readDocument(new Uint8Array(0), 'empty.md'))).toBe('EMPTY_FILE');
    expect(await errorCode(readDocument(new Uint8Array([0x41, 0, 0x42, 0]), 'bin.txt'))).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await errorCode(readDocument(new Uint8Array([0xff, 0x41, 0xff, 0xff, 0x80]), 'junk.txt'))).toBe('TEXT_DECODE_FAILED');
    expect(await errorCode(readDocument(utf8('   \n\n  '), 'blank.md'))).toBe('NO_TEXT');
    expect(() => detectFileType(utf8('PK..'), 'slides.pptx')).toThrow(/不支持的文件类型/);
  });
});
