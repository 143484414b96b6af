import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Citation as ChatCitation, ChatEvent } from '../../agents/index.ts';
import { citedSentence, citingModel, evidenceOf } from '../fakes/citing-model.ts';
import { type FakeLlmServer, startFakeLlmServer } from '../fakes/llm-server.ts';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { DEMO, startTestServer, type TestServer } from '../helpers/runtime.ts';

const DEMO_FILES = ['lung-nodule-guideline.md', 'lung-cancer-tnm-guideline.md', 'stroke-guideline.md'].map((f) => path.join(DEMO, f));
const VIEWPORT = { width: 1280, height: 860 };

/** Approve every pending candidate the demo files produced, so answers can cite graph relations. */
async function approveAll(server: TestServer): Promise<void> {
  await server.rt.runner.drain();
  const post = (url: string, body: unknown) =>
    fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...server.auth }, body: JSON.stringify(body) });
  // A bulk approval by filter of more than 50 needs the previewed count typed back.
  const preview = (await (await post('/api/kg/candidates/bulk/preview', { filter: {} })).json()) as { approvable: number };
  const res = await post('/api/kg/candidates/bulk', { action: 'approve', filter: {}, confirmCount: preview.approvable });
  expect(res.status).toBe(200);
  await server.rt.knowledge.projector.catchUp();
}

const turns = (page: Page) => page.locator('[data-testid="turn"]');

/** Ask through the box (Enter sends) and wait until the turn has settled. */
async function ask(page: Page, question: string): Promise<ReturnType<Page['locator']>> {
  const before = await turns(page).count();
  await page.locator('#chat-input').fill(question);
  await page.locator('#chat-input').press('Enter');
  const turn = turns(page).nth(before);
  await turn.waitFor();
  await page.waitForFunction((i) => document.querySelectorAll('[data-testid="turn"]')[i]?.getAttribute('data-status') !== 'streaming', before, { timeout: 30_000 });
  return turn;
}

