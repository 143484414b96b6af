import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError, hmacSm3, type Keyring } from '../../core/index.ts';

/**
 * Signed exports. `graph export` (JSON lines) ends with one signature line,
 * `{"kind":"signature","alg":"HMAC-SM3","keyId":"…","mac":"…"}`, an HMAC-SM3 over every byte before it,
 * keyed with a subkey of this installation's master key. `graph import` trusts a file (its relations
 * arrive approved) only when that MAC verifies with a key this installation holds; any other file's
 * facts go to the review queue. A file whose signature names one of our keys but does not verify was
 * altered after export and is refused.
 */
export const SignatureLineSchema = z.object({
  kind: z.literal('signature'),
  alg: z.literal('HMAC-SM3'),
  keyId: z.string().regex(/^[0-9a-f]{8}$/),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SignatureLine = z.infer<typeof SignatureLineSchema>;

/** How an import was authenticated: `valid` (ours, intact), `unsigned`, or `foreign` (signed by a key we do not hold). */
export type SignatureStatus = 'valid' | 'unsigned' | 'foreign';

/** Domain-separated from every other use of the master key's MAC subkey (field tokens, audit). */
const LABEL = 'yingzhi/graph-export/v1';

function exportKey(keyring: Keyring, keyId: string): Buffer | null {
  const keys = keyring.keysFor(keyId);
  return keys ? hmacSm3(keys.mac, LABEL) : null;
}

/** The signature line for `body` (which must end with a newline), under the active key. */
export function signatureLine(body: string, keyring: Keyring): string {
  const key = exportKey(keyring, keyring.activeKeyId) as Buffer;
  const line: SignatureLine = { kind: 'signature', alg: 'HMAC-SM3', keyId: keyring.activeKeyId, mac: hmacSm3(key, body).toString('hex') };
  return `${JSON.stringify(line)}\n`;
}

/** `body` with its signature line appended: what `graph export` writes when a master key is configured. */
export function signExport(body: string, keyring: Keyring): string {
  return body + signatureLine(body, keyring);
}

/**
 * Split off and check a trailing signature line. Returns the body (the text before the signature line,
 * or the whole text) and its status. Throws IMPORT_SIGNATURE_INVALID for a malformed signature line, or
 * one under a key this installation holds whose MAC does not match (the file was altered).
 */
export function verifyExport(text: string, keyring: Keyring | null): { body: string; status: SignatureStatus; keyId: string | null } {
  const trimmed = text.replace(/\s+$/, '');
  const start = trimmed.lastIndexOf('\n') + 1;
  const last = trimmed.slice(start);
  if (!/^\s*\{\s*"kind"\s*:\s*"signature"/.test(last)) return { body: text, status: 'unsigned', keyId: null };
  let parsed: SignatureLine;
  try {
    parsed = SignatureLineSchema.parse(JSON.parse(last));
  } catch {
    throw invalid('签名行格式无效', 'the signature line is malformed');
  }
  const body = text.slice(0, start);
  const key = keyring ? exportKey(keyring, parsed.keyId) : null;
  if (!key) return { body, status: 'foreign', keyId: parsed.keyId };
  const expected = hmacSm3(key, body);
  if (!timingSafeEqual(expected, Buffer.from(parsed.mac, 'hex'))) {
    throw invalid('签名与内容不符，文件在导出后被修改过', 'the signature does not match: the file was changed after export');
  }
  return { body, status: 'valid', keyId: parsed.keyId };
}

function invalid(zh: string, en: string): AppError {
  return new AppError('IMPORT_SIGNATURE_INVALID', `拒绝导入，未写入任何数据：${zh} / import refused, nothing written: ${en}`, { field: 'signature' });
}
