import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, linkSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.ts';
import { Keyring } from './keyring.ts';

/** Name of the key file generated in the data directory when no key is configured. */
export const GENERATED_KEY_FILE = 'master.key';

/** Where the installation's master key came from. */
export type KeySource = 'env' | 'file' | 'generated' | 'data-dir' | 'ephemeral';

export interface ResolvedKeyring {
  keyring: Keyring;
  source: KeySource;
  /** The key file read or written (`file`, `generated`, `data-dir`). */
  file?: string;
}

export interface MasterKeySettings {
  YZ_MASTER_KEY?: string;
  YZ_MASTER_KEY_FILE?: string;
  YZ_MASTER_KEYS_OLD?: string;
}

export interface ResolveOptions {
  /**
   * No data directory to keep a key in (an in-memory database, tests): an unconfigured key is a
   * random one for this process only. Nothing it protects outlives the process either.
   */
  ephemeral?: boolean;
  /** Create `<dataDir>/master.key` when absent (server start). False: a missing key is an error (read-only tools such as `audit verify`). */
  create?: boolean;
}

const HEADER = [
  '# YingZhi (影知) master key, generated on first start because neither YZ_MASTER_KEY nor YZ_MASTER_KEY_FILE was set.',
  '# It encrypts connector secrets and chat questions (SM4) and keys the audit chain (HMAC-SM3).',
  '# Back it up apart from the database: without it encrypted fields cannot be read and the audit log cannot be verified.',
  '# Keep the mode 0600. Format: the first key line is the active key, further lines are old keys (rotation).',
];

/**
 * The installation's master keyring. Order: `YZ_MASTER_KEY` / `YZ_MASTER_KEY_FILE` (+ `YZ_MASTER_KEYS_OLD`)
 * when set; otherwise the key file `<dataDir>/master.key`, generated on first start with mode 0600
 * (the directory 0700) so a default install can encrypt secrets and key its audit log without any setup.
 * Several processes sharing one server database must share one key: set YZ_MASTER_KEY_FILE for all of
 * them (the audit chain refuses to continue under a key it was not started with).
 */
export function resolveKeyring(settings: MasterKeySettings, dataDir: string, opts: ResolveOptions = {}): ResolvedKeyring {
  const inline = settings.YZ_MASTER_KEY?.trim();
  const file = settings.YZ_MASTER_KEY_FILE?.trim();
  if (inline || file) return { keyring: Keyring.fromEnv({ ...settings }), source: inline ? 'env' : 'file', ...(file ? { file } : {}) };
  if (opts.ephemeral) return { keyring: new Keyring(randomBytes(16)), source: 'ephemeral' };
  const target = path.join(path.resolve(dataDir), GENERATED_KEY_FILE);
  const fromDir = () => ({ keyring: readGeneratedKeyFile(target, settings), source: 'data-dir' as const, file: target });
  if (existsSync(target)) return fromDir();
  if (!opts.create) {
    throw new AppError(
      'CONFIG_INVALID',
      `没有主密钥：未设置 YZ_MASTER_KEY / YZ_MASTER_KEY_FILE，且 ${target} 不存在 / no master key: set YZ_MASTER_KEY or YZ_MASTER_KEY_FILE, or start the server once to generate ${target}`,
      { field: 'YZ_MASTER_KEY' },
    );
  }
  return writeKeyFile(target) ? { ...fromDir(), source: 'generated' } : fromDir();
}

/**
 * Write a new random key to `target` with mode 0600, atomically: a temporary file is written and
 * hard-linked to the final name, which fails if another process got there first (then its key wins).
 * Returns false when the file already existed.
 */
export function writeKeyFile(target: string): boolean {
  const dir = path.dirname(target);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${HEADER.join('\n')}\n${randomBytes(16).toString('hex')}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(temp, 0o600); // the umask may have narrowed, never widened, it; be explicit anyway
    linkSync(temp, target);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AppError('CONFIG_INVALID', `无法写入密钥文件 ${target} / cannot write the key file ${target}: ${(e as Error).message}`, { field: 'YZ_DATA_DIR', cause: e });
  } finally {
    rmSync(temp, { force: true });
  }
}

/** A generated key file that others may read is refused, as ssh refuses a readable private key. */
function readGeneratedKeyFile(file: string, settings: MasterKeySettings): Keyring {
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new AppError(
      'CONFIG_INVALID',
      `密钥文件 ${file} 权限过宽 (${mode.toString(8)})，请执行 chmod 600 / key file ${file} is accessible to other users (mode ${mode.toString(8)}): chmod 600 it`,
      { field: 'YZ_MASTER_KEY_FILE' },
    );
  }
  return Keyring.fromEnv({ YZ_MASTER_KEY_FILE: file, YZ_MASTER_KEYS_OLD: settings.YZ_MASTER_KEYS_OLD });
}
