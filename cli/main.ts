import { Command, InvalidArgumentError } from 'commander';
import { registerAuditCommands } from '../audit/index.ts';
import { ingestCommand } from './commands/ingest.ts';
import { jobsListCommand, searchCommand, sourcesListCommand } from './commands/query.ts';
import { startCommand } from './commands/start.ts';
import { fail } from './output.ts';

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
  .action(() => startCommand().catch((e) => fail(e, false)));

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
  .option('--json', 'machine-readable output')
  .action((paths: string[], opts) => ingestCommand(paths, { ...opts, year: opts.year ? Number(opts.year) : undefined }));

program
  .command('search')
  .description('检索知识库 / search the knowledge base')
  .argument('<query>')
  .option('--top <n>', 'number of results', intArg('--top'), '10')
  .option('--kind <kinds>', 'comma-separated source kinds')
  .option('--year-from <year>', 'earliest year', intArg('--year-from'))
  .option('--year-to <year>', 'latest year', intArg('--year-to'))
  .option('--mode <mode>', 'hybrid | bm25 | vector', 'hybrid')
  .option('--json', 'machine-readable output')
  .action((q: string, opts) => searchCommand(q, opts));

const sources = program.command('sources').description('来源管理 / sources');
sources
  .command('list')
  .option('--kind <kind>')
  .option('--json', 'machine-readable output')
  .action((opts) => sourcesListCommand(opts));

const jobs = program.command('jobs').description('后台任务 / jobs');
jobs
  .command('list')
  .option('--status <status>', 'queued | running | succeeded | failed | cancelled')
  .option('--json', 'machine-readable output')
  .action((opts) => jobsListCommand(opts));

registerAuditCommands(program);

await program.parseAsync(process.argv);
