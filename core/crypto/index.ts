export { sm3, hmacSm3, sm4CbcEncrypt, sm4CbcDecrypt, assertSmSupported } from './sm.ts';
export { Keyring, parseMasterKey, keyIdOf, type DerivedKeys } from './keyring.ts';
export { encryptField, decryptField, reencryptField, isEncryptedField, fieldKeyId } from './field-cipher.ts';
export { benchSm4Throughput } from './bench.ts';
export { GENERATED_KEY_FILE, resolveKeyring, writeKeyFile, type KeySource, type MasterKeySettings, type ResolvedKeyring } from './key-file.ts';
