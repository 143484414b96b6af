import type { Database, Queryable } from '../../store/index.ts';

/** Run SQL with the audit tables' append-only triggers off, as an attacker with the table owner's rights would. */
export async function tamper(db: Database, fn: (tx: Queryable) => Promise<unknown>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec('ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_head DISABLE TRIGGER USER');
    await fn(tx);
    await tx.exec('ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE audit_head ENABLE TRIGGER USER');
  });
}
