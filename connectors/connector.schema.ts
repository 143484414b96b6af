import { z } from 'zod';

/**
 * Typed connector configs: a discriminated union on `kind` (and on `mode` for RIS). Secret fields
 * (`password`, `apiKey`, `secret`, and a RIS database URL, which normally embeds a password) are
 * write-only: optional on input, encrypted at rest, never returned — the API shows `hasSecret`.
 * On update an omitted secret keeps the stored one and `null` clears it.
 */

const HttpUrl = z
  .string()
  .trim()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), { message: '必须是 http(s) 地址 / must be an http(s) URL' });
const Host = z.string().trim().min(1).max(255).regex(/^[A-Za-z0-9.:\-[\]_]+$/, '主机名无效 / invalid host name');
const Port = z.coerce.number().int().min(1).max(65_535);
const Secret = z.string().min(1).max(4000).nullable().optional();
const DbUrl = z
  .string()
  .trim()
  .max(2000)
  .regex(/^(postgres|postgresql|mysql):\/\/\S+$/i, '必须是 postgresql:// 或 mysql:// 地址 / must be a postgresql:// or mysql:// URL')
  .nullable()
  .optional();

export const RisConfigSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('rest'), url: HttpUrl }),
  z.object({ mode: z.literal('hl7-mllp'), host: Host, port: Port }),
  z.object({ mode: z.literal('database'), dbUrl: DbUrl }),
]);

export const PacsConfigSchema = z.object({
  qidoUrl: HttpUrl,
  wadoUrl: HttpUrl,
  authType: z.enum(['none', 'basic', 'bearer']).default('none'),
  username: z.string().trim().max(200).optional(),
  secret: Secret,
});

export const ImagingAiConfigSchema = z.object({ url: HttpUrl, apiKey: Secret });

export const ResearchDbConfigSchema = z.object({
  driver: z.enum(['postgresql', 'mysql']),
  host: Host,
  port: Port,
  database: z.string().trim().min(1).max(200),
  user: z.string().trim().min(1).max(200),
  password: Secret,
});

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
  ris: ['dbUrl'],
  pacs: ['secret'],
  imaging_ai: ['apiKey'],
  research_db: ['password'],
  llm: ['apiKey'],
};

export const CheckStatusSchema = z.enum(['up', 'down']);

export const CheckSchema = z.object({
  status: CheckStatusSchema,
  latencyMs: z.number().nullable(),
  error: z.string().nullable(),
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
  checkedAt: z.string().nullable(),
});
export type HealthItem = z.infer<typeof HealthItemSchema>;
