/**
 * The key-encryption key (KEK) of one category of personal data, held in this process: it wraps
 * (encrypts) and unwraps customers' data keys. The one file to replace with a cloud KMS
 * (AWS KMS Encrypt/Decrypt, GCP Cloud KMS, Vault transit): the rest of the package sees only
 * KeyEncryptionKey, whose calls are async for that reason.
 * Simplification: the KEK is a 32-byte secret from the environment (infra generates one per
 * category and hands it only to the services allowed to read that category); a KMS keeps it
 * in hardware, logs every unwrap, and rotates it without a redeploy.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export interface KeyEncryptionKey {
  /** Names this KEK in CustomerDataKeyIssued, so a reader knows which KEK unwraps a key (rotation). */
  readonly kekId: string;
  /** The data key wrapped, as base64 text. */
  wrap(dataKey: Buffer): Promise<string>;
  /** The data key; throws when the wrapped key was made by another KEK or altered. */
  unwrap(wrapped: string): Promise<Buffer>;
}

/** A KEK from its secret: 32 bytes as 64 hex digits (what infra generates; `openssl rand -hex 32` makes one too). */
export function localKek(category: string, secretHex: string): KeyEncryptionKey {
  if (!/^[0-9a-fA-F]{64}$/.test(secretHex)) throw new Error(`the ${category} key-encryption key must be 32 bytes as 64 hex digits`);
  const secret = Buffer.from(secretHex, "hex");
  // A fingerprint, not the secret: tells two KEKs apart without revealing either.
  const kekId = `${category}-${createHash("sha256").update(secret).digest("hex").slice(0, 12)}`;
  const aad = Buffer.from(kekId);
  return {
    kekId,
    async wrap(dataKey) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", secret, iv).setAAD(aad);
      return Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]).toString("base64");
    },
    async unwrap(wrapped) {
      const bytes = Buffer.from(wrapped, "base64");
      const decipher = createDecipheriv("aes-256-gcm", secret, bytes.subarray(0, 12)).setAAD(aad);
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    },
  };
}
