import type { AllowEntry, Check, Connector, ConnectorKind, HealthItem } from '../../../connectors/connector.schema.ts';
import { qs, request } from '../api.ts';

export type { AllowEntry, Check, Connector, ConnectorKind, HealthItem };

/** What the form sends: secrets are omitted (keep), null (clear) or a new value. */
export interface ConnectorDraft {
  name: string;
  kind: ConnectorKind;
  enabled: boolean;
  config: Record<string, unknown>;
}

const enc = encodeURIComponent;

/** The connectors routes (api/connectors.routes.ts). */
export const connectorsApi = {
  list: (signal?: AbortSignal) => request<{ items: Connector[] }>('GET', '/api/connectors', signal),
  history: (id: string, limit = 30, signal?: AbortSignal) => request<{ items: Check[] }>('GET', `/api/connectors/${enc(id)}/history${qs({ limit })}`, signal),
  create: (d: ConnectorDraft) => request<Connector>('POST', '/api/connectors', undefined, d),
  update: (id: string, d: ConnectorDraft) => request<Connector>('PUT', `/api/connectors/${enc(id)}`, undefined, d),
  remove: (id: string) => request<null>('DELETE', `/api/connectors/${enc(id)}`),
  test: (id: string) => request<Check>('POST', `/api/connectors/${enc(id)}/test`),
  allowlist: (signal?: AbortSignal) => request<{ items: AllowEntry[] }>('GET', '/api/connectors/allowlist', signal),
  allow: (pattern: string, note: string) => request<AllowEntry>('POST', '/api/connectors/allowlist', undefined, { pattern, note }),
  disallow: (id: number) => request<null>('DELETE', `/api/connectors/allowlist/${id}`),
};
