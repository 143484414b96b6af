import type { Keyring, Logger, ScopeResolver, Tokenizer } from '../core/index.ts';
import type { GraphStore } from '../graph/index.ts';
import type { ImagingToolPort } from '../imaging/index.ts';
import { SectionsRepository, type SourcesRepository, type TablesRepository } from '../ingest/index.ts';
import { type LlmProvider, type LlmResponseCache, loadPrompt } from '../llm/index.ts';
import type { SearchService } from '../search/index.ts';
import type { Database } from '../store/index.ts';
import type { ChatService } from './chat.types.ts';
import { DefaultChatService } from './chat/chat.service.ts';
import { ConversationsRepository } from './chat/conversations.repository.ts';
import { QueryRewriter } from './chat/query-rewrite.ts';
import type { EntityLookup } from './tools/graph-lookup.tool.ts';
import { createToolRegistry } from './tools/registry.ts';

export interface ChatDeps {
  db: Database;
  /** The active model at the time of each call (it can be switched in Settings); null: deterministic engines. */
  llm: () => LlmProvider | null;
  /** YZ_LLM_NUM_CTX. */
  numCtx: number;
  /** YZ_LLM_FIRST_TOKEN_MS: the evidence is cut to what the model reads in this time (0 or absent: no limit). */
  firstTokenTargetMs?: number;
  /** The measured prompt-reading speed (tokens/s) of a model, null before it has answered once. */
  promptSpeed?: (llm: LlmProvider) => Promise<number | null>;
  tokenizer: Tokenizer;
  search: SearchService;
  entities: EntityLookup;
  graph: GraphStore;
  sources: Pick<SourcesRepository, 'get' | 'page'>;
  tables: Pick<TablesRepository, 'forChunks' | 'rowChunks' | 'rowChunksByLabel'>;
  cache: LlmResponseCache;
  /** Encrypts what users type (questions, titles) at rest. */
  keyring: Keyring;
  log?: Logger;
  /** Stored measurements and imaging-AI results for the imaging tools. */
  imaging?: ImagingToolPort;
  /** Which collections an asker may read (collections/). */
  scopes?: ScopeResolver;
}

/** The chat service wired from the runtime's parts; loads and validates its prompts now (a bad prompt file fails start). */
export function createChatService(deps: ChatDeps): ChatService {
  const tables = {
    forChunks: (ids: string[]) => deps.tables.forChunks(deps.db, ids),
    rowChunks: (id: string) => deps.tables.rowChunks(deps.db, id),
    rowChunksByLabel: (sourceId: string, label: string) => deps.tables.rowChunksByLabel(deps.db, sourceId, label),
  };
  const sectionsRepo = new SectionsRepository();
  const sections = { lookup: (ids: string[], terms: { surfaces: string[]; weight: number }[], opts?: { limit?: number }) => sectionsRepo.lookup(deps.db, ids, terms, opts) };
  const tools = createToolRegistry({ db: deps.db, search: deps.search, entities: deps.entities, graph: deps.graph, sources: deps.sources, tables, sections, imaging: deps.imaging });
  const rewriter = new QueryRewriter({
    get llm() {
      return deps.llm();
    },
    cache: deps.cache, tokenizer: deps.tokenizer, prompt: loadPrompt('query-rewrite'), log: deps.log });
  return new DefaultChatService({
    get llm() {
      return deps.llm();
    },
    numCtx: deps.numCtx,
    firstTokenTargetMs: deps.firstTokenTargetMs,
    promptSpeed: deps.promptSpeed,
    tokenizer: deps.tokenizer,
    tools,
    conversations: new ConversationsRepository(deps.db, deps.keyring),
    rewriter,
    answerPrompt: loadPrompt('chat-answer'),
    log: deps.log,
    scopes: deps.scopes,
  });
}
