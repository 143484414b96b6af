import { isAppError, type KnowledgeScope } from '../../core/index.ts';
import type { GraphStore } from '../../graph/index.ts';
import type { SourcesRepository } from '../../ingest/index.ts';
import type { ToolSpec } from '../../llm/index.ts';
import type { SearchService } from '../../search/index.ts';
import type { Queryable } from '../../store/index.ts';
import { fetchSourcePageTool } from './fetch-source-page.tool.ts';
import { type EntityLookup, graphLookupTool } from './graph-lookup.tool.ts';
import { hybridSearchTool } from './hybrid-search.tool.ts';
import { SourceFlagsRepository } from './source-flags.repository.ts';
import type { ImagingToolPort } from '../../imaging/index.ts';
import { imagingAiReadTool, measurementReadTool } from './imaging-tools.ts';
import { type SectionLookup, sectionLookupTool } from './section-lookup.tool.ts';
import { pubmedSearchTool } from './stub-tools.ts';
import { type TableRowsLookup, tableRowsTool } from './table-rows.tool.ts';
import type { Tool, ToolContext, ToolEvidence, ToolResult } from './tool.ts';
import { toolSpec } from './tool.ts';

/** One tool execution as reported to the UI (`tool` event) and fed back to the model. */
export interface ToolRun {
  name: string;
  input: unknown;
  result: ToolResult;
  ms: number;
}

/**
 * The fixed allowlist of tools. It is built once from code; nothing the model says, and no text inside a
 * retrieved document, can add a tool, change one, or reach anything else: a call to any other name is
 * answered with an error result. Every tool is read-only, and none can see conversations.
 */
export class ToolRegistry {
  private readonly tools: ReadonlyMap<string, Tool>;

  constructor(tools: Tool[]) {
    const map = new Map<string, Tool>();
    for (const t of tools) {
      if (t.readOnly !== true) throw new Error(`tool ${t.name} is not read-only`);
      if (map.has(t.name)) throw new Error(`tool ${t.name} registered twice`);
      map.set(t.name, t);
    }
    this.tools = map;
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  /** The tools as offered to the model. */
  specs(): ToolSpec[] {
    return [...this.tools.values()].map(toolSpec);
  }

  /** Validate and run one call; never throws for the model's mistakes (unknown tool, bad input), only on abort. */
  async run(name: string, rawInput: unknown, ctx: ToolContext): Promise<ToolRun> {
    const started = performance.now();
    const done = (input: unknown, result: ToolResult): ToolRun => ({ name, input, result, ms: Math.round(performance.now() - started) });
    const tool = this.tools.get(name);
    if (!tool) return done(rawInput, { status: 'error', summary: `tool "${String(name).slice(0, 60)}" is not available (allowed: ${this.names().join(', ')})` });
    const parsed = tool.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return done(rawInput, { status: 'error', summary: `invalid input ${issue?.path.join('.') || ''}: ${issue?.message}`.replace(/\s+/g, ' ') });
    }
    try {
      return done(parsed.data, await confine(await tool.run(parsed.data, ctx), ctx.scope));
    } catch (e) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      if (!isAppError(e)) throw e;
      return done(parsed.data, { status: 'error', summary: e.message });
    }
  }
}

/**
 * The turn's scope over whatever a tool returns, whichever tool it is: passages of sources outside the asker's
 * collections are dropped (with the tool's data, which may name them), and an approved relation keeps its triple
 * and id — department-wide knowledge — but loses the quote, title and page of a source the asker cannot see.
 */
async function confine(result: ToolResult, scope: KnowledgeScope | undefined): Promise<ToolResult> {
  if (!scope || scope.collectionIds === null || !result.evidence?.length) return result;
  const visible = await scope.visible(result.evidence.flatMap((e) => (e.sourceId ? [e.sourceId] : [])));
  let dropped = 0;
  const evidence = result.evidence.flatMap((e): ToolEvidence[] => {
    if (!e.sourceId || visible.has(e.sourceId)) return [e];
    if (e.kind === 'chunk') {
      dropped++;
      return [];
    }
    return [{ ...e, quote: '', sourceId: null, title: null, version: null, year: null, page: null, chunkId: null }];
  });
  return dropped ? { status: result.status, summary: `${result.summary} (${dropped} outside the chosen collections left out)`, evidence } : { ...result, evidence };
}

export interface ToolDeps {
  db: Queryable;
  search: SearchService;
  entities: EntityLookup;
  graph: GraphStore;
  sources: Pick<SourcesRepository, 'get' | 'page'>;
  tables: TableRowsLookup;
  sections: SectionLookup;
  /** Stored measurements and imaging-AI results; without it the imaging tools answer not_configured. */
  imaging?: ImagingToolPort;
}

/** Every tool the chat may use: retrieval over the knowledge base, imaging read tools, and the PubMed stub. */
export function createToolRegistry(deps: ToolDeps): ToolRegistry {
  const flags = new SourceFlagsRepository(deps.db);
  return new ToolRegistry([
    hybridSearchTool(deps.search, flags, deps.tables),
    graphLookupTool(deps.entities, deps.graph, flags),
    fetchSourcePageTool(deps.sources, flags),
    tableRowsTool(deps.tables, deps.sources, flags),
    sectionLookupTool(deps.sections, deps.tables, deps.sources, flags),
    pubmedSearchTool(),
    imagingAiReadTool(deps.imaging),
    measurementReadTool(deps.imaging),
  ] as Tool[]);
}
