import { openAuditedDatabase } from '../audit/index.ts';
import { CollectionsService } from '../collections/index.ts';
import { type Config, createLogger, type Logger, loadLanguage } from '../core/index.ts';
import { ChunkIndexer, createEmbedder, HttpReranker, SearchService } from '../search/index.ts';
import type { Services } from './services.ts';

/** What a read-only search needs: the search service alone. */
export type SearchServices = Pick<Services, 'config' | 'log' | 'search'>;

/**
 * A second, small composition root for one-shot searches (`yingzhi search`): the database, the language
 * tools, the embedder and the search service — no job runner, graph store, model, parser threads or the other
 * capabilities, whose modules and start-up work cost a command seconds (issue 20: a CLI search in < 2 s).
 * The index is checked as in `createRuntime` (a changed analyser version rebuilds it first), so both roots
 * search the same postings.
 */
export async function createSearchRuntime(config: Config, opts: { log?: Logger } = {}): Promise<{ services: SearchServices; close(): Promise<void> }> {
  const log = opts.log ?? createLogger(config.logLevel);
  const { tokenizer } = loadLanguage();
  const embedder = await createEmbedder(config, tokenizer);
  // Audited like every process: an index rebuild or migration writes rows the chain may cover.
  const { db } = await openAuditedDatabase(config, { log });
  try {
    await new ChunkIndexer(tokenizer, embedder).init(db);
  } catch (e) {
    await db.close();
    await embedder.close?.();
    throw e;
  }
  const search = new SearchService(db, tokenizer, embedder, { reranker: config.reranker ? new HttpReranker(config.reranker) : null, scopes: new CollectionsService({ db }) });
  return {
    services: { config, log, search },
    async close() {
      await embedder.close?.();
      await db.close();
    },
  };
}
