import type { ChatService } from '../agents/index.ts';
import type { AuditTrail } from '../audit/index.ts';
import type { AuthService } from '../auth/index.ts';
import type { Cases } from '../cases/index.ts';
import type { CollectionsService } from '../collections/index.ts';
import type { Connectors } from '../connectors/index.ts';
import type { Config, Logger } from '../core/index.ts';
import type { Imaging } from '../imaging/index.ts';
import type { SourcesService } from '../ingest/index.ts';
import type { GraphService, KnowledgeService } from '../knowledge/index.ts';
import type { Literature } from '../literature/index.ts';
import type { LlmSettingsService } from '../llm/index.ts';
import type { Reporting } from '../reporting/index.ts';
import type { SearchService } from '../search/index.ts';
import type { Teaching } from '../teaching/index.ts';
import type { HealthService } from './health.service.ts';
import type { JobsService } from './jobs.service.ts';

/**
 * The application services: one per capability, each owning its use cases and their side effects (queueing
 * and waking workers, projecting the graph, auditing). This is all that `api/` routes and `cli/` commands
 * see; the database, the job queue and runner, repositories, projector and resolver stay behind it
 * (tests/architecture.test.ts holds that line).
 */
export interface Services {
  config: Config;
  log: Logger;
  /** Documents: register, read sources / pages / passages, edit, re-parse, delete (ingest/). */
  sources: SourcesService;
  /** Hybrid search with citations (search/). */
  search: SearchService;
  /** Collections (knowledge bases) with per-role visibility: who may read which sources (collections/). */
  collections: CollectionsService;
  /** Review queue, relations, entities, merges, terminology, extraction (knowledge/). */
  knowledge: KnowledgeService;
  /** The approved graph: traversal, stats, rebuild, export / import (knowledge/ + graph/). */
  graph: GraphService;
  /** Cited chat (agents/). */
  chat: ChatService;
  /** PubMed watches and imports (literature/). */
  literature: Literature;
  /** Accounts, sessions, tokens (auth/). */
  auth: AuthService;
  /** Audit log search and chain verification (audit/). */
  audit: AuditTrail;
  /** Integration connectors (connectors/). */
  connectors: Connectors;
  /** Measurements, protocol QC, imaging AI (imaging/). */
  imaging: Imaging;
  /** Report drafts, RIS exports, report QC (reporting/). */
  reporting: Reporting;
  /** Question bank and exams (teaching/). */
  teaching: Teaching;
  /** Typical-case library, similar cases, differential and timeline (cases/). */
  cases: Cases;
  /** Jobs: list, retry, cancel, wake, drain. */
  jobs: JobsService;
  /** Which model answers; switching it (llm/). */
  llm: LlmSettingsService;
  /** Readiness. */
  health: HealthService;
}