/** The chat page in Chromium against the real server: extractive engine (YZ_LLM=none). */
describe.skipIf(!chromiumAvailable())('chat UI, no LLM (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(DEMO_FILES), launchBrowser()]);
    await approveAll(server);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = (urlPath: string, lang: 'zh' | 'en' = 'zh') => openPage(browser, server.url + urlPath, { lang, viewport: VIEWPORT, auth: server.auth });

  it('asks in Chinese: extractive badge, tools, cited passages; a citation opens the passage; history survives', async () => {
    const { page, errors } = await open('/chat');
    const nav = page.getByRole('navigation');
    expect(await nav.locator('[data-nav="chat"]').textContent()).toBe('问答');
    expect(await nav.locator('[data-nav="chat"]').getAttribute('class')).toContain('active');
    expect(await nav.locator('[data-nav="settings"]').textContent()).toBe('设置');
    await page.locator('[data-testid="chat-welcome"]').waitFor();
    const examples = await page.locator('[data-testid="example-question"]').allTextContents();
    expect(examples).toContain('肺结节多大需要随访？');
    expect(examples).toContain('非小细胞肺癌T2期的标准是什么');
    await shot(page, 'chat-empty.png');

    // An example chip asks at once.
    await page.locator('[data-testid="example-question"]', { hasText: '肺结节多大需要随访？' }).click();
    const turn = turns(page).first();
    await page.waitForFunction(() => document.querySelector('[data-testid="turn"]')?.getAttribute('data-status') === 'done', null, { timeout: 30_000 });
    expect(await turn.locator('[data-testid="question"]').textContent()).toContain('肺结节多大需要随访？');
    const answer = turn.locator('[data-testid="answer"]');
    expect(await answer.getAttribute('data-engine')).toBe('extractive');
    expect(await answer.getAttribute('data-refused')).toBe('false');
    expect(await turn.locator('[data-testid="extractive-badge"]').textContent()).toBe('抽取式回答·未使用大模型');
    // The label line itself is not repeated in the text: the badge carries it.
    const text = (await turn.locator('[data-testid="answer-text"]').textContent()) ?? '';
    expect(text).not.toContain('【抽取式回答');
    expect(text.length).toBeGreaterThan(20);

    // Tools: the retrieval ran as tool calls.
    const tools = turn.locator('[data-testid="tools-panel"]');
    expect(await tools.locator('tr[data-tool="hybrid_search"]').getAttribute('data-status')).toBe('ok');
    expect(await tools.locator('.tools-summary').textContent()).toContain('混合检索');

    // Citations: chips in the text and the numbered list with title, year and page.
    const chips = turn.locator('[data-testid="answer-text"] [data-testid="cite-chip"][data-kind="chunk"]');
    expect(await chips.count()).toBeGreaterThanOrEqual(1);
    const items = turn.locator('[data-testid="citation-item"]');
    expect(await items.count()).toBeGreaterThanOrEqual(1);
    const firstChunk = turn.locator('[data-testid="citation-item"][data-kind="chunk"]').first();
    expect(await firstChunk.locator('.cite-title').textContent()).toMatch(/^《.+》$/);
    expect(await firstChunk.locator('.cite-meta').textContent()).toMatch(/第\s?\d+\s?页/);
    // Every chip number is in the list.
    const listed = new Set(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-n'))));
    for (const n of await chips.evaluateAll((els) => els.map((e) => e.getAttribute('data-n')))) expect(listed.has(n)).toBe(true);

    // The conversation got an id in the URL and appears in the list.
    await page.waitForURL(/\/chat\?c=/);
    const conversationId = new URL(page.url()).searchParams.get('c');
    const listItem = page.locator(`[data-conversation-id="${conversationId}"]`);
    await listItem.waitFor();
    expect(await listItem.locator('.conv-title').textContent()).toContain('肺结节');
    expect(await listItem.getAttribute('class')).toContain('active');
    await tools.locator('.tools-summary').click();
    await shot(page, 'chat-extractive.png');

    // A chip opens the cited passage, highlighted in its page.
    const chip = chips.first();
    const n = await chip.getAttribute('data-n');
    const title = ((await turn.locator(`[data-testid="citation-item"][data-n="${n}"] .cite-title`).textContent()) ?? '').replace(/[《》]/g, '');
    await chip.click();
    await page.waitForURL(/\/passage\//);
    await page.locator('mark.passage-mark').first().waitFor();
    expect(await page.locator('[data-testid="passage-citation"]').textContent()).toContain(title);

    // Back: the conversation is reloaded from the server.
    await page.goBack();
    await page.waitForURL(/\/chat\?c=/);
    await turns(page).first().locator('[data-testid="answer-text"]').waitFor();
    expect(await turns(page).count()).toBe(1);
    expect(await turns(page).first().locator('[data-testid="citation-item"]').count()).toBe(await items.count());
    // The reopened answer still shows the tools it ran and its timing (issue 14: the panel used to vanish).
    expect(await turns(page).first().locator('[data-testid="tools-panel"] tr[data-tool="hybrid_search"]').count()).toBe(1);
    await expect(turns(page).first().locator('[data-testid="answer-meta"]').textContent()).resolves.toMatch(/用时/);
    await closePage(page, errors);
  });

  it('a relation citation opens the approved triple; follow-ups stay in the conversation', async () => {
    const { page, errors } = await open('/chat');
    const turn = await ask(page, '磨玻璃结节有哪些影像表现？');
    expect(await turn.getAttribute('data-status')).toBe('done');
    expect(await turn.locator('tr[data-tool="graph_lookup"]').getAttribute('data-status')).toBe('ok');
    const relation = turn.locator('[data-testid="cite-chip"][data-kind="relation"]').first();
    await relation.waitFor();
    await relation.click();
    const dialog = page.locator('[data-testid="relation-dialog"]');
    await dialog.locator('.entity').first().waitFor();
    await dialog.locator('[data-testid="open-graph"]').waitFor();
    expect(await dialog.locator('.evidence li').count()).toBeGreaterThanOrEqual(1);
    expect(await dialog.locator('[data-testid="open-graph"]').getAttribute('href')).toMatch(/^\/graph\?entity=/);
    await shot(page, 'chat-relation.png');
    await page.keyboard.press('Escape');
    await dialog.locator('.entity').first().waitFor({ state: 'detached' });

    // A follow-up joins the same conversation.
    await page.waitForURL(/\/chat\?c=/);
    const id = new URL(page.url()).searchParams.get('c');
    const second = await ask(page, '那实性结节呢？');
    expect(await second.getAttribute('data-status')).toBe('done');
    expect(new URL(page.url()).searchParams.get('c')).toBe(id);
    await page.waitForFunction((cid) => document.querySelector(`[data-conversation-id="${cid}"] .conv-sub`)?.textContent?.includes('2 轮'), id);
    await closePage(page, errors);
  });

  it('refuses an off-topic question, distinctly; the box counts, limits and keeps Shift+Enter newlines', async () => {
    const { page, errors } = await open('/chat');
    const turn = await ask(page, '红烧肉怎么做才好吃？');
    const answer = turn.locator('[data-testid="answer"]');
    expect(await answer.getAttribute('data-refused')).toBe('true');
    expect(await answer.getAttribute('class')).toContain('answer-refused');
    expect(await turn.locator('[data-testid="refused-badge"]').textContent()).toBe('知识库中未找到依据');
    expect(await turn.locator('[data-testid="answer-text"]').textContent()).toMatch(/^知识库中未找到/);
    expect(await turn.locator('[data-testid="citation-item"]').count()).toBe(0);
    expect(await turn.locator('[data-testid="refusal"] a').getAttribute('href')).toMatch(/^\/search\?q=/);
    await shot(page, 'chat-refusal.png');

    // Shift+Enter is a newline, not a send.
    const input = page.locator('#chat-input');
    await input.fill('第一行');
    await input.press('Shift+Enter');
    await input.pressSequentially('第二行');
    expect(await input.inputValue()).toBe('第一行\n第二行');
    expect(await turns(page).count()).toBe(1);
    expect(await page.locator('[data-testid="chat-counter"]').textContent()).toBe('7 / 4,000');
    // Over the limit: the counter says so and Send is disabled; Enter does nothing.
    await input.fill('肺'.repeat(4001));
    expect(await page.locator('[data-testid="chat-counter"]').textContent()).toContain('问题过长');
    expect(await page.locator('[data-testid="chat-send"]').isDisabled()).toBe(true);
    await input.press('Enter');
    expect(await turns(page).count()).toBe(1);
    await input.fill('');
    expect(await page.locator('[data-testid="chat-send"]').isDisabled()).toBe(true);
    await closePage(page, errors);
  });

  it('new chat, delete, and English', async () => {
    const { page, errors } = await open('/chat');
    await ask(page, '急性脑梗死在DWI上有什么表现？');
    await page.waitForURL(/\/chat\?c=/);
    const id = new URL(page.url()).searchParams.get('c');
    await page.locator('[data-testid="new-chat"]').click();
    await page.locator('[data-testid="chat-welcome"]').waitFor();
    expect(new URL(page.url()).search).toBe('');

    const item = page.locator(`[data-conversation-id="${id}"]`);
    await item.hover();
    await item.locator('[data-testid="delete-conversation"]').click();
    const dialog = page.locator('[data-testid="delete-dialog"]');
    expect(await dialog.textContent()).toContain('急性脑梗死');
    await dialog.locator('[data-testid="confirm-delete"]').click();
    await item.waitFor({ state: 'detached' });
    const res = await fetch(`${server.url}/api/chat/conversations/${id}`, { headers: server.auth });
    expect(res.status).toBe(404);

    await page.locator('[data-lang="en"]').click();
    expect(await page.getByRole('navigation').locator('[data-nav="chat"]').textContent()).toBe('Chat');
    expect(await page.locator('[data-testid="new-chat"]').textContent()).toContain('New chat');
    expect(await page.locator('#chat-input').getAttribute('placeholder')).toContain('Enter to send');
    const en = await ask(page, 'What does an acute infarct look like on DWI?');
    expect(await en.locator('[data-testid="extractive-badge"]').textContent()).toBe('Extractive answer · no LLM');
    await shot(page, 'chat-en.png');
    await closePage(page, errors);
  });

  it('flags superseded and retracted sources, tool errors and a failed request (scripted stream)', async () => {
    const { page, errors } = await open('/chat');
    const citations: ChatCitation[] = [
      { n: 1, kind: 'chunk', chunkId: 'chk_old', sourceId: 'src_old', title: '旧版指南', version: '2015版', year: 2015, page: 3, quote: '旧版的随访建议。', superseded: true },
      { n: 2, kind: 'chunk', chunkId: 'chk_bad', sourceId: 'src_bad', title: '被撤稿的论文', version: null, year: 2020, page: 1, quote: '撤稿论文的结论。', retracted: true },
      { n: 3, kind: 'relation', relationId: 'rel_unknown', triple: { subject: '肺结节', predicate: '影像表现', object: '分叶征' }, quote: '可见分叶征。' },
    ];
    const events: ChatEvent[] = [
      { type: 'meta', conversationId: 'conv_scripted', messageId: 'msg_1', engine: 'llm', model: 'scripted', promptVersion: 'chat-answer@v1', lang: 'zh', rewrittenQuery: '旧指南' },
      { type: 'tool', name: 'hybrid_search', input: {}, status: 'ok', summary: '2 passages', ms: 4 },
      { type: 'tool', name: 'graph_lookup', input: {}, status: 'error', summary: 'graph store unavailable', ms: 2 },
      { type: 'tool', name: 'imaging_ai', input: {}, status: 'not_configured', summary: '影像 AI 连接器尚未配置', ms: 0 },
      { type: 'citations', citations },
      { type: 'delta', text: '旧版建议每年随访[1]。' },
      { type: 'delta', text: '该论文结论已撤回[2]。分叶征提示恶性[3]。' },
      { type: 'citations', citations },
      {
        type: 'done', messageId: 'msg_1', answer: '旧版建议每年随访[1]。该论文结论已撤回[2]。分叶征提示恶性[3]。',
        sentences: [{ text: '旧版建议每年随访[1]。', citations: [1], supported: true }, { text: '该论文结论已撤回[2]。', citations: [2], supported: true }, { text: '分叶征提示恶性[3]。', citations: [3], supported: true }],
        refused: false, usage: { promptTokens: 100, completionTokens: 20 }, latencyMs: 1500, overheadMs: 30,
      },
    ];
    let calls = 0;
    await page.route('**/api/chat', (route) => {
      calls++;
      if (calls === 1) return route.fulfill({ status: 200, contentType: 'text/event-stream', body: events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('') });
      return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'LLM_UNAVAILABLE', message: '大模型服务不可用 / the model server is down' } }) });
    });
    const turn = await ask(page, '旧指南怎么说？');
    expect(await turn.getAttribute('data-status')).toBe('done');
    const item1 = turn.locator('[data-testid="citation-item"][data-n="1"]');
    expect(await item1.locator('[data-flag="superseded"]').textContent()).toBe('已被取代');
    expect(await item1.locator('.cite-meta').textContent()).toBe('2015版 · 2015 · 第 3 页');
    expect(await turn.locator('[data-testid="citation-item"][data-n="2"] [data-flag="retracted"]').textContent()).toBe('已撤稿');
    expect(await turn.locator('[data-testid="cite-chip"][data-n="1"]').getAttribute('class')).toContain('cite-chip-flagged');
    expect(await turn.locator('tr[data-tool="graph_lookup"]').textContent()).toContain('出错');
    expect(await turn.locator('tr[data-tool="imaging_ai"]').textContent()).toContain('未配置');
    expect(await turn.locator('[data-testid="answer-meta"]').textContent()).toContain('用时 1.5 秒');
    await turn.locator('.tools-summary').click();
    await shot(page, 'chat-flags.png');
    // The relation chip opens the triple even when the graph no longer knows the relation.
    await turn.locator('[data-testid="cite-chip"][data-n="3"]').click();
    const dialog = page.locator('[data-testid="relation-dialog"]');
    expect(await dialog.locator('[data-testid="relation-triple"]').textContent()).toContain('分叶征');
    expect(await dialog.locator('[data-testid="relation-gone"]').textContent()).toContain('已不在知识图谱中');
    await page.keyboard.press('Escape');

    // A request the server refuses before streaming: its message and code, and Retry.
    const failed = await ask(page, '再问一次');
    expect(await failed.getAttribute('data-status')).toBe('error');
    expect(await failed.locator('[data-testid="chat-error"] .alert-code').textContent()).toBe('LLM_UNAVAILABLE');
    expect(await failed.locator('[data-testid="chat-error"]').textContent()).toContain('大模型服务不可用');
    await closePage(
      page,
      errors.filter((e) => !/status of 503/.test(e)),
    );
  });

  it('conversations are per user: another reviewer sees none of them', async () => {
    const { page, errors } = await open('/chat');
    await page.locator('[data-conversation-id]').first().waitFor();
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN', extraHTTPHeaders: await server.tokenFor('resident', 'dr.li') });
    const other = await context.newPage();
    await other.goto(`${server.url}/chat`);
    await other.locator('.conv-empty').waitFor();
    expect(await other.locator('[data-conversation-id]').count()).toBe(0);
    await context.close();
    await closePage(page, errors);
  });

  it('settings without a model: kind none, not configured, the hint, prompts', async () => {
    const { page, errors } = await open('/settings');
    const card = page.locator('[data-testid="llm-status"]');
    await card.waitFor();
    expect(await card.getAttribute('data-kind')).toBe('none');
    expect(await page.locator('[data-testid="llm-reachable"]').textContent()).toBe('未配置');
    expect(await card.locator('.llm-none').textContent()).toContain('YZ_LLM');
    expect(await page.locator('[data-testid="prompts"] tr[data-prompt-id="chat-answer"]').count()).toBe(1);
    await shot(page, 'settings-none.png');
    await closePage(page, errors);
  });
});

