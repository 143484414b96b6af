import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GENERATED_KEY_FILE, keyIdOf, resolveKeyring, writeKeyFile } from '../core/crypto/index.ts';

/** The installation key without configuration (issue 12 M4, issue 14 item 6): generated once, 0600, shared by every process of the data directory. */
describe('master key file in the data directory', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'yz-keyfile-'));
    dirs.push(d);
    return path.join(d, 'data');
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is generated on first start with mode 0600 in a 0700 directory, then read back unchanged', () => {
    const dataDir = fresh();
    const first = resolveKeyring({}, dataDir, { create: true });
    expect(first.source).toBe('generated');
    const file = path.join(dataDir, GENERATED_KEY_FILE);
    expect(first.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toMatch(/^# YingZhi[\s\S]*\n[0-9a-f]{32}\n$/);
    const again = resolveKeyring({}, dataDir, { create: true });
    expect(again).toMatchObject({ source: 'data-dir', file });
    expect(again.keyring.activeKeyId).toBe(first.keyring.activeKeyId);
  });

  it('two processes racing to create it end up with one key', () => {
    const dataDir = fresh();
    const target = path.join(dataDir, GENERATED_KEY_FILE);
    expect(writeKeyFile(target)).toBe(true);
    const before = readFileSync(target, 'utf8');
    expect(writeKeyFile(target)).toBe(false); // the second writer loses, its key is discarded
    expect(readFileSync(target, 'utf8')).toBe(before);
  });

  it('a configured key wins; read-only tools never create one; a readable key file is refused', () => {
    const dataDir = fresh();
    const key = randomBytes(16);
    expect(resolveKeyring({ YZ_MASTER_KEY: key.toString('hex') }, dataDir, { create: true })).toMatchObject({ source: 'env' });
    expect(resolveKeyring({ YZ_MASTER_KEY: key.toString('hex') }, dataDir).keyring.activeKeyId).toBe(keyIdOf(key));
    expect(() => resolveKeyring({}, dataDir, { create: false })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'YZ_MASTER_KEY' }));

    resolveKeyring({}, dataDir, { create: true });
    const file = path.join(dataDir, GENERATED_KEY_FILE);
    chmodSync(file, 0o644);
    expect(() => resolveKeyring({}, dataDir, { create: true })).toThrow(/chmod 600/);
    chmodSync(file, 0o600);
    // The generated file is an ordinary key file: rotation adds lines, the first is active.
    const newer = randomBytes(16).toString('hex');
    const old = readFileSync(file, 'utf8').trim().split('\n').pop() as string;
    writeFileSync(file, `${newer}\n${old}\n`, { mode: 0o600 });
    const rotated = resolveKeyring({}, dataDir).keyring;
    expect(rotated.activeKeyId).toBe(keyIdOf(Buffer.from(newer, 'hex')));
    expect(rotated.keyIds).toHaveLength(2);
  });

  it('an in-memory installation gets a key for this process only, and writes nothing', () => {
    const dataDir = fresh();
    const r = resolveKeyring({}, dataDir, { ephemeral: true, create: true });
    expect(r.source).toBe('ephemeral');
    expect(() => statSync(dataDir)).toThrow();
  });
});
