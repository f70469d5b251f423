/** Personal data: sealing fields, the keyring that opens them, the KEK that wraps keys (docs/decisions/014). */
export { localKek, type KeyEncryptionKey } from "./local-kek";
export { isSealed, keyIdOf, open, seal, sealFields, SealError, type DataKey } from "./sealing";
export { createKeyring, type IssuedKey, type Keyring, type KeyStatus } from "./keyring";
export { followKeyTopic, type KeyTopicOptions } from "./key-topic";