const STREAMING = { pieceChars: 3, pieceDelayMs: 25 };
/** A sentence no evidence supports: the citation checker must flag it. */
const MADE_UP = '另外，所有肺结节都必须立即手术切除并化疗[1]。';
const answering = citingModel({ cite: 2, extra: [MADE_UP] });

/** The chat page with a model: the fake OpenAI-compatible server streams answers over real HTTP. */
describe.skipIf(!chromiumAvailable())('chat UI with a model (Chromium, fake LLM server)', () => {
  let server: TestServer;
  let browser: Browser;
  let llm: FakeLlmServer;
  let mode: 'answer' | 'tool' | 'slow' | 'fail' | 'uncited' = 'answer';

  beforeAll(async () => {
    llm = await startFakeLlmServer({
      script: (req) => {
        if (!req.stream) return answering(req);
        if (mode === 'fail') return { status: 400, error: 'model refused the request (scripted)' };
        if (mode === 'slow') return { text: '肺结节的随访取决于结节大小和密度。'.repeat(40), pieceChars: 2, pieceDelayMs: 120 };
        // A small local model's habit: it answers from the first passage but writes no [n].
        if (mode === 'uncited') return { text: citedSentence(evidenceOf(req)[0]).replace(/\[\d+\]/g, ''), ...STREAMING };
        const toolDone = req.messages.some((m) => m.role === 'tool');
        if (mode === 'tool' && !toolDone && req.tools?.some((t) => t.function.name === 'pubmed_search')) {
          return { toolCalls: [{ name: 'pubmed_search', arguments: { query: 'pulmonary nodule follow-up' } }] };
        }
        return { ...answering(req), ...STREAMING };
      },
    });
    [server, browser] = await Promise.all([
      startTestServer(DEMO_FILES, { YZ_LLM: 'openai', YZ_LLM_URL: `${llm.url}/v1`, YZ_LLM_MODEL: 'fake-model', YZ_LLM_TIMEOUT_MS: '20000' }),
      launchBrowser(),
    ]);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await llm?.close();
  });

  const open = (urlPath: string) => openPage(browser, server.url + urlPath, { lang: 'zh', viewport: VIEWPORT, auth: server.auth });

  it('streams the answer token by token with [n] chips, flags the unsupported sentence, lists tools incl. not configured', async () => {
    mode = 'tool';
    const { page, errors } = await open('/chat');
    await page.locator('#chat-input').fill('肺结节多大需要随访？');
    await page.locator('[data-testid="chat-send"]').click();
    const turn = turns(page).first();
    // While streaming: the box is disabled, Stop is offered, and the text grows.
    await turn.locator('[data-testid="answer-text"]').waitFor();
    expect(await turn.getAttribute('data-status')).toBe('streaming');
    expect(await page.locator('#chat-input').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="chat-stop"]').isVisible()).toBe(true);
    const early = ((await turn.locator('[data-testid="answer-text"]').textContent()) ?? '').length;
    await page.waitForFunction((n) => (document.querySelector('[data-testid="answer-text"]')?.textContent?.length ?? 0) > n + 6, early);
    await shot(page, 'chat-streaming.png');
    await page.waitForFunction(() => document.querySelector('[data-testid="turn"]')?.getAttribute('data-status') === 'done', null, { timeout: 30_000 });

    const answer = turn.locator('[data-testid="answer"]');
    expect(await answer.getAttribute('data-engine')).toBe('llm');
    expect(await turn.locator('[data-testid="extractive-badge"]').count()).toBe(0);
    const text = (await turn.locator('[data-testid="answer-text"]').textContent()) ?? '';
    expect(text.length).toBeGreaterThan(MADE_UP.length + 10);
    // [1] became a chip that links to the passage.
    const chip = turn.locator('[data-testid="answer-text"] [data-testid="cite-chip"][data-n="1"]').first();
    expect(await chip.getAttribute('href')).toMatch(/^\/passage\/[^/?]+/);
    expect(await turn.locator('[data-testid="citation-item"][data-n="1"]').count()).toBe(1);
    // The made-up sentence is shown flagged, with the note.
    const flagged = turn.locator('[data-testid="unsupported-sentence"]');
    expect(await flagged.count()).toBe(1);
    expect(await flagged.textContent()).toContain('手术切除');
    expect(await turn.locator('[data-testid="unsupported-note"]').textContent()).toContain('1 句未通过引用核查');
    // Tools: retrieval plus the model's own call of a tool that is not configured yet.
    const tools = turn.locator('[data-testid="tools-panel"]');
    expect(await tools.locator('tr[data-tool="hybrid_search"]').getAttribute('data-status')).toBe('ok');
    expect(await tools.locator('tr[data-tool="pubmed_search"]').getAttribute('data-status')).toBe('not_configured');
    expect(await tools.locator('tr[data-tool="pubmed_search"]').textContent()).toContain('未配置');
    expect(await tools.locator('tr[data-tool="pubmed_search"] .tool-ms').textContent()).toMatch(/^\d+ ms$/);
    // Model, prompt version, timing and tokens under the answer.
    const meta = (await turn.locator('[data-testid="answer-meta"]').textContent()) ?? '';
    expect(meta).toContain('fake-model');
    expect(meta).toMatch(/chat-answer/);
    expect(meta).toMatch(/令牌 [\d,]+ 入/);
    expect(await page.locator('#chat-input').isDisabled()).toBe(false);
    await tools.locator('.tools-summary').click();
    await shot(page, 'chat-llm.png');
    await closePage(page, errors);
  });

  it('an answer the model left uncited is shown cited to the passage that supports it, with a note saying so', async () => {
    mode = 'uncited';
    const { page, errors } = await open('/chat');
    await page.locator('#chat-input').fill('实性结节怎么随访？');
    await page.locator('[data-testid="chat-send"]').click();
    const turn = turns(page).first();
    await page.waitForFunction(() => document.querySelector('[data-testid="turn"]')?.getAttribute('data-status') === 'done', null, { timeout: 30_000 });
    expect(await turn.locator('[data-testid="answer-text"] [data-testid="cite-chip"][data-n="1"]').count()).toBe(1);
    expect(await turn.locator('[data-testid="unsupported-sentence"]').count()).toBe(0);
    expect(await turn.locator('[data-testid="attributed-note"]').textContent()).toContain('模型有 1 句未标注出处');
    expect(await turn.locator('[data-testid="citation-item"][data-n="1"]').count()).toBe(1);
    await shot(page, 'chat-attributed.png');
    await closePage(page, errors);
  });

  it('Stop aborts the stream mid-answer and keeps the partial text', async () => {
    mode = 'slow';
    const { page, errors } = await open('/chat');
    await page.locator('#chat-input').fill('肺结节的随访原则是什么？');
    await page.locator('#chat-input').press('Enter');
    const turn = turns(page).first();
    await turn.locator('[data-testid="answer-text"]').waitFor();
    await page.waitForFunction(() => (document.querySelector('[data-testid="answer-text"]')?.textContent?.length ?? 0) > 10);
    await page.locator('[data-testid="chat-stop"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="turn"]')?.getAttribute('data-status') === 'stopped');
    const partial = (await turn.locator('[data-testid="answer-text"]').textContent()) ?? '';
    expect(partial.length).toBeGreaterThan(10);
    expect(partial.length).toBeLessThan('肺结节的随访取决于结节大小和密度。'.length * 40);
    expect(await turn.textContent()).toContain('已停止生成');
    expect(await page.locator('#chat-input').isDisabled()).toBe(false);
    expect(await page.locator('[data-testid="chat-stop"]').count()).toBe(0);
    // The model server saw the request cancelled, and nothing more arrives.
    await expect.poll(() => llm.requests.at(-1)?.clientClosed, { timeout: 5000 }).toBe(true);
    await page.waitForTimeout(300);
    expect((await turn.locator('[data-testid="answer-text"]').textContent()) ?? '').toBe(partial);
    await shot(page, 'chat-stopped.png');
    await closePage(page, errors);
  });

  it('a model error is explained, and Retry asks again', async () => {
    mode = 'fail';
    const { page, errors } = await open('/chat');
    const turn = await ask(page, '非小细胞肺癌T2期的标准是什么');
    expect(await turn.getAttribute('data-status')).toBe('error');
    const alert = turn.locator('[data-testid="chat-error"]');
    expect(await alert.textContent()).toContain('回答失败');
    expect(await alert.locator('.alert-code').textContent()).toMatch(/^[A-Z_]+$/);
    await shot(page, 'chat-error.png');
    mode = 'answer';
    await turn.locator('[data-testid="chat-retry"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="turn"]')?.getAttribute('data-status') === 'done', null, { timeout: 30_000 });
    expect(await turns(page).count()).toBe(1);
    expect(await turns(page).first().locator('[data-testid="cite-chip"]').count()).toBeGreaterThanOrEqual(1);
    await closePage(page, errors);
  });

  it('settings: model, URL, reachable, context size, statistics with a chart, prompts; Check again', async () => {
    const { page, errors } = await open('/settings');
    const card = page.locator('[data-testid="llm-status"]');
    await card.waitFor();
    expect(await card.getAttribute('data-kind')).toBe('openai');
    expect(await card.getAttribute('data-reachable')).toBe('true');
    expect(await page.locator('[data-testid="llm-reachable"]').textContent()).toBe('可用');
    expect(await page.locator('[data-testid="llm-model"]').textContent()).toBe('fake-model');
    expect(await page.locator('[data-testid="llm-url"]').textContent()).toBe(`${llm.url}/v1`);
    expect(await page.locator('[data-testid="llm-context"]').textContent()).toBe('8,192 令牌');
    expect(await page.locator('[data-testid="llm-latency"]').textContent()).toMatch(/^\d+ 毫秒$/);
    const calls = Number((await page.locator('[data-testid="usage-calls"] .stat-num').textContent())?.replace(/,/g, ''));
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(Number((await page.locator('[data-testid="usage-promptTokens"] .stat-num').textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="usage-p50"] .stat-num').textContent()).toMatch(/\d+ 毫秒/);
    expect(await page.locator('[data-testid="usage-chart"] [data-bar]').count()).toBe(6);
    expect(await page.locator('[data-testid="prompts"] tr[data-prompt-id="chat-answer"]').count()).toBe(1);
    await shot(page, 'settings.png');

    // The model goes away: Check again shows it.
    await llm.close();
    await page.locator('[data-testid="check-again"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="llm-status"]')?.getAttribute('data-reachable') === 'false', null, { timeout: 15_000 });
    expect(await page.locator('[data-testid="llm-reachable"]').textContent()).toBe('无法连接');
    await page.locator('[data-testid="llm-error"]').waitFor();
    await shot(page, 'settings-down.png');
    await closePage(page, errors);
  });
});
