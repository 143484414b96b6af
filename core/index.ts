export { loadConfig, type Config, type PubmedConfig } from './config.ts';
export { AppError, isAppError, type ErrorCode } from './errors.ts';
export { newId, sha256Hex } from './ids.ts';
export { createLogger, type Logger } from './logger.ts';
export { Lexicon, LexiconEntrySchema, EntityTypeSchema, type LexiconEntry, type EntityType, DEFAULT_LEXICON_PATH } from './lexicon.ts';
export { Tokenizer, ENTITY_PREFIX, type Token } from './tokenizer.ts';
export { normalizeText, surfaceKey, detectLanguage, visibleLength, isCjkChar } from './text.ts';
export { Keyring, resolveKeyring, type ResolvedKeyring, type KeySource, encryptField, decryptField, isEncryptedField, reencryptField, fieldKeyId, sm3, hmacSm3 } from './crypto/index.ts';
export { deidentify, type DeidPolicy, type DeidKind } from './deid/index.ts';
