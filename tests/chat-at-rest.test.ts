import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptStoredQuestions } from '../agents/index.ts';
import { decryptField, isEncryptedField, Keyring } from '../core/index.ts';
import { productEncryptedColumns, rotateKeys } from '../keys/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { DEMO, ingestFiles, testRuntime } from './helpers/runtime.ts';

const KEY_A = randomBytes(16);
const KEY_B = randomBytes(16);
const QUESTION = '患者：张三，身份证号 110101199003071234，电话 13800138000，右肺 8 mm 磨玻璃结节多久复查？';

/** Issue 12 (low): chat questions were stored verbatim with identifiers; now SM4-encrypted, readable only through the owner's history. */
describe('chat questions at rest', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime({ YZ_MASTER_KEY: KEY_A.toString('hex') });
    await ingestFiles(rt, [path.join(DEMO, 'lung-nodule-guideline.md')], { demo: true });
  }, 120_000);
  afterAll(() => rt?.close());

  const stored = async () =>
    (await rt.db.query<{ role: string; content: string; rewritten_query: string | null; title: string }>(
      `SELECT m.role, m.content, m.rewritten_query, c.title FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id ORDER BY m.seq`,
    )).rows;

  it('stores the question, its title and rewritten query as SM4 tokens; the owner reads them back verbatim; answers stay plain', async () => {
    const asked = await rt.chat.ask({ message: QUESTION, actor: 'dr.a' });
    const rows = await stored();
    const dump = JSON.stringify(rows);
    for (const secret of ['张三', '110101199003071234', '13800138000', '磨玻璃结节多久复查']) expect(dump).not.toContain(secret);
    const [q, a] = rows;
    expect(isEncryptedField(q.content) && isEncryptedField(q.title)).toBe(true);
    expect(isEncryptedField(a.rewritten_query)).toBe(true);
    expect(isEncryptedField(a.content)).toBe(false);
    expect(decryptField(q.content, rt.keyring)).toBe(QUESTION);

    const conv = await rt.chat.getConversation('dr.a', asked.conversationId);
    expect(conv.messages[0]).toMatchObject({ role: 'user', content: QUESTION });
    // The tools the answer ran come back with it (sealed at rest: a summary may echo the question).
    expect(conv.messages[1].tools?.map((t) => t.name)).toContain('hybrid_search');
    expect(conv.messages[1].latencyMs).toBeGreaterThan(0);
    const tools = (await rt.db.query<{ tools: string }>(`SELECT tools FROM chat_messages WHERE role = 'assistant'`)).rows[0].tools;
    expect(isEncryptedField(tools)).toBe(true);
    expect(conv.title).toBe(QUESTION.slice(0, 40));
    expect((await rt.chat.listConversations('dr.a'))[0].title).toBe(QUESTION.slice(0, 40));
    await expect(rt.chat.getConversation('dr.b', asked.conversationId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('encrypts questions an earlier version stored in clear, once; key rotation carries them to the new key', async () => {
    await rt.db.query(`INSERT INTO chat_conversations (id, actor, title) VALUES ('conv_legacy', 'dr.old', '旧版明文标题 李四')`);
    await rt.db.query(
      `INSERT INTO chat_messages (id, conversation_id, seq, role, content) VALUES ('msg_legacy_q', 'conv_legacy', 1, 'user', '旧版明文问题 李四'), ('msg_legacy_a', 'conv_legacy', 2, 'assistant', '答案')`,
    );
    expect(await encryptStoredQuestions(rt.db, rt.keyring)).toBe(2);
    expect(await encryptStoredQuestions(rt.db, rt.keyring)).toBe(0);
    expect(JSON.stringify(await stored())).not.toContain('李四');
    expect((await rt.chat.getConversation('dr.old', 'conv_legacy')).messages.map((m) => m.content)).toEqual(['旧版明文问题 李四', '答案']);

    const columns = productEncryptedColumns().list().filter((c) => c.table.startsWith('chat_'));
    expect(columns.map((c) => `${c.table}.${c.column}`)).toEqual(['chat_conversations.title', 'chat_messages.content', 'chat_messages.rewritten_query', 'chat_messages.tools']);
    const report = await rotateKeys(rt.db, new Keyring(KEY_B, [KEY_A]), columns, { actor: 'cli:test' });
    // Two questions, two titles, one rewritten query and one tools record (the legacy turn had neither) — no answer.
    expect(report.rewritten).toBe(6);
    const onlyB = new Keyring(KEY_B);
    const legacy = (await rt.db.query<{ content: string }>(`SELECT content FROM chat_messages WHERE id = 'msg_legacy_q'`)).rows[0];
    expect(decryptField(legacy.content, onlyB)).toBe('旧版明文问题 李四');
    expect((await rt.db.query<{ content: string }>(`SELECT content FROM chat_messages WHERE id = 'msg_legacy_a'`)).rows[0].content).toBe('答案');
  });
});
