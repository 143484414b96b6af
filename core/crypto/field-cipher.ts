import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import type { Keyring } from './keyring.ts';
import { hmacSm3, sm4CbcDecrypt, sm4CbcEncrypt } from './sm.ts';

/**
 * Field token: `sm4cbc1:<keyId>:<base64 iv>:<base64 ciphertext>:<base64 mac>`.
 * SM4-CBC + PKCS#7 with a random IV, then HMAC-SM3 over version|keyId|iv|ciphertext
 * (encrypt-then-MAC). Node's OpenSSL has no SM4-GCM, and encrypt-then-MAC with separate keys gives
 * the same integrity guarantee; verifying the MAC before decrypting also rules out padding oracles.
 * The version prefix lets a later format (e.g. GCM) coexist with stored tokens.
 */
const VERSION = 'sm4cbc1';
const TOKEN = /^sm4cbc1:([0-9a-f]{8}):([A-Za-z0-9+/]{22}==):([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]{43}=)$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface ParsedToken {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  mac: Buffer;
}

// Messages never include the token or plaintext: a misrouted plaintext value must not end up in logs.
function malformed(field?: string): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    '不是有效的加密字段 / Not a valid encrypted field (expected sm4cbc1:<keyId>:<iv>:<ciphertext>:<mac>)',
    { field },
  );
}

/** Strict decode: non-canonical base64 is rejected so each plaintext has exactly one token text. */
function b64(s: string): Buffer | undefined {
  const buf = Buffer.from(s, 'base64');
  return buf.toString('base64') === s ? buf : undefined;
}

function parse(token: string, field?: string): ParsedToken {
  const m = typeof token === 'string' ? TOKEN.exec(token) : null;
  if (!m) throw malformed(field);
  const iv = b64(m[2]!);
  const ciphertext = b64(m[3]!);
  const mac = b64(m[4]!);
  if (!iv || !ciphertext || !mac || iv.length !== 16 || mac.length !== 32) throw malformed(field);
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw malformed(field);
  return { keyId: m[1]!, iv, ciphertext, mac };
}

function computeMac(macKey: Buffer, keyId: string, iv: Buffer, ciphertext: Buffer): Buffer {
  // Version and key id are authenticated too, so a token cannot be relabelled to another key/format.
  // Both have fixed shapes and the IV is fixed-length, so the concatenation is unambiguous.
  return hmacSm3(macKey, Buffer.concat([Buffer.from(`${VERSION}:${keyId}:`, 'ascii'), iv, ciphertext]));
}

/** True when `s` has the shape of an encrypted field token (shape only; no key or MAC check). */
export function isEncryptedField(s: unknown): s is string {
  return typeof s === 'string' && TOKEN.test(s);
}

/** Key id a token was encrypted with (to count rows still on an old key), after a shape check. */
export function fieldKeyId(token: string, field?: string): string {
  return parse(token, field).keyId;
}

/**
 * Encrypts a string (UTF-8) with the keyring's active key. Every call uses a fresh random IV, so
 * equal plaintexts give different tokens (do not use tokens for lookups or uniqueness).
 * `field` names the column in errors.
 */
export function encryptField(plaintext: string, keyring: Keyring, field?: string): string {
  if (typeof plaintext !== 'string') {
    throw new AppError('VALIDATION_FAILED', '待加密的值必须是字符串 / Value to encrypt must be a string', { field });
  }
  const keyId = keyring.activeKeyId;
  const keys = keyring.keysFor(keyId)!;
  const iv = crypto.randomBytes(16);
  const ciphertext = sm4CbcEncrypt(keys.enc, iv, Buffer.from(plaintext, 'utf8'));
  const mac = computeMac(keys.mac, keyId, iv, ciphertext);
  return `${VERSION}:${keyId}:${iv.toString('base64')}:${ciphertext.toString('base64')}:${mac.toString('base64')}`;
}

/**
 * Verifies and decrypts a token made by {@link encryptField}, using whichever loaded key its key id
 * names. Throws CONFIG_INVALID for an unknown key id (wrong master key or old key not loaded) and
 * VALIDATION_FAILED for malformed or tampered tokens. Never returns unverified plaintext and never
 * treats a non-token as plaintext.
 */
export function decryptField(token: string, keyring: Keyring, field?: string): string {
  const { keyId, iv, ciphertext, mac } = parse(token, field);
  const keys = keyring.keysFor(keyId);
  if (!keys) {
    throw new AppError(
      'CONFIG_INVALID',
      `字段由未知密钥 ${keyId} 加密：主密钥错误，或轮换时缺少旧密钥 / Field was encrypted with unknown key id ${keyId}: wrong master key, or the old key is missing (YZ_MASTER_KEYS_OLD / key file)`,
      { field, details: { keyId, loadedKeyIds: keyring.keyIds } },
    );
  }
  const expected = computeMac(keys.mac, keyId, iv, ciphertext);
  if (!crypto.timingSafeEqual(expected, mac)) {
    throw new AppError('VALIDATION_FAILED', '加密字段校验失败：密文被篡改或密钥错误 / Encrypted field failed its integrity check: tampered, or wrong key', {
      field,
      details: { keyId },
    });
  }
  try {
    return utf8.decode(sm4CbcDecrypt(keys.enc, iv, ciphertext));
  } catch (cause) {
    // Unreachable unless the token was produced by a buggy writer holding the real MAC key.
    throw new AppError('VALIDATION_FAILED', '加密字段无法解密 / Encrypted field could not be decrypted', { field, cause });
  }
}

/**
 * For key rotation: decrypts with the key the token names and encrypts with the active key. A token
 * already on the active key is still verified but returned unchanged, so callers can skip the write
 * when `result === token`.
 */
export function reencryptField(token: string, keyring: Keyring, field?: string): string {
  const plaintext = decryptField(token, keyring, field);
  if (parse(token, field).keyId === keyring.activeKeyId) return token;
  return encryptField(plaintext, keyring, field);
}
