import { CHAT_ENCRYPTED_COLUMNS } from '../agents/index.ts';
import { CASE_ENCRYPTED_COLUMNS } from '../cases/index.ts';
import { CONNECTOR_ENCRYPTED_COLUMNS } from '../connectors/index.ts';
import { AppError, type Keyring } from '../core/index.ts';

/**
 * A database column holding values encrypted with `encryptField` (core/crypto). Key rotation walks
 * every registered column, so a capability that encrypts a column declares it here once.
 */
export interface EncryptedColumn {
  table: string;
  /** The table's primary key column (rows are read in its order, in batches). */
  key: string;
  column: string;
  /**
   * `text`: the column holds one token (or NULL). `json`: a jsonb document in which every string
   * that has the shape of a token is one (e.g. `{ "secret": "sm4cbc1:…" }`); other values are left alone.
   * `mixed`: a text column where only some rows hold a token (chat messages: questions are encrypted,
   * answers are not); tokens are rotated, other values left alone.
   */
  kind: 'text' | 'json' | 'mixed';
  /** Who owns it, for messages: e.g. `connectors`. */
  owner: string;
  /**
   * `text` columns only: a column of the same row holding a keyed blind index of the plaintext (an HMAC under the
   * active key's MAC key, e.g. `cases.patient_key`). Rotation recomputes it under the new key in the same UPDATE as
   * the token, so after the old key is retired lookups by the index still match; `of` gets the decrypted value.
   */
  blindIndex?: { column: string; of: (plaintext: string, keyring: Keyring) => string };
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The registry of encrypted columns. Identifiers are interpolated into SQL (they cannot be bound as
 * parameters), so they are checked against a strict pattern here, at registration.
 */
export class EncryptedColumns {
  readonly #columns: EncryptedColumn[] = [];

  /** Declare a column; throws CONFIG_INVALID for an identifier that is not a plain lower-case name, or a duplicate. */
  register(...cols: EncryptedColumn[]): this {
    for (const c of cols) {
      if (c.blindIndex && c.kind !== 'text') throw new AppError('CONFIG_INVALID', `盲索引只用于 text 列 / a blind index needs a text column: ${c.table}.${c.column}`);
      for (const name of [c.table, c.key, c.column, ...(c.blindIndex ? [c.blindIndex.column] : [])]) {
        if (!IDENT.test(name)) throw new AppError('CONFIG_INVALID', `加密列名无效 / invalid encrypted column identifier: ${name}`);
      }
      if (this.#columns.some((x) => x.table === c.table && x.column === c.column)) {
        throw new AppError('CONFIG_INVALID', `加密列重复登记 / encrypted column registered twice: ${c.table}.${c.column}`);
      }
      this.#columns.push({ ...c, ...(c.blindIndex ? { blindIndex: { ...c.blindIndex } } : {}) });
    }
    return this;
  }

  list(): readonly EncryptedColumn[] {
    return this.#columns;
  }
}

/**
 * Every encrypted column of the product. A capability that stores `encryptField` tokens adds its
 * declaration here with one line, e.g. `.register(...CONNECTOR_ENCRYPTED_COLUMNS)` exported by
 * connectors/. Case patient identifiers carry their blind index (cases/patient-key.ts). (API token secrets are SHA-256 hashes, not encrypted: nothing to rotate there.)
 */
export function productEncryptedColumns(): EncryptedColumns {
  return new EncryptedColumns().register(...CONNECTOR_ENCRYPTED_COLUMNS, ...CHAT_ENCRYPTED_COLUMNS, ...CASE_ENCRYPTED_COLUMNS);
}
