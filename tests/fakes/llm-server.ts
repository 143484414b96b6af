import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a scripted reply can be. Every kind may wait `delayMs` before answering (a slow model). */
export type FakeLlmReply = (
  | {
      /** The answer's content. */
      text?: string;
      /** Content as JSON (`JSON.stringify`-ed). */
      json?: unknown;
      /** Prepended as `<think>…</think>`. */
      think?: string;
      /** Token counts to report instead of the computed ones (about 1 per 2 characters). */
      usage?: { promptTokens?: number; completionTokens?: number };
      /** Stream pieces of this many characters (default 4), each after `pieceDelayMs`. */
      pieceChars?: number;
      pieceDelayMs?: number;
      /** Send about half of the answer (body or stream), then drop the connection. */
      truncate?: boolean;
      /**
       * Ask for tools instead of (or besides) answering. `arguments` given as a string is sent verbatim
       * (OpenAI's format; use it for malformed JSON), otherwise as an object (Ollama) or its JSON (OpenAI).
       */
      toolCalls?: FakeToolCall[];
      /** OpenAI streams: split each call's argument string into fragments of this many characters (default 8). */
      argChunkChars?: number;
      /** Why the answer ended (default `stop`; `length` = cut at max_tokens). */
      finish?: 'stop' | 'length';
    }
  | { status: number; error?: string; retryAfter?: number }
  /** Send this body verbatim with status 200 (protocol garbage). */
  | { raw: string; contentType?: string }
) & { delayMs?: number };

export interface FakeToolCall {
  id?: string;
  name: string;
  arguments: unknown;
}

/** A message as the client sent it (tool calls and results in the wire format of `api`). */
export interface FakeLlmMessage {
  role: string;
  content: string;
  tool_calls?: { id?: string; type?: string; function: { name: string; arguments: unknown } }[];
  tool_call_id?: string;
  tool_name?: string;
}

/** A chat request as the server received it. */
export interface FakeLlmRequest {
  api: 'ollama' | 'openai';
  model: string;
  messages: FakeLlmMessage[];
  /** The `tools` offered (both formats: `{ type: 'function', function: { name, description, parameters } }`). */
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
  stream: boolean;
  /** Ollama `format` (the JSON schema). */
  format?: unknown;
  /** Ollama `options` (num_ctx, temperature, num_predict). */
  options?: Record<string, unknown>;
  /** OpenAI `response_format`. */
  responseFormat?: unknown;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /** True once the client closed the connection before the reply was complete (a cancelled request). */
  clientClosed: boolean;
}

export type FakeLlmScript = (req: FakeLlmRequest) => FakeLlmReply | Promise<FakeLlmReply>;

