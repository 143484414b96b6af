import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import {
  Keyring,
  decryptField,
  encryptField,
  fieldKeyId,
  hmacSm3,
  isEncryptedField,
  keyIdOf,
  reencryptField,
  sm3,
  sm4CbcDecrypt,
  sm4CbcEncrypt,
} from '../core/crypto/index.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Runs `fn`, expects an AppError, and returns it for further checks. */
function appErrorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError');
}

describe('SM3 (GB/T 32905 vectors)', () => {
  it('hashes "abc"', () => {
    expect(sm3('abc').toString('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('hashes the 64-byte "abcd" x 16', () => {
    expect(sm3('abcd'.repeat(16)).toString('hex')).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });

  it('HMAC-SM3 matches the RFC 2104 construction built on sm3()', () => {
    const key = Buffer.from('yingzhi-key');
    const block = Buffer.concat([key, Buffer.alloc(64 - key.length)]);
    const xor = (b: number) => Buffer.from(block.map((x) => x ^ b));
    const expected = sm3(Buffer.concat([xor(0x5c), sm3(Buffer.concat([xor(0x36), Buffer.from('msg')]))]));
    expect(hmacSm3(key, 'msg').equals(expected)).toBe(true);
  });
});

describe('SM4 (GB/T 32907 vectors)', () => {
  const key = hex('0123456789abcdeffedcba9876543210');
  const zeroIv = Buffer.alloc(16);

  it('encrypts one block (CBC with zero IV, no padding = ECB)', () => {
    const ct = sm4CbcEncrypt(key, zeroIv, key, false);
    expect(ct.toString('hex')).toBe('681edf34d206965e86b3e94f536e4246');
    expect(sm4CbcDecrypt(key, zeroIv, ct, false).equals(key)).toBe(true);
  });

  it('encrypts 1,000,000 times', () => {
    // CBC with zero IV over P followed by zero blocks chains C_i = E(C_{i-1}), so the last block of
    // one 16 MB call equals E applied 10^6 times (< 1 s on OpenSSL 3.0).
    const input = Buffer.alloc(16 * 1_000_000);
    key.copy(input);
    const ct = sm4CbcEncrypt(key, zeroIv, input, false);
    expect(ct.subarray(ct.length - 16).toString('hex')).toBe('595298c7c6fd271f0402f804c33d3f66');
  });
});

describe('field encryption', () => {
  const keyA = crypto.randomBytes(16);
  const keyB = crypto.randomBytes(16);
  const ringA = new Keyring(keyA);

  it('round-trips Chinese text, the empty string and a 1 MB string', () => {
    for (const text of ['张三 身份证 110101199003077777 住院号 ZY-2024-001', '', 'a影'.repeat(256 * 1024) /* 1 MiB of UTF-8 */]) {
      const token = encryptField(text, ringA);
      expect(isEncryptedField(token)).toBe(true);
      expect(token).not.toContain(text || '\u0000');
      expect(decryptField(token, ringA)).toBe(text);
    }
  });

  it('uses a fresh IV each time and the key id, never the key', () => {
    const t1 = encryptField('same', ringA);
    const t2 = encryptField('same', ringA);
    expect(t1).not.toBe(t2);
    expect(t1.split(':')[1]).toBe(keyIdOf(keyA));
    expect(keyIdOf(keyA)).toBe(sm3(keyA).toString('hex').slice(0, 8));
    expect(t1).not.toContain(keyA.toString('hex'));
    expect(JSON.stringify(ringA)).not.toContain(keyA.toString('hex'));
  });

  it('rejects a token with a flipped byte in any part', () => {
    const token = encryptField('patient 李四', ringA);
    const parts = token.split(':');
    for (let i = 2; i < parts.length; i++) {
      const bytes = Buffer.from(parts[i]!, 'base64');
      bytes[0]! ^= 0x01;
      const tampered = [...parts.slice(0, i), bytes.toString('base64'), ...parts.slice(i + 1)].join(':');
      const err = appErrorOf(() => decryptField(tampered, ringA));
      expect(err.code).toBe('VALIDATION_FAILED');
      expect(err.message).toMatch(/integrity/); // reached the MAC check, not just the shape check
    }
    // Version and key id are authenticated too: relabelling to another loaded key fails the MAC.
    const ringAB = new Keyring(keyA, [keyB]);
    const relabelled = [parts[0], keyIdOf(keyB), ...parts.slice(2)].join(':');
    expect(appErrorOf(() => decryptField(relabelled, ringAB)).code).toBe('VALIDATION_FAILED');
    expect(appErrorOf(() => decryptField(token.replace('sm4cbc1', 'sm4cbc2'), ringA)).code).toBe('VALIDATION_FAILED');
  });

  it('rejects malformed tokens and plaintext without echoing them', () => {
    for (const bad of ['', 'not encrypted 王五', 'sm4cbc1:abc', `${encryptField('x', ringA)}:extra`]) {
      const err = appErrorOf(() => decryptField(bad, ringA, 'patient_name'));
      expect(err.code).toBe('VALIDATION_FAILED');
      expect(err.field).toBe('patient_name');
      if (bad) expect(err.message).not.toContain(bad);
    }
    expect(isEncryptedField('plain')).toBe(false);
  });

  it('names the key id problem when decrypting with the wrong master key', () => {
    const token = encryptField('secret', ringA);
    const err = appErrorOf(() => decryptField(token, new Keyring(keyB)));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(keyIdOf(keyA));
    expect(err.message).toMatch(/wrong master key/);
  });

  it('rotates: old tokens decrypt with the old key loaded and re-encrypt to the active key', () => {
    const oldToken = encryptField('connector secret', ringA);
    const rotated = new Keyring(keyB, [keyA]);
    expect(decryptField(oldToken, rotated)).toBe('connector secret');
    const fresh = reencryptField(oldToken, rotated);
    expect(fieldKeyId(fresh)).toBe(keyIdOf(keyB));
    expect(decryptField(fresh, new Keyring(keyB))).toBe('connector secret');
    expect(reencryptField(fresh, rotated)).toBe(fresh); // already current: unchanged, write skippable
    expect(appErrorOf(() => decryptField(oldToken, new Keyring(keyB))).code).toBe('CONFIG_INVALID');
  });
});

describe('Keyring.fromEnv', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'yz-crypto-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = crypto.randomBytes(16);
  const old = crypto.randomBytes(16);

  it('accepts hex and base64 keys', () => {
    expect(Keyring.fromEnv({ YZ_MASTER_KEY: key.toString('hex') }).activeKeyId).toBe(keyIdOf(key));
    expect(Keyring.fromEnv({ YZ_MASTER_KEY: key.toString('base64') }).activeKeyId).toBe(keyIdOf(key));
    expect(Keyring.fromEnv({ YZ_MASTER_KEY: key.toString('base64url') }).activeKeyId).toBe(keyIdOf(key));
  });

  it('adds old keys from YZ_MASTER_KEYS_OLD', () => {
    const ring = Keyring.fromEnv({ YZ_MASTER_KEY: key.toString('hex'), YZ_MASTER_KEYS_OLD: ` ${old.toString('base64')} ,` });
    expect(ring.keyIds).toEqual([keyIdOf(key), keyIdOf(old)]);
  });

  it('reads a key file: first key line active, further lines old', () => {
    const file = path.join(dir, 'master.key');
    writeFileSync(file, `# active\n${key.toString('hex')}\n\n# previous\n${old.toString('base64')}\n`);
    const ring = Keyring.fromEnv({ YZ_MASTER_KEY_FILE: file });
    expect(ring.activeKeyId).toBe(keyIdOf(key));
    expect(ring.has(keyIdOf(old))).toBe(true);
  });

  it('gives a clear error naming YZ_MASTER_KEY for bad values, without echoing them', () => {
    for (const bad of ['0123456789abcdef', 'zz23456789abcdeffedcba98765432zz', crypto.randomBytes(32).toString('hex'), 'not a key']) {
      const err = appErrorOf(() => Keyring.fromEnv({ YZ_MASTER_KEY: bad }));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.field).toBe('YZ_MASTER_KEY');
      expect(err.message).toContain('YZ_MASTER_KEY');
      expect(err.message).toContain('16');
      expect(err.message).not.toContain(bad);
    }
  });

  it('errors when no key, both sources, a missing file or a bad file line', () => {
    expect(appErrorOf(() => Keyring.fromEnv({})).message).toContain('YZ_MASTER_KEY');
    const both = { YZ_MASTER_KEY: key.toString('hex'), YZ_MASTER_KEY_FILE: '/x' };
    expect(appErrorOf(() => Keyring.fromEnv(both)).code).toBe('CONFIG_INVALID');
    expect(appErrorOf(() => Keyring.fromEnv({ YZ_MASTER_KEY_FILE: path.join(dir, 'nope') })).field).toBe('YZ_MASTER_KEY_FILE');
    const file = path.join(dir, 'bad.key');
    writeFileSync(file, `${key.toString('hex')}\nshort\n`);
    expect(appErrorOf(() => Keyring.fromEnv({ YZ_MASTER_KEY_FILE: file })).message).toContain('line 2');
    const empty = path.join(dir, 'empty.key');
    writeFileSync(empty, '# nothing\n');
    expect(appErrorOf(() => Keyring.fromEnv({ YZ_MASTER_KEY_FILE: empty })).message).toContain('no key');
  });
});
