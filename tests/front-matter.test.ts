import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFrontMatter } from '../core/index.ts';
import { readDocument } from '../ingest/index.ts';
import { parsePrompt } from '../llm/index.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).message;
  }
};

describe('front matter is YAML data, never code', () => {
  it('reads a YAML mapping with the core schema: strings stay strings, no dates, no custom tags', () => {
    const fm = splitFrontMatter('---\ntitle: 脑卒中指南\nyear: 2024\nversion: "2024版"\ndate: 2024-05-01\n---\n# 正文\n', 'a.md');
    expect(fm.data).toEqual({ title: '脑卒中指南', year: 2024, version: '2024版', date: '2024-05-01' });
    expect(fm.content).toBe('# 正文\n');
    expect(splitFrontMatter('# 没有元数据\n正文', 'b.md')).toEqual({ data: {}, content: '# 没有元数据\n正文' });
    expect(splitFrontMatter('---\n---\n正文', 'c.md')).toEqual({ data: {}, content: '正文' });
    expect(codeOf(() => splitFrontMatter('---\ntitle: !!js/function "function () { return 1 }"\n---\n', 'd.md'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => splitFrontMatter('---\n- a\n- b\n---\n', 'e.md'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => splitFrontMatter('---\ntitle: a\ntitle: b\n---\n', 'f.md'))).toBe('VALIDATION_FAILED');
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)];
    expect(codeOf(() => splitFrontMatter(`---\n${laughs.join('\n')}\n---\n`, 'laughs.md'))).toBe('VALIDATION_FAILED');
  });

  it('refuses ---js, ---javascript and any other fence language without evaluating anything', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yz-fm-'));
    const marker = path.join(dir, 'pwned');
    const payload = (lang: string) =>
      `---${lang}\n{ title: (require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'), require('child_process').execSync('id').toString()) }\n---\n# 标题\n正文足够长的内容。\n`;
    for (const lang of ['js', 'javascript', ' JS ', 'coffee', 'toml']) {
      expect(codeOf(() => splitFrontMatter(payload(lang), 'x.md')), lang).toBe('FRONT_MATTER_UNSUPPORTED');
      await expect(readDocument(utf8(payload(lang)), 'x.md')).rejects.toMatchObject({ code: 'FRONT_MATTER_UNSUPPORTED', status: 422, field: 'file' });
    }
    expect(existsSync(marker)).toBe(false);
    expect(splitFrontMatter('---yaml\ntitle: t\n---\n', 'y.md').data).toEqual({ title: 't' });
  });

  it('holds for prompt files too', () => {
    const prompt = '---js\n{ id: "x", version: 1, language: "zh", variables: [] }\n---\n## system\ns\n## user\nu\n';
    expect(() => parsePrompt(prompt, 'x.md')).toThrow(/only YAML front matter/);
  });
});
