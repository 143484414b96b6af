import { newId } from '../core/index.ts';
import type { Queryable } from '../store/index.ts';
import type { Figure } from '../imaging/index.ts';

export interface FigureMeta {
  id: string;
  mime: Figure['mime'];
  width: number;
  height: number;
  source: Figure['source'];
  fileName: string | null;
  synthetic: boolean;
  createdAt: string;
}

interface Row {
  id: string; mime: Figure['mime']; width: number; height: number; source: Figure['source']; file_name: string | null; synthetic: boolean; created_at: Date;
}
const meta = (r: Row): FigureMeta => ({ id: r.id, mime: r.mime, width: r.width, height: r.height, source: r.source, fileName: r.file_name, synthetic: r.synthetic, createdAt: new Date(r.created_at).toISOString() });

/** SQL for teaching figures (teach_figures): stored once per content hash. */
export class FiguresRepository {
  constructor(private readonly db: Queryable) {}

  /** Store a figure; the same bytes uploaded again return the stored one (`created: false`). */
  async insert(tx: Queryable, f: Figure, o: { fileName: string | null; synthetic: boolean; actor: string }): Promise<{ figure: FigureMeta; created: boolean }> {
    const { rows } = await tx.query<Row>(
      `INSERT INTO teach_figures (id, mime, bytes, width, height, source, sha256, file_name, synthetic, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (sha256) DO NOTHING
       RETURNING id, mime, width, height, source, file_name, synthetic, created_at`,
      [newId('fig'), f.mime, f.bytes, f.width, f.height, f.source, f.sha256, o.fileName, o.synthetic, o.actor],
    );
    if (rows[0]) return { figure: meta(rows[0]), created: true };
    const existing = await tx.query<Row>('SELECT id, mime, width, height, source, file_name, synthetic, created_at FROM teach_figures WHERE sha256 = $1', [f.sha256]);
    return { figure: meta(existing.rows[0]), created: false };
  }

  async meta(id: string): Promise<FigureMeta | null> {
    const { rows } = await this.db.query<Row>('SELECT id, mime, width, height, source, file_name, synthetic, created_at FROM teach_figures WHERE id = $1', [id]);
    return rows[0] ? meta(rows[0]) : null;
  }

  async bytes(id: string): Promise<{ mime: Figure['mime']; bytes: Buffer } | null> {
    const { rows } = await this.db.query<{ mime: Figure['mime']; bytes: Uint8Array }>('SELECT mime, bytes FROM teach_figures WHERE id = $1', [id]);
    return rows[0] ? { mime: rows[0].mime, bytes: Buffer.from(rows[0].bytes) } : null;
  }
}
