/**
 * Read a response body up to `maxBytes`, cancelling the stream as soon as it would pass the limit: a connector
 * target (PACS, imaging AI) is hostile input, and a missing or false Content-Length must not let it fill memory.
 * Returns null when the body is larger than the limit.
 */
export async function readBounded(res: Response, maxBytes: number): Promise<Buffer | null> {
  if (!res.body) return Buffer.alloc(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(parts, total);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
}
