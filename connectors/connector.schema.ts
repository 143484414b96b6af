import { z } from 'zod';
import { AppError } from '../core/index.ts';

/**
 * Typed connector configs: a discriminated union on `kind` (and on `mode` for RIS). Secret fields
 * (`password`, `apiKey`, `secret`) are write-only: optional on input, encrypted at rest together with
 * the target they were entered for, never returned — the API shows `hasSecret`. On update an omitted
 * secret keeps the stored one only while the target (scheme, host, port; database host and name) is
 * unchanged; `null` clears it.
 *
 * Databases are described by structured fields only — never a connection URL, whose driver options
 * (`sslcert`, `sslkey`, `sslrootcert`, `host=/path`) would make the server read local files. TLS is
 * `disable`, `require` (encrypted, unverified) or `verify-full`, with the CA given as PEM text.
 */

const HttpUrl = z
  .string()
  .trim()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), { message: '必须是 http(s) 地址 / must be an http(s) URL' })
  .refine((u) => !/^https?:\/\/[^/?#]*@/i.test(u), { message: '地址中不能包含用户名或密码，请填在密钥字段 / no user name or password in the URL: use the secret field' });
/** A DNS name or an IP literal: no paths (Unix sockets), no user info, no options. */
const Host = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?)$/, '主机名无效：只填主机名或 IP 地址 / invalid host: a host name or IP address only');
const Port = z.coerce.number().int().min(1).max(65_535);
const Secret = z.string().min(1).max(4000).nullable().optional();
const Pem = z
  .string()
  .trim()
  .max(20_000)
  .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/, '须为 PEM 证书文本（不是文件路径）/ must be PEM certificate text (not a file path)');

/** Structured database connection (research databases, RIS database mode). */
const dbFields = {
  driver: z.enum(['postgresql', 'mysql']).default('postgresql'),
  host: Host,
  port: Port,
  database: z.string().trim().min(1).max(200).regex(/^[^\s/?#]+$/, '数据库名无效 / invalid database name'),
  user: z.string().trim().min(1).max(200),
  password: Secret,
  tlsMode: z.enum(['disable', 'require', 'verify-full']).default('disable'),
  /** CA certificate for verify-full, as PEM text; omitted: the system's trusted CAs. */
  tlsCa: Pem.nullable().optional(),
  /** Connection URLs are refused: their options can name local files. */
  dbUrl: z.never({ error: '不接受数据库连接串，请分别填写主机、端口、数据库名和用户 / connection URLs are not accepted: give host, port, database and user' }).optional(),
};

export const RisConfigSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('rest'), url: HttpUrl }),
  z.object({ mode: z.literal('hl7-mllp'), host: Host, port: Port }),
  z.object({ mode: z.literal('database'), ...dbFields }),
]);

export const PacsConfigSchema = z.object({
  qidoUrl: HttpUrl,
  wadoUrl: HttpUrl,
  authType: z.enum(['none', 'basic', 'bearer']).default('none'),
  username: z.string().trim().max(200).optional(),
  secret: Secret,
});

export const ImagingAiConfigSchema = z.object({ url: HttpUrl, apiKey: Secret });

export const ResearchDbConfigSchema = z.object(dbFields);

export const LlmConfigSchema = z.object({
  provider: z.enum(['ollama', 'openai']),
  url: HttpUrl,
  model: z.string().trim().min(1).max(200),
  apiKey: Secret,
});

export const CONNECTOR_KINDS = ['ris', 'pacs', 'imaging_ai', 'research_db', 'llm'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

const base = {
  name: z.string().trim().min(1).max(100),
  enabled: z.boolean().default(true),
};

/** Body of POST /api/connectors and PUT /api/connectors/:id. */
export const ConnectorInputSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('ris'), config: RisConfigSchema }),
  z.object({ ...base, kind: z.literal('pacs'), config: PacsConfigSchema }),
  z.object({ ...base, kind: z.literal('imaging_ai'), config: ImagingAiConfigSchema }),
  z.object({ ...base, kind: z.literal('research_db'), config: ResearchDbConfigSchema }),
  z.object({ ...base, kind: z.literal('llm'), config: LlmConfigSchema }),
]);
export type ConnectorInput = z.output<typeof ConnectorInputSchema>;

