// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in tests
type Json = any;

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body, or the text when it is not JSON. */
  json: Json;
  text: string;
}

/**
 * A JSON client for a test server: `api(method, url, body?, headers?)`, sending `headers` (default: the
 * ones `defaults()` returns, e.g. the admin token) and a JSON body when one is given.
 */
export function jsonClient(baseUrl: () => string, defaults: () => Record<string, string>) {
  return async (method: string, url: string, body?: unknown, headers: Record<string, string> = defaults()): Promise<ApiAnswer> => {
    const res = await fetch(baseUrl() + url, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json, text };
  };
}
