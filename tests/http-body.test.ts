import { describe, expect, it } from 'vitest';
import { readBounded } from '../imaging/http-body.ts';

/** A body with no Content-Length that keeps sending: what a hostile PACS or imaging-AI target can answer. */
function endless(chunk: number): { res: Response; sent: () => number } {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      sent += chunk;
      controller.enqueue(new Uint8Array(chunk));
    },
  });
  return { res: new Response(stream), sent: () => sent };
}

describe('connector response bodies are read up to a limit', () => {
  it('stops reading an endless body soon after the limit and says it was too large', async () => {
    const { res, sent } = endless(64 * 1024);
    expect(await readBounded(res, 1 << 20)).toBeNull();
    expect(sent()).toBeLessThan(2 << 20);
  });

  it('returns a body within the limit whole', async () => {
    const bytes = await readBounded(new Response('{"ok":true}'), 1024);
    expect(bytes?.toString('utf8')).toBe('{"ok":true}');
  });
});