export interface FakeLlmServer {
  /** Base URL (Ollama clients use it as is; OpenAI clients with or without `/v1`). */
  url: string;
  /** Chat requests in arrival order. */
  requests: FakeLlmRequest[];
  /** Most chat requests in flight at once so far. */
  readonly maxInFlight: number;
  /** Tool-capability probes received (not in `requests`). */
  probes: FakeLlmRequest[];
  /** Whether the emulated model answers the probe with a native tool call (default true). */
  setNativeTools(native: boolean): void;
  /** Queue replies; they are used, in order, before the script. */
  reply(...replies: FakeLlmReply[]): void;
  /** Answer every chat request not covered by the queue (null: a 500 saying nothing is scripted). */
  script(fn: FakeLlmScript | null): void;
  /** Forget requests, queued replies and the script. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A protocol-level fake of a local model server speaking both wire formats: Ollama (`POST /api/chat`,
 * JSON or NDJSON stream; `GET /api/tags`) and OpenAI-compatible (`POST /v1/chat/completions`, JSON or
 * SSE with `[DONE]`; `GET /v1/models`), tool calls included. Answers come from a queue of scripted
 * replies, then a script function; a model it does not serve gets 404 as from Ollama. Scripted faults:
 * HTTP errors, slow answers and streams, truncated bodies and streams, protocol garbage, malformed
 * tool-call arguments; `clientClosed` tells whether the client hung up (cancellation).
 */
export async function startFakeLlmServer(opts: { models?: string[]; script?: FakeLlmScript; nativeTools?: boolean } = {}): Promise<FakeLlmServer> {
  const models = opts.models ?? ['fake-model'];
  const state = { queue: [] as FakeLlmReply[], script: opts.script ?? null, requests: [] as FakeLlmRequest[], probes: [] as FakeLlmRequest[], nativeTools: opts.nativeTools ?? true, inFlight: 0, maxInFlight: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number, res: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (!ms) return resolve(!res.destroyed);
      const onClose = () => {
        clearTimeout(t);
        timers.delete(t);
        resolve(false);
      };
      const t = setTimeout(() => {
        timers.delete(t);
        res.off('close', onClose);
        resolve(!res.destroyed);
      }, ms);
      timers.add(t);
      res.once('close', onClose);
    });

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      handle(req, res, body).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `fake-llm: ${(e as Error).message}` }));
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/api/tags') {
      return json(res, 200, { models: models.map((m) => ({ name: m, model: m, size: 1, digest: 'fake', details: { family: 'fake' } })) });
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return json(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) });
    }
    const api = path === '/api/chat' ? 'ollama' : path === '/v1/chat/completions' ? 'openai' : null;
    if (req.method !== 'POST' || !api) return json(res, 404, { error: `fake-llm: no route ${req.method} ${path}` });
    const b = JSON.parse(raw) as Record<string, unknown>;
    const request: FakeLlmRequest = {
      api,
      model: String(b.model),
      // OpenAI sends `content: null` on an assistant turn that only calls tools.
      messages: ((b.messages as FakeLlmMessage[]) ?? []).map((m) => ({ ...m, content: m.content ?? '' })),
      tools: b.tools as FakeLlmRequest['tools'],
      stream: api === 'ollama' ? b.stream !== false : b.stream === true,
      format: b.format,
      options: b.options as Record<string, unknown> | undefined,
      responseFormat: b.response_format,
      body: b,
      headers: req.headers,
      clientClosed: false,
    };
    // The tool-capability probe (llm/tool-probe.ts) is answered as the emulated model would, outside the
    // scripted queue and the request log: a native tool call, or (nativeTools: false) a fenced JSON block.
    const probe = request.tools?.find((t) => t.function.name === 'yz_capability_probe');
    if (probe) {
      state.probes.push(request);
      const call = { name: 'yz_capability_probe', arguments: { echo: 'ok' } };
      const reply: FakeLlmReply = state.nativeTools ? { toolCalls: [call] } : { text: `\`\`\`json\n${JSON.stringify(call)}\n\`\`\`` };
      const content = 'text' in reply ? (reply.text ?? '') : '';
      if (request.stream) await stream(res, request, content, { prompt: 20, completion: 10 }, reply as { toolCalls?: FakeToolCall[] });
      else whole(res, request, content, { prompt: 20, completion: 10 }, false, 'toolCalls' in reply ? (reply.toolCalls ?? []) : []);
      return;
    }
    state.requests.push(request);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => {
      state.inFlight--;
      if (!res.writableFinished) request.clientClosed = true;
    });
    if (!models.includes(request.model)) return json(res, 404, api === 'ollama' ? { error: `model '${request.model}' not found` } : openAiError(`model ${request.model} does not exist`));
    const reply = state.queue.shift() ?? (state.script ? await state.script(request) : { status: 500, error: 'fake-llm: no reply scripted' });
    if (!(await wait(reply.delayMs ?? 0, res))) return;
    if ('status' in reply) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
      res.writeHead(reply.status, headers).end(JSON.stringify(api === 'ollama' ? { error: reply.error ?? 'error' } : openAiError(reply.error ?? 'error')));
      return;
    }
    if ('raw' in reply) {
      res.writeHead(200, { 'content-type': reply.contentType ?? (request.stream ? 'text/event-stream' : 'application/json') }).end(reply.raw);
      return;
    }
    const content = `${reply.think !== undefined ? `<think>${reply.think}</think>\n\n` : ''}${reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '')}`;
    const promptChars = request.messages.reduce((n, m) => n + String(m.content).length, 0);
    const usage = { prompt: reply.usage?.promptTokens ?? Math.ceil(promptChars / 2), completion: reply.usage?.completionTokens ?? Math.ceil(content.length / 2) };
    if (request.stream) await stream(res, request, content, usage, reply);
    else whole(res, request, content, usage, reply.truncate === true, reply.toolCalls ?? [], reply.finish);
  }

  function whole(res: ServerResponse, r: FakeLlmRequest, content: string, usage: { prompt: number; completion: number }, truncate: boolean, calls: FakeToolCall[], finish: 'stop' | 'length' = 'stop'): void {
    const toolCalls = calls.length ? { tool_calls: wireCalls(r.api, calls) } : {};
    const body = JSON.stringify(
      r.api === 'ollama'
        ? { model: r.model, created_at: new Date().toISOString(), message: { role: 'assistant', content, ...toolCalls }, done: true, done_reason: finish, prompt_eval_count: usage.prompt, eval_count: usage.completion }
        : {
            id: 'chatcmpl-fake', object: 'chat.completion', created: 0, model: r.model,
            choices: [{ index: 0, message: { role: 'assistant', content: calls.length && !content ? null : content, ...toolCalls }, finish_reason: calls.length ? 'tool_calls' : finish }],
            usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
          },
    );
    if (!truncate) return void res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.write(body.slice(0, Math.floor(body.length / 2)), () => res.destroy());
  }

  async function stream(
    res: ServerResponse,
    r: FakeLlmRequest,
    content: string,
    usage: { prompt: number; completion: number },
    reply: { pieceChars?: number; pieceDelayMs?: number; truncate?: boolean; toolCalls?: FakeToolCall[]; argChunkChars?: number; finish?: 'stop' | 'length' },
  ): Promise<void> {
    const size = reply.pieceChars ?? 4;
    const pieces: string[] = [];
    for (let i = 0; i < content.length; i += size) pieces.push(content.slice(i, i + size));
    const last = reply.truncate ? Math.floor(pieces.length / 2) : pieces.length;
    const ollama = r.api === 'ollama';
    res.writeHead(200, { 'content-type': ollama ? 'application/x-ndjson' : 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model: r.model, choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const send = (obj: unknown) => res.write(ollama ? `${JSON.stringify(obj)}\n` : `data: ${JSON.stringify(obj)}\n\n`);
    for (let i = 0; i < last; i++) {
      if (i > 0 && !(await wait(reply.pieceDelayMs ?? 0, res))) return;
      send(ollama ? { model: r.model, message: { role: 'assistant', content: pieces[i] }, done: false } : chunk(i === 0 ? { role: 'assistant', content: pieces[i] } : { content: pieces[i] }, null));
    }
    if (reply.truncate) return void res.destroy();
    const calls = reply.toolCalls ?? [];
    if (calls.length && ollama) send({ model: r.model, message: { role: 'assistant', content: '', tool_calls: wireCalls('ollama', calls) }, done: false });
    if (calls.length && !ollama) {
      // As OpenAI-compatible servers stream them: id and name first, then the arguments in fragments.
      for (const [index, c] of wireCalls('openai', calls).entries()) {
        const args = String(c.function.arguments);
        send(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }, null));
        const size = reply.argChunkChars ?? 8;
        for (let i = 0; i < args.length; i += size) {
          if (!(await wait(reply.pieceDelayMs ?? 0, res))) return;
          send(chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + size) } }] }, null));
        }
      }
    }
    if (ollama) {
      send({ model: r.model, message: { role: 'assistant', content: '' }, done: true, done_reason: reply.finish ?? 'stop', prompt_eval_count: usage.prompt, eval_count: usage.completion });
    } else {
      send(chunk({}, calls.length ? 'tool_calls' : (reply.finish ?? 'stop')));
      const opts = r.body.stream_options as { include_usage?: boolean } | undefined;
      if (opts?.include_usage) send({ ...chunk({}, null), choices: [], usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion } });
      res.write('data: [DONE]\n\n');
    }
    res.end();
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: state.requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    probes: state.probes,
    setNativeTools(native) {
      state.nativeTools = native;
    },
    reply: (...replies) => void state.queue.push(...replies),
    script(fn) {
      state.script = fn;
    },
    reset() {
      state.requests.length = 0;
      state.queue.length = 0;
      state.script = null;
      state.maxInFlight = 0;
      state.probes.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Tool calls in a wire format: Ollama sends argument objects and no ids, OpenAI JSON strings with ids. */
function wireCalls(api: 'ollama' | 'openai', calls: FakeToolCall[]) {
  return calls.map((c, i) =>
    api === 'ollama'
      ? { function: { name: c.name, arguments: c.arguments } }
      : { id: c.id ?? `call_fake_${i}`, type: 'function', function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) } },
  );
}

function openAiError(message: string) {
  return { error: { message, type: 'server_error', param: null, code: null } };
}
