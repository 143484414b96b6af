/**
 * Key rotation (Security issue): every column holding `encryptField` tokens is declared in the
 * EncryptedColumns registry (keys/columns.ts); `rotateKeys` re-encrypts them all under the active
 * SM4 key in batched transactions and audits `key.rotate`. CLI: `yingzhi keys rotate | status`
 * (cli/commands/keys.ts).
 */
export { type EncryptedColumn, EncryptedColumns, productEncryptedColumns } from './columns.ts';
export { type ColumnKeyCount, countByKey, type RotateOptions, type RotateReport, rotateKeys } from './rotate.ts';
