import { readFileSync } from 'node:fs';
import { AppError } from '../errors.ts';
import { hmacSm3, sm3 } from './sm.ts';

/** Keys derived from one master key. */
export interface DerivedKeys {
  /** 16-byte SM4 key. */
  readonly enc: Buffer;
  /** 32-byte HMAC-SM3 key. */
  readonly mac: Buffer;
  /** 32-byte HMAC-SM3 key of the audit chain (each row's hash) and its checkpoints. */
  readonly audit: Buffer;
}

const HEX_KEY = /^[0-9a-fA-F]{32}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{22}(==)?$/;

/**
 * Parses one master key: exactly 16 bytes written as 32 hex digits or as base64 / base64url
 * (with or without `==`). A 32-character hex string is always read as hex. `source` names where
 * the value came from (e.g. `YZ_MASTER_KEY`) in the error; the value itself is never echoed.
 */
export function parseMasterKey(text: string, source = 'YZ_MASTER_KEY'): Buffer {
  const s = text.trim();
  if (HEX_KEY.test(s)) return Buffer.from(s, 'hex');
  if (BASE64_KEY.test(s)) {
    const key = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 16) return key;
  }
  throw new AppError(
    'CONFIG_INVALID',
    `${source} 必须是 16 字节 (128 位) SM4 密钥，写成 32 位十六进制或 base64 / ${source} must be a 16-byte (128-bit) SM4 key written as 32 hex digits or base64 (got ${s.length} characters)`,
    { field: source.split(' ')[0] },
  );
}

/** Key id: first 8 hex chars of SM3(key). Identifies the key in tokens without revealing it. */
export function keyIdOf(key: Uint8Array): string {
  return sm3(key).subarray(0, 4).toString('hex');
}

/**
 * Domain-separated subkeys. Using the master key directly for both SM4 and HMAC would tie two
 * algorithms to one secret; deriving independent keys (HMAC-SM3 as a PRF with distinct labels)
 * means a weakness in one use cannot leak material for the other, and the `v1` suffix lets a
 * future format derive fresh keys from the same master key.
 */
function derive(master: Buffer): DerivedKeys {
  return {
    enc: hmacSm3(master, 'yingzhi/enc/v1').subarray(0, 16),
    mac: hmacSm3(master, 'yingzhi/mac/v1'),
    audit: hmacSm3(master, 'yingzhi/audit-chain/v1'),
  };
}

/**
 * SM4 master keys by key id: one active key (encrypts) plus old keys (decrypt only, for rotation).
 * Keys live in a private field so logging or JSON-serialising a Keyring shows only ids.
 */
export class Keyring {
  readonly activeKeyId: string;
  readonly #keys = new Map<string, DerivedKeys>();

  /** `active` encrypts new fields; `old` keys only decrypt. Duplicates are ignored. */
  constructor(active: Uint8Array, old: readonly Uint8Array[] = []) {
    for (const key of [active, ...old]) {
      if (key.length !== 16) {
        throw new AppError('CONFIG_INVALID', `SM4 主密钥必须是 16 字节 / SM4 master key must be 16 bytes (got ${key.length})`);
      }
      const id = keyIdOf(key);
      if (!this.#keys.has(id)) this.#keys.set(id, derive(Buffer.from(key)));
    }
    this.activeKeyId = keyIdOf(active);
  }

  /**
   * Builds the keyring from the environment:
   * - `YZ_MASTER_KEY`: the active key (hex or base64 of 16 bytes), or
   * - `YZ_MASTER_KEY_FILE`: path to a text file; the first key line is the active key, every
   *   further key line is an old key. Blank lines and lines starting with `#` are ignored.
   * - `YZ_MASTER_KEYS_OLD` (optional, with either): comma-separated old keys.
   * Setting both `YZ_MASTER_KEY` and `YZ_MASTER_KEY_FILE` is an error (it would be ambiguous which
   * one encrypts). To rotate: make the new key active, list the previous one as old, run the
   * re-encrypt command, then drop the old key.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Keyring {
    const inline = env.YZ_MASTER_KEY?.trim();
    const file = env.YZ_MASTER_KEY_FILE?.trim();
    if (inline && file) {
      throw new AppError('CONFIG_INVALID', '只能设置 YZ_MASTER_KEY 或 YZ_MASTER_KEY_FILE 之一 / Set YZ_MASTER_KEY or YZ_MASTER_KEY_FILE, not both', {
        field: 'YZ_MASTER_KEY',
      });
    }
    const keys: Buffer[] = [];
    if (inline) keys.push(parseMasterKey(inline, 'YZ_MASTER_KEY'));
    else if (file) keys.push(...readKeyFile(file));
    else {
      throw new AppError('CONFIG_INVALID', '缺少主密钥：请设置 YZ_MASTER_KEY 或 YZ_MASTER_KEY_FILE / No master key: set YZ_MASTER_KEY or YZ_MASTER_KEY_FILE', {
        field: 'YZ_MASTER_KEY',
      });
    }
    for (const part of (env.YZ_MASTER_KEYS_OLD ?? '').split(',')) {
      if (part.trim()) keys.push(parseMasterKey(part, 'YZ_MASTER_KEYS_OLD'));
    }
    return new Keyring(keys[0]!, keys.slice(1));
  }

  /** All key ids, active first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Whether a key with this id is loaded. */
  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** Derived keys for an id, or undefined when that key is not loaded. */
  keysFor(keyId: string): DerivedKeys | undefined {
    return this.#keys.get(keyId);
  }

  /** Never expose key material through JSON. */
  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }
}

function readKeyFile(path: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `无法读取 YZ_MASTER_KEY_FILE (${path}) / Cannot read YZ_MASTER_KEY_FILE (${path})`, {
      field: 'YZ_MASTER_KEY_FILE',
      cause,
    });
  }
  const keys = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line && !line.startsWith('#'))
    .map(({ line, n }) => parseMasterKey(line, `YZ_MASTER_KEY_FILE line ${n}`));
  if (keys.length === 0) {
    throw new AppError('CONFIG_INVALID', `YZ_MASTER_KEY_FILE (${path}) 中没有密钥 / YZ_MASTER_KEY_FILE (${path}) contains no key`, {
      field: 'YZ_MASTER_KEY_FILE',
    });
  }
  return keys;
}
