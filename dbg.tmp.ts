import { createRuntime } from './runtime/index.ts';
import { loadConfig, createLogger } from './core/index.ts';
const rt = await createRuntime(loadConfig({ YZ_DATA_DIR: '/tmp/yz/demo-db', YZ_LOG_LEVEL: 'silent' }), { log: createLogger('silent') });
for (const q of process.argv.slice(2)) {
  const res = await rt.search.search({ q, top: 6 });
  console.log('Q', q, res.tookMs);
  for (const h of res.results) console.log(' ', h.score, h.bm25Rank, h.vectorRank, h.title.slice(0, 12), h.headingPath.join(' > ').slice(0, 40), '|', h.text.slice(0, 50).replace(/\n/g, ' '));
}
await rt.close();
process.exit(0);
