import { AppError, decryptField, encryptField, type Keyring } from '../core/index.ts';
import type { ConnectorKind } from './connector.schema.ts';

/** A place a connector connects to, and the config field that names it (for errors). */
export interface Target {
  field: string;
  host: string;
  /** Canonical form: `https://pacs.local:443`, `postgresql://db.local:5432/research`, `tcp://ris.local:2575`. */
  canonical: string;
}

function origin(field: string, url: unknown): Target | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return { field, host: u.hostname, canonical: `${u.protocol}//${u.hostname.toLowerCase()}:${port}` };
  } catch {
    return null;
  }
}

function database(cfg: Record<string, unknown>): Target | null {
  if (typeof cfg.host !== 'string') return null;
  const driver = cfg.driver === 'mysql' ? 'mysql' : 'postgresql';
  return { field: 'host', host: cfg.host, canonical: `${driver}://${cfg.host.toLowerCase()}:${Number(cfg.port)}/${String(cfg.database ?? '')}` };
}

/**
 * Every place a connector's config points at. Secrets are bound to the canonical forms (scheme, host,
 * port; for databases also the database name): the same list means the same target.
 */
export function targetsOf(kind: ConnectorKind, cfg: Record<string, unknown>): Target[] {
  let out: (Target | null)[];
  switch (kind) {
    case 'pacs':
      out = [origin('qidoUrl', cfg.qidoUrl), origin('wadoUrl', cfg.wadoUrl)];
      break;
    case 'imaging_ai':
    case 'llm':
      out = [origin('url', cfg.url)];
      break;
    case 'research_db':
      out = [database(cfg)];
      break;
    case 'ris':
      if (cfg.mode === 'rest') out = [origin('url', cfg.url)];
      else if (cfg.mode === 'database') out = [database(cfg)];
      else out = typeof cfg.host === 'string' ? [{ field: 'host', host: cfg.host, canonical: `tcp://${cfg.host.toLowerCase()}:${Number(cfg.port)}` }] : [];
      break;
  }
  return out.filter((t): t is Target => t !== null);
}

/** The binding key of a target list: order-free, duplicates removed. */
export function targetKey(targets: Target[]): string {
  return JSON.stringify([...new Set(targets.map((t) => t.canonical))].sort());
}

/** What is encrypted for one secret field: the value and the target it was entered for. */
interface SecretEnvelope {
  v: 1;
  target: string;
  value: string;
}

/** Encrypt a secret bound to `target` (a targetKey): it will only ever be released for that target. */
export function sealSecret(value: string, target: string, keyring: Keyring, field: string): string {
  const envelope: SecretEnvelope = { v: 1, target, value };
  return encryptField(JSON.stringify(envelope), keyring, `connectors.${field}`);
}

/**
 * Decrypt a secret for `target`. Throws SECRET_REENTRY_REQUIRED when it was entered for another target
 * (its config was changed around it, e.g. directly in the database) or predates target binding.
 * Encryption integrity (encrypt-then-MAC) means the bound target cannot be altered without the key.
 */
export function openSecret(token: string, target: string, keyring: Keyring, field: string): string {
  const plain = decryptField(token, keyring, `connectors.${field}`);
  let envelope: Partial<SecretEnvelope> | null = null;
  try {
    envelope = JSON.parse(plain) as Partial<SecretEnvelope>;
  } catch {
    envelope = null;
  }
  if (envelope?.v !== 1 || typeof envelope.value !== 'string' || envelope.target !== target) {
    throw new AppError(
      'SECRET_REENTRY_REQUIRED',
      `密钥 ${field} 不是为当前目标地址输入的，未发送；请重新输入 / the secret ${field} was not entered for this target and was not sent: re-enter it`,
      { field: `config.${field}` },
    );
  }
  return envelope.value;
}
