import path from 'node:path';
import { type Config, createLogger, type Keyring, type KeySource, type Logger, resolveKeyring } from '../core/index.ts';
import { type Database, openDatabase } from '../store/index.ts';
import { AuditTrail } from './audit-trail.ts';
import { registerAuditKeys } from './chain-keys.ts';

export interface AuditedDatabase {
  db: Database;
  keyring: Keyring;
  keySource: KeySource;
  audit: AuditTrail;
}

export interface OpenAuditedOptions {
  /** In-memory PGlite (tests): an ephemeral key, no checkpoint directory unless configured. */
  inMemory?: boolean;
  /** Generate `<dataDir>/master.key` when no key is configured (default true; read-only tools pass false). */
  createKey?: boolean;
  /** Key the chain now (default true). False for read-only tools: the keys are registered, nothing is written. */
  init?: boolean;
  log?: Logger;
}

/** The installation's checkpoint directory: YZ_AUDIT_CHECKPOINT_DIR, else `<dataDir>/audit-checkpoints` (none for an in-memory database). */
export function checkpointDirOf(config: Pick<Config, 'audit' | 'dataDir'>, inMemory = false): string | null {
  return config.audit.checkpointDir ?? (inMemory ? null : path.join(config.dataDir, 'audit-checkpoints'));
}

/**
 * The database with its audit chain bound to the installation key: what every process that appends
 * audit rows needs (server, CLI commands). The key is resolved before the database opens, so a
 * missing or malformed key fails without touching it.
 */
export async function openAuditedDatabase(config: Config, opts: OpenAuditedOptions = {}): Promise<AuditedDatabase> {
  const log = opts.log ?? createLogger(config.logLevel);
  const { keyring, source, file } = resolveKeyring(config.masterKey, config.dataDir, { ephemeral: opts.inMemory, create: opts.createKey ?? true });
  if (source === 'generated') log.warn({ file }, 'no master key configured: generated one in the data directory (back it up; see README, Security)');
  registerAuditKeys(keyring);
  const db = await openDatabase(config, { inMemory: opts.inMemory, log });
  try {
    const audit = new AuditTrail({ db, keyring, checkpointDir: checkpointDirOf(config, opts.inMemory), checkpointMinutes: config.audit.checkpointMinutes, log });
    if (opts.init ?? true) await audit.init();
    return { db, keyring, keySource: source, audit };
  } catch (e) {
    await db.close();
    throw e;
  }
}
