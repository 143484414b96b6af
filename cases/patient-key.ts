import { AppError, hmacSm3, type Keyring } from '../core/index.ts';

/** Domain of the patient identifier's blind index (HMAC-SM3): never the same MAC as any other use of the key. */
const PATIENT_KEY_DOMAIN = 'yingzhi/cases/patient/v1\u0000';

/**
 * The blind index of a patient identifier (`cases.patient_key`, migration 088): HMAC-SM3 under the MAC key of one
 * loaded master key (default: the active one, which is the one stored). Surrounding spaces do not count.
 */
export function patientBlindIndex(keyring: Keyring, patientId: string, keyId = keyring.activeKeyId): string {
  const keys = keyring.keysFor(keyId);
  if (!keys) throw new AppError('CONFIG_INVALID', `密钥未加载 / key ${keyId} is not loaded`);
  return hmacSm3(keys.mac, `${PATIENT_KEY_DOMAIN}${patientId.trim()}`).toString('hex');
}

/**
 * The case library's encrypted column for key rotation (keys/columns.ts): the SM4-encrypted patient identifier,
 * whose blind index is recomputed under the new key in the same row update (after the old key is retired, an
 * index under it could never be matched again).
 */
export const CASE_ENCRYPTED_COLUMNS = [
  { table: 'cases', key: 'id', column: 'patient_ref', kind: 'text', owner: 'cases', blindIndex: { column: 'patient_key', of: (plain: string, keyring: Keyring) => patientBlindIndex(keyring, plain) } },
] as const;
