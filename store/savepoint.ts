import type { Queryable } from './database.ts';

/**
 * Run `fn` under a savepoint of the caller's transaction: when it throws, only its own writes are rolled back and
 * the error is rethrown (the transaction stays usable); otherwise the savepoint is released. Not re-entrant.
 */
export async function withSavepoint<T>(tx: Queryable, fn: () => Promise<T>): Promise<T> {
  await tx.query('SAVEPOINT yz_item');
  try {
    const value = await fn();
    await tx.query('RELEASE SAVEPOINT yz_item');
    return value;
  } catch (e) {
    await tx.query('ROLLBACK TO SAVEPOINT yz_item');
    throw e;
  }
}

/**
 * Run `fn` in a read-only transaction that sees one snapshot (REPEATABLE READ): reads spread over several
 * statements agree with each other (an export's header counts match its lines).
 */
export function inReadSnapshot<T>(db: { transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> }, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return fn(tx);
  });
}
