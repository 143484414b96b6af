import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RouteOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Runtime } from '../runtime/index.ts';
import { adminUsersRoutes } from './admin-users.routes.ts';
import { auditRoutes } from './audit.routes.ts';
import { authRoutes } from './auth.routes.ts';
import { chatRoutes } from './chat.routes.ts';
import { chunksRoutes } from './chunks.routes.ts';
import { collectionsRoutes } from './collections.routes.ts';
import { connectorsRoutes } from './connectors.routes.ts';
import { installErrorHandler } from './errors.ts';
import { rejectNulCharacters } from './nul-guard.ts';
import { graphRoutes } from './graph.routes.ts';
import { healthRoutes } from './health.routes.ts';
import { imagingAiRoutes } from './imaging-ai.routes.ts';
import { imagingRoutes } from './imaging.routes.ts';
import { jobsRoutes } from './jobs.routes.ts';
import { knowledgeRoutes } from './knowledge.routes.ts';
import { llmRoutes } from './llm.routes.ts';
import { literatureRoutes } from './literature.routes.ts';
import { enforcePermissions, requirePermissionDeclarations, requireSignInForDocs } from './permissions.ts';
import { rejectCrossOriginWrites, requireDeclaredContentTypes } from './request-guard.ts';
import { securityHeaders } from './security-headers.ts';
import { protocolQcRoutes } from './protocol-qc.routes.ts';
import { reportingRoutes } from './reporting.routes.ts';
import { searchRoutes } from './search.routes.ts';
import { sourcesRoutes } from './sources.routes.ts';
import { teachingRoutes } from './teaching.routes.ts';
import { casesRoutes } from './cases.routes.ts';
import { vocabularyRoutes } from './vocabulary.routes.ts';

const UI_DIST = fileURLToPath(new URL('../ui/dist/', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface AppOptions {
  /** Serve the built UI from ui/dist (production). */
  serveUi?: boolean;
  logger?: boolean;
  /** Close the runtime — database, graph store, LLM, embedder, parser pool, job runner — when the app closes (the server owns it). */
  closeRuntime?: boolean;
  /** Called for every route as it is registered (the route × role matrix test collects the table with it). */
  onRoute?: (route: RouteOptions) => void;
}

/** The HTTP API: one plugin per capability, zod schemas on every route, OpenAPI at /docs. */
export async function buildApp(rt: Runtime, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (opts.logger ? rt.log : undefined) as FastifyBaseLogger | undefined,
    bodyLimit: 1024 * 1024,
    // One line per request at debug (below), not Fastify's two at info: a start-up's log stays readable.
    logController: new LogController({ disableRequestLogging: true }),
    // Swagger UI reads its static assets at registration; on a busy 2-core machine that outlasted Fastify's 10 s default.
    pluginTimeout: 60_000,
    // X-Forwarded-For / -Proto / -Host only from the proxies named in YZ_TRUST_PROXY (none by default).
    trustProxy: rt.config.http.trustProxy.length ? rt.config.http.trustProxy : false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  rejectNulCharacters(app);
  requirePermissionDeclarations(app);
  // onRequest order: headers, the cross-origin check, who is calling (401/403), then the body type (415).
  securityHeaders(app);
  rejectCrossOriginWrites(app, { publicOrigins: rt.config.http.publicOrigins });
  enforcePermissions(app, rt.auth);
  requireDeclaredContentTypes(app);
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  if (opts.closeRuntime) app.addHook('onClose', () => rt.close());
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'YingZhi 影知 API', version: VERSION, description: 'Radiology knowledge base: sources, search with citations, triple review, knowledge graph, jobs.' },
      tags: [{ name: 'sources' }, { name: 'search' }, { name: 'review' }, { name: 'graph' }, { name: 'literature' }, { name: 'chat' }, { name: 'llm' }, { name: 'jobs' }, { name: 'health' }, { name: 'connectors' }, { name: 'imaging' }, { name: 'reports' }, { name: 'qc' }, { name: 'audit' }, { name: 'auth' }, { name: 'admin' }, { name: 'teaching' }, { name: 'cases' }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiHooks: { onRequest: requireSignInForDocs(rt.auth) } });
  await app.register(fastifyMultipart, { limits: { fileSize: rt.config.maxUploadBytes, files: 1, fields: 20, fieldSize: 10_000 }, throwFileSizeLimit: true });

  await app.register(healthRoutes(rt.services, VERSION));
  await app.register(sourcesRoutes(rt.services));
  await app.register(searchRoutes(rt.services));
  await app.register(chunksRoutes(rt.services));
  await app.register(collectionsRoutes(rt.services));
  await app.register(jobsRoutes(rt.services));
  await app.register(knowledgeRoutes(rt.services));
  await app.register(vocabularyRoutes(rt.services));
  await app.register(graphRoutes(rt.services));
  await app.register(chatRoutes(rt.services));
  await app.register(llmRoutes(rt.services));
  await app.register(literatureRoutes(rt.services));
  await app.register(connectorsRoutes(rt.services));
  await app.register(imagingRoutes(rt.services));
  await app.register(protocolQcRoutes(rt.services));
  await app.register(imagingAiRoutes(rt.services));
  await app.register(reportingRoutes(rt.services));
  await app.register(auditRoutes(rt.services));
  await app.register(authRoutes(rt.services));
  await app.register(adminUsersRoutes(rt.services));
  await app.register(teachingRoutes(rt.services));
  await app.register(casesRoutes(rt.services));

  if (opts.serveUi && existsSync(UI_DIST)) {
    // `serve: false`: static files go through the one route below, which declares its permission.
    await app.register(fastifyStatic, { root: UI_DIST, serve: false });
    app.get('/*', { config: { permission: 'public' }, schema: { hide: true } }, (req, reply) => {
      const path = decodeURIComponent(req.url.split('?')[0]);
      if (path.startsWith('/api/')) {
        return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `没有这个接口 / no route GET ${path}` } });
      }
      // Built assets by name; every other path is a client-side route and gets the SPA shell.
      const asset = path.replace(/^\/+/, '');
      if (asset && !asset.includes('..') && existsSync(UI_DIST + asset) && !asset.endsWith('/')) return reply.sendFile(asset);
      return reply.sendFile('index.html');
    });
  }
  return app;
}
