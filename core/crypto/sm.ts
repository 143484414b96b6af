import crypto from 'node:crypto';
import { AppError } from '../errors.ts';

/**
 * SM3 / SM4 primitives on Node's bundled OpenSSL (3.x ships `sm3`, `sm4-cbc`, `sm4-ctr`, `sm4-ecb`;
 * no `sm4-gcm`). Native OpenSSL is 5–30× faster than pure-JS SM libraries and adds no dependency,
 * which also keeps us portable to domestic ARM64 (信创) without prebuilt binaries.
 */

let supported: boolean | undefined;

/**
 * Throws CONFIG_INVALID when this Node's OpenSSL lacks SM3/SM4 (e.g. a distro or FIPS build compiled
 * with `no-sm3`/`no-sm4`). Checked once, lazily, so merely importing this module never fails.
 */
export function assertSmSupported(): void {
  if (supported === undefined) {
    supported = crypto.getHashes().includes('sm3') && crypto.getCiphers().includes('sm4-cbc');
  }
  if (!supported) {
    throw new AppError(
      'CONFIG_INVALID',
      `本机 Node 的 OpenSSL (${process.versions.openssl}) 不支持 SM3/SM4 / This Node's OpenSSL (${process.versions.openssl}) lacks sm3 or sm4-cbc; use an official Node.js build`,
    );
  }
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** SM3 digest (GB/T 32905) of bytes, or of a string encoded as UTF-8. Returns 32 bytes. */
export function sm3(data: Uint8Array | string): Buffer {
  assertSmSupported();
  return crypto.createHash('sm3').update(toBytes(data)).digest();
}

/** HMAC-SM3 (RFC 2104 construction over SM3). Strings are UTF-8. Returns 32 bytes. */
export function hmacSm3(key: Uint8Array | string, data: Uint8Array | string): Buffer {
  assertSmSupported();
  return crypto.createHmac('sm3', toBytes(key)).update(toBytes(data)).digest();
}

/**
 * SM4-CBC (GB/T 32907) encryption. `padding` (default true) is PKCS#7; turn it off only for
 * block-aligned data such as test vectors.
 */
export function sm4CbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, padding = true): Buffer {
  assertSmSupported();
  const cipher = crypto.createCipheriv('sm4-cbc', key, iv);
  cipher.setAutoPadding(padding);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** SM4-CBC decryption; the inverse of {@link sm4CbcEncrypt}. Throws on bad PKCS#7 padding. */
export function sm4CbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, padding = true): Buffer {
  assertSmSupported();
  const decipher = crypto.createDecipheriv('sm4-cbc', key, iv);
  decipher.setAutoPadding(padding);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}
