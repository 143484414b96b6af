import crypto from 'node:crypto';
import { encryptField } from './field-cipher.ts';
import { Keyring } from './keyring.ts';

/**
 * Micro-benchmark of the full field path (SM4-CBC + HMAC-SM3 + base64) with a random key:
 * encrypts `totalMb` MB (default 64) as 1 MB fields and reports MB/s of plaintext.
 * The Security issue's target is ≥ 50 MB/s.
 */
export function benchSm4Throughput(totalMb = 64): { mbPerSec: number } {
  const keyring = new Keyring(crypto.randomBytes(16));
  const field = 'x'.repeat(1024 * 1024);
  encryptField(field, keyring); // warm-up: first call pays OpenSSL cipher/digest lookup
  const start = process.hrtime.bigint();
  for (let i = 0; i < totalMb; i++) encryptField(field, keyring);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { mbPerSec: Math.round((totalMb / seconds) * 10) / 10 };
}
