import type { Keyring } from '../core/crypto/index.ts';

/**
 * Audit chain keys this process holds, by master key id (HMAC-SM3 keys derived from the master keys,
 * see core/crypto/keyring.ts). Each audit row names the key that hashed it and the chain head names
 * the key new rows use, so a lookup by id is all a writer or verifier needs: the database says which
 * key, this registry says whether we have it. Registered by the composition root (runtime, CLI)
 * from the installation keyring; kept by id so two databases keyed differently in one process (tests)
 * never borrow each other's key.
 */
const keys = new Map<string, Buffer>();

/** Make every key of the keyring (active and old) available to audit writers and verifiers. */
export function registerAuditKeys(keyring: Keyring): void {
  for (const id of keyring.keyIds) {
    const derived = keyring.keysFor(id);
    if (derived) keys.set(id, derived.audit);
  }
}

/** The audit chain key with this id, or undefined when this process does not hold it. */
export function auditKey(keyId: string): Buffer | undefined {
  return keys.get(keyId);
}

/** Key material for verifier worker threads (same process), as hex by key id. */
export function auditKeyMaterial(): Record<string, string> {
  return Object.fromEntries([...keys].map(([id, k]) => [id, k.toString('hex')]));
}

/** A key lookup over material passed to a worker thread. */
export function keyLookupOf(material: Record<string, string>): (keyId: string) => Buffer | undefined {
  const map = new Map(Object.entries(material).map(([id, hex]) => [id, Buffer.from(hex, 'hex')]));
  return (id) => map.get(id);
}
