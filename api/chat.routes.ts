import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ChatEvent, ChatRequestBodySchema, ConversationSchema, ConversationSummarySchema, validateQuestion } from '../agents/index.ts';
import type { Services } from '../runtime/index.ts';
import { actorOf } from './actor.ts';
import { ErrorBodySchema } from './contract.ts';
import { principalOf } from './permissions.ts';

const IdParams = z.object({ id: z.string().min(1).max(100) });

/** One server-sent event per chat event: `event: <type>` and the event as JSON. */
function sse(e: ChatEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

export const chatRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.post('/api/chat', {
    config: { permission: 'knowledge.read' },
    schema: {
      tags: ['chat'],
      summary: 'Ask a question; the answer streams as server-sent events (meta, tool, citations, delta, done | error)',
      body: ChatRequestBodySchema,
      produces: ['text/event-stream'],
      response: { 400: ErrorBodySchema, 404: ErrorBodySchema },
    },
  }, async (req, reply) => {
    // Bad input and an unknown conversation are answered as JSON errors before the stream opens.
    validateQuestion(req.body.message);
    const abort = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort(new DOMException('client disconnected', 'AbortError'));
    });
    let streaming = false;
    const send = (e: ChatEvent) => {
      if (!streaming) {
        streaming = true;
        reply.hijack();
        // The hijacked stream keeps the headers set so far (security headers, api/security-headers.ts).
        reply.raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      }
      if (!reply.raw.destroyed) reply.raw.write(sse(e));
    };
    try {
      await rt.chat.ask({
        message: req.body.message, conversationId: req.body.conversationId, lang: req.body.lang, actor: actorOf(req), signal: abort.signal,
        viewer: principalOf(req), collections: req.body.collections,
      }, send);
    } catch (e) {
      // Once streaming, the `error` event has been sent; a client that left needs no answer at all.
      if (!streaming && !abort.signal.aborted) throw e;
    }
    if (streaming) reply.raw.end();
    else if (abort.signal.aborted) reply.hijack();
    return reply;
  });

  app.get('/api/chat/conversations', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['chat'], summary: 'Your conversations, newest first', response: { 200: z.object({ conversations: z.array(ConversationSummarySchema) }) } },
  }, async (req) => ({ conversations: await rt.chat.listConversations(actorOf(req)) }));

  app.get('/api/chat/conversations/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['chat'], summary: 'One of your conversations with its messages and citations', params: IdParams, response: { 200: ConversationSchema, 404: ErrorBodySchema } },
  }, async (req) => rt.chat.getConversation(actorOf(req), req.params.id));

  app.delete('/api/chat/conversations/:id', {
    config: { permission: 'knowledge.read' },
    schema: { tags: ['chat'], summary: 'Delete one of your conversations', params: IdParams, response: { 204: z.null(), 404: ErrorBodySchema } },
  }, async (req, reply) => {
    await rt.chat.deleteConversation(actorOf(req), req.params.id);
    return reply.code(204).send(null);
  });
};
