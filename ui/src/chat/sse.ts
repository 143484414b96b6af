/**
 * A small Server-Sent Events parser for streams read with fetch + ReadableStream (EventSource cannot
 * POST). It follows the WHATWG event-stream rules the chat endpoint relies on: `event:` and `data:`
 * fields, several `data:` lines joined by "\n", `:` comment lines ignored, a blank line dispatches, and
 * lines may end in "\n", "\r\n" or "\r" and be split anywhere between network chunks.
 */

export interface SseMessage {
  /** The `event:` field; "message" when the server sent none. */
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  /** A chunk ended in "\r": a "\n" starting the next chunk belongs to the same line break. */
  private pendingCr = false;

  constructor(private readonly onMessage: (m: SseMessage) => void) {}

  /** Feed decoded text as it arrives. */
  push(text: string): void {
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(this.buffer.slice(start, i));
      if (c === '\r') {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /**
   * The stream has ended. Unlike the browser's EventSource, a last event without its closing blank
   * line is still delivered: a proxy that drops the final "\n\n" should not swallow the answer.
   */
  end(): void {
    if (this.buffer) this.line(this.buffer);
    this.buffer = '';
    this.dispatch();
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }

  private dispatch(): void {
    if (this.data.length > 0) this.onMessage({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) });
    this.event = '';
    this.data = [];
  }
}

/** Reads a fetch body to its end, calling `onMessage` for every event. Rejects with AbortError when `signal` aborts. */
export async function readSse(body: ReadableStream<Uint8Array>, onMessage: (m: SseMessage) => void, signal?: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser(onMessage);
  const cancel = () => void reader.cancel().catch(() => {});
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException('The answer was stopped', 'AbortError');
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    if (signal?.aborted) throw new DOMException('The answer was stopped', 'AbortError');
    parser.push(decoder.decode());
    parser.end();
  } finally {
    signal?.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}
