import { describe, expect, it } from 'vitest';
import { inLanguage } from '../ui/src/i18n.ts';

/** Server messages are 「中文 / English」; a screen shows the half in its own language. */
describe('inLanguage', () => {
  it('picks the half of a bilingual server message for the screen language', () => {
    expect(inLanguage('报告为空 / the report is empty', 'zh')).toBe('报告为空');
    expect(inLanguage('报告为空 / the report is empty', 'en')).toBe('the report is empty');
    // No space before the slash, and slashes inside the Chinese half.
    const note = '大模型 m 改写，已通过数值/侧别/肺段校验 / rewritten by m, passed the numeric/side/segment guard';
    expect(inLanguage(note, 'zh')).toBe('大模型 m 改写，已通过数值/侧别/肺段校验');
    expect(inLanguage('模板引擎：未配置大模型（YZ_LLM=none）/ template engine: no model configured (YZ_LLM=none)', 'en')).toBe('template engine: no model configured (YZ_LLM=none)');
  });

  it('shows a message whole when its halves cannot be told apart', () => {
    expect(inLanguage('纯中文消息', 'en')).toBe('纯中文消息');
    expect(inLanguage('English only / with a slash', 'zh')).toBe('English only / with a slash');
    // The "English" half quotes Chinese: not a clean split.
    expect(inLanguage('印象写「左肺」 / left 「右」', 'zh')).toBe('印象写「左肺」 / left 「右」');
  });
});