/** Which config fields are secrets, per kind. */
export const SECRET_FIELDS: Record<ConnectorKind, readonly string[]> = {
  ris: ['password'],
  pacs: ['secret'],
  imaging_ai: ['apiKey'],
  research_db: ['password'],
  llm: ['apiKey'],
};

export const CheckStatusSchema = z.enum(['up', 'down']);

/**
 * Why a probe failed, as a category: raw error text (which would make the probe a port scanner and a
 * file-existence oracle) is never recorded or returned.
 */
export const PROBE_ERRORS = [
  'CONNECTION_REFUSED', 'TIMEOUT', 'DNS_FAILED', 'UNREACHABLE', 'TLS_ERROR', 'AUTH_FAILED', 'HTTP_STATUS',
  'RESPONSE_TOO_LARGE', 'NOT_ALLOWED', 'SECRET_UNAVAILABLE', 'PROTOCOL_ERROR', 'NOT_CONFIGURED',
] as const;
export type ProbeError = (typeof PROBE_ERRORS)[number];

export const CheckSchema = z.object({
  status: CheckStatusSchema,
  latencyMs: z.number().nullable(),
  /** The category (PROBE_ERRORS) when down. */
  error: z.string().nullable(),
  /** A fixed, safe detail: `HTTP 503`, `SQLSTATE 3D000`, `redirect to another host`… */
  detail: z.string().nullable(),
  trigger: z.enum(['schedule', 'manual']),
  checkedAt: z.string(),
});
export type Check = z.infer<typeof CheckSchema>;

/** A connector as the API shows it: non-secret config, which secrets are set, and its latest check. */
export const ConnectorSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(CONNECTOR_KINDS),
  enabled: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  hasSecret: z.boolean(),
  /** Names of the secret fields that hold a value (e.g. `["password"]`). */
  secretFields: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  last: CheckSchema.nullable(),
});
export type Connector = z.infer<typeof ConnectorSchema>;

/** Latest status per connector (GET /api/connectors/health). */
export const HealthItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(CONNECTOR_KINDS),
  enabled: z.boolean(),
  status: z.enum(['up', 'down', 'unknown']),
  latencyMs: z.number().nullable(),
  error: z.string().nullable(),
  detail: z.string().nullable(),
  checkedAt: z.string().nullable(),
});
export type HealthItem = z.infer<typeof HealthItemSchema>;

/**
 * One allow-list entry for connector targets: a network in CIDR notation (`10.0.0.0/8`, `fd12::/16`),
 * one address (`192.168.1.20`), a host name (`pacs.hospital.local`) or a domain wildcard
 * (`*.hospital.local`). Link-local and cloud metadata addresses stay refused unless an entry names an
 * address or network inside them.
 */
export const AllowEntryInputSchema = z.object({
  pattern: z.string().trim().toLowerCase().min(1).max(255),
  note: z.string().trim().max(200).default(''),
});
export type AllowEntryInput = z.output<typeof AllowEntryInputSchema>;

export const AllowEntrySchema = z.object({
  id: z.number().int(),
  pattern: z.string(),
  note: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type AllowEntry = z.infer<typeof AllowEntrySchema>;

/** Parse a request body with `schema`; VALIDATION_FAILED names the first offending field (`config.qidoUrl`). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = (issue?.path ?? []).map(String).join('.') || 'body';
  throw new AppError('VALIDATION_FAILED', `参数 ${field} 无效 / invalid ${field}: ${issue?.message ?? ''}`, { field });
}
