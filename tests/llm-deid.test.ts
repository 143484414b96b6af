import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../runtime/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';
import { testRuntime } from './helpers/runtime.ts';

/** A planted case note: labelled name, resident ID (valid check digit), mobile, record and exam numbers. */
const NAME = '欧阳娜娜';
const ID_CARD = '11010519491231002X';
const PHONE = '13912345678';
const MRN = 'ZY20240517';
const ACCESSION = 'CT88776655';
const CASE_NOTE = `# 病例：右肺上叶结节

姓名：${NAME}    性别：女    身份证号：${ID_CARD}
住院号：${MRN}    检查号：${ACCESSION}    联系电话：${PHONE}

胸部CT：右肺上叶见一磨玻璃结节，直径约 8 mm，边缘可见分叶征和毛刺征，邻近胸膜凹陷。磨玻璃结节可提示早期肺腺癌，
建议 3 个月后复查薄层 CT。肺腺癌常见胸膜凹陷征和空泡征。
`;
const IDENTIFIERS = [NAME, ID_CARD, PHONE, MRN, ACCESSION];

/**
 * De-identification at the provider boundary: whatever path text takes to a model — LLM extraction of an
 * uploaded case document, chat retrieval quoting it, query rewriting — no request that reaches the model
 * server carries an identifier from the planted case. (On the old main, extraction sent chunks raw.)
 */
describe('de-identification before every model call', () => {
  let fake: FakeLlmServer;
  let rt: Runtime;
  beforeAll(async () => {
    fake = await startFakeLlmServer({
      script: (req) => (req.format || req.responseFormat ? { json: { triples: [] } } : { text: '该结节表现为磨玻璃结节伴分叶征 [1]。', pieceChars: 5 }),
    });
    rt = await testRuntime({ YZ_LLM: 'ollama', YZ_LLM_URL: fake.url, YZ_LLM_MODEL: 'fake-model', YZ_AUTO_EXTRACT: 'llm' });
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
    await fake?.close();
  });

  it('extraction of a case document and chat over it send no identifier to the model', async () => {
    await rt.ingest.register(Buffer.from(CASE_NOTE), 'case-note.md', { kind: 'case', title: '病例讨论' });
    await rt.runner.drain();
    const extraction = fake.requests.filter((r) => r.format);
    expect(extraction.length).toBeGreaterThan(0);
    expect(extraction.some((r) => r.messages.some((m) => m.content.includes('磨玻璃结节')))).toBe(true);

    // Names are found in labelled fields (core/deid documents that free prose is not covered).
    await rt.chat.ask({ message: `患者：${NAME}，电话 ${PHONE}。这个结节有什么CT表现？`, actor: 'doctor' });
    await rt.chat.ask({ message: `姓名：${NAME}，身份证号：${ID_CARD}，该结节需要多久复查？`, actor: 'doctor' });
    const chat = fake.requests.filter((r) => !r.format);
    expect(chat.length).toBeGreaterThan(0);

    const everything = JSON.stringify([...fake.requests, ...fake.probes].map((r) => r.body));
    for (const id of IDENTIFIERS) expect(everything, id).not.toContain(id);
    expect(everything).toContain('[姓名]');
    expect(everything).toContain('[身份证号]');
    expect(everything).toContain('[电话]');
    // The stored document itself is not altered: de-identification happens on the way out.
    const { rows } = await rt.db.query<{ text: string }>(`SELECT text FROM chunks WHERE text LIKE '%欧阳%'`);
    expect(rows.length).toBeGreaterThan(0);
  });
});
