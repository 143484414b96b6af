/**
 * Connectors capability: typed configs for the hospital systems YingZhi talks to (RIS, PACS /
 * DICOMweb, imaging AI, research databases, LLM endpoints), SM4-encrypted secrets bound to the target
 * they were entered for (write-only: the API shows `hasSecret`), an admin-managed allow-list of target
 * networks and hosts, and health monitoring — probes per kind (HTTP GET, TCP connect, PostgreSQL
 * `SELECT 1`) to the checked address only, with categorised errors, recorded in a history table by the
 * durable, self-re-queuing job `connectors.health` (every YZ_CONNECTOR_CHECK_SECONDS) or on demand.
 * `Connectors.http` is the one outbound HTTP client for every capability that calls a connector target
 * (report push, imaging AI, PACS): resolved once, every address checked, the checked one connected to;
 * `outboundFetch` / `configuredTargetFetch` are the same client as a streaming `fetch` for the model clients
 * (LLM providers, embedders, reranker).
 * Routes: api/connectors.routes.ts.
 */
export {
  type AllowEntry, AllowEntryInputSchema, AllowEntrySchema, type Check, CheckSchema, CONNECTOR_KINDS, type Connector, type ConnectorInput,
  ConnectorInputSchema, type ConnectorKind, ConnectorSchema, type HealthItem, HealthItemSchema, PROBE_ERRORS, type ProbeError, SECRET_FIELDS,
} from './connector.schema.ts';
export { ConnectorAllowlist } from './allowlist.service.ts';
export { type ConnectorRow, ConnectorsRepository } from './connectors.repository.ts';
export { CONNECTOR_ENCRYPTED_COLUMNS, CONNECTORS_HEALTH_JOB, Connectors, type ConnectorsDeps } from './connectors.ts';
export { type Lookup, NetworkPolicy, parseAllowPattern, systemLookup, type TargetDecision } from './network-policy.ts';
export { configuredTargetFetch, configuredTargetPolicy, type FetchLike, outboundFetch } from './outbound-fetch.ts';
export { categorise, OutboundFailure, type OutboundHttp, type OutboundRequest, type OutboundResponse, outboundRequest } from './outbound-http.ts';
export { llmProbeUrl, type ProbeContext, type ProbeResult, probe, probeHttp, probePostgres, probeTcp } from './probes.ts';
