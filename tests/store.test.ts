import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PgliteDatabase, PostgresDatabase } from '../store/index.ts';
import { onEveryDatabase } from './helpers/databases.ts';
import { storeContract } from './store.contract.ts';

onEveryDatabase('store contract', storeContract);

describe('embedded data directory', () => {
  it('refuses a second opener while the first holds the directory, then reopens after close', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yz-lock-'));
    const first = await PgliteDatabase.open(dir);
    // The lock is per process id; simulate another live process holding it.
    const { writeFileSync } = await import('node:fs');
    await first.close();
    writeFileSync(path.join(dir, 'yingzhi.lock'), String(process.ppid));
    await expect(PgliteDatabase.open(dir)).rejects.toMatchObject({ code: 'DB_LOCKED' });
    writeFileSync(path.join(dir, 'yingzhi.lock'), '999999999'); // a dead pid: stale lock is taken over
    const reopened = await PgliteDatabase.open(dir);
    await reopened.close();
  });

  it('reports an unreachable server with the variable to fix', async () => {
    await expect(PostgresDatabase.open('postgres://nobody:x@127.0.0.1:1/none')).rejects.toMatchObject({ code: 'DB_UNAVAILABLE', field: 'DATABASE_URL' });
  });
});
