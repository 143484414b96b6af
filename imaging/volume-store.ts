import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/index.ts';
import { z } from 'zod';
import type { Geometry, VoxelArray } from './volume.ts';

const Vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** A cached volume as the viewer gets it (GET /api/imaging/volumes/:key). */
export const StoredVolumeMetaSchema = z.object({
  key: z.string(),
  geometry: z.object({ dims: Vec3, spacing: Vec3, origin: Vec3, direction: z.array(z.number()).length(9) }),
  dtype: z.enum(['int16', 'float32', 'uint8', 'uint16']),
  modality: z.string(),
  /** Display window from the header (DICOM) or a modality default. */
  window: z.object({ center: z.number(), width: z.number() }),
  storedAt: z.string(),
});
export type StoredVolumeMeta = z.infer<typeof StoredVolumeMetaSchema>;

const DTYPES = { int16: Int16Array, float32: Float32Array, uint8: Uint8Array, uint16: Uint16Array } as const;
const KEY = /^(img|msk)_[0-9a-f]{16,64}$/;

/**
 * Content-addressed cache of measured volumes on disk (`<dir>/volumes/<key>.raw` + `.json`): the slice
 * viewer reads one slice by byte range without re-parsing DICOM. Keys come from content hashes, so a put
 * is idempotent; entries older than the retention are pruned. It holds voxel data and geometry only —
 * no patient fields. With workers on several machines `dir` must be shared storage.
 */
export class VolumeStore {
  private readonly root: string;

  constructor(dir: string, private readonly retentionDays: number) {
    this.root = path.join(dir, 'volumes');
  }

  /** Store a volume under `key` unless it is already there; returns its metadata. */
  put(key: string, geometry: Geometry, data: VoxelArray, modality: string, window: StoredVolumeMeta['window']): StoredVolumeMeta {
    if (!KEY.test(key)) throw new Error(`bad volume key ${key}`);
    const existing = this.meta(key);
    if (existing) return existing;
    mkdirSync(this.root, { recursive: true });
    const dtype = data instanceof Int16Array ? 'int16' : data instanceof Uint8Array ? 'uint8' : data instanceof Uint16Array ? 'uint16' : 'float32';
    const bytes = dtype === 'float32' && !(data instanceof Float32Array) ? new Float32Array(data) : data;
    const meta: StoredVolumeMeta = { key, geometry: geometry as StoredVolumeMeta['geometry'], dtype, modality, window, storedAt: new Date().toISOString() };
    // Write to temporary names and rename: a reader never sees a half-written volume.
    const raw = path.join(this.root, `${key}.raw`);
    writeFileSync(`${raw}.tmp`, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    renameSync(`${raw}.tmp`, raw);
    writeFileSync(path.join(this.root, `${key}.json.tmp`), JSON.stringify(meta));
    renameSync(path.join(this.root, `${key}.json.tmp`), path.join(this.root, `${key}.json`));
    return meta;
  }

  /** Metadata of a stored volume, or null when absent (never stored, or pruned). */
  meta(key: string): StoredVolumeMeta | null {
    if (!KEY.test(key)) return null;
    const f = path.join(this.root, `${key}.json`);
    if (!existsSync(f) || !existsSync(path.join(this.root, `${key}.raw`))) return null;
    return JSON.parse(readFileSync(f, 'utf8')) as StoredVolumeMeta;
  }

  /** The raw little-endian voxels of axial slice k (dtype from meta). */
  slice(key: string, k: number): { meta: StoredVolumeMeta; bytes: Buffer } {
    const meta = this.meta(key);
    if (!meta) throw new AppError('NOT_FOUND', `影像缓存中没有 ${key}（可能已过期）/ no cached volume ${key} (it may have expired; measure again)`, { field: 'key' });
    const [nx, ny, nz] = meta.geometry.dims;
    if (!Number.isInteger(k) || k < 0 || k >= nz) throw new AppError('NOT_FOUND', `层面 ${k} 不存在（0–${nz - 1}）/ no slice ${k} (0–${nz - 1})`, { field: 'k' });
    const size = nx * ny * DTYPES[meta.dtype].BYTES_PER_ELEMENT;
    const bytes = Buffer.alloc(size);
    const fd = openSync(path.join(this.root, `${key}.raw`), 'r');
    try {
      readSync(fd, bytes, 0, size, k * size);
    } finally {
      closeSync(fd);
    }
    return { meta, bytes };
  }

  /** Remove entries older than the retention; returns how many. */
  prune(now = Date.now()): number {
    if (!existsSync(this.root)) return 0;
    let n = 0;
    for (const f of readdirSync(this.root)) {
      if (!f.endsWith('.json')) continue;
      const full = path.join(this.root, f);
      if (now - statSync(full).mtimeMs > this.retentionDays * 86_400_000) {
        rmSync(full, { force: true });
        rmSync(full.replace(/\.json$/, '.raw'), { force: true });
        n++;
      }
    }
    return n;
  }
}
