/**
 * The data keys a service can use, in memory: for each key id, the unwrapped key (a category
 * whose key-encryption key the service holds), "erased", or nothing yet. What the codec asks
 * before handing an event over (key-topic.ts fills it from the datakeys topic), and what a
 * handler opens a field with.
 */
import type { KeyEncryptionKey } from "./local-kek";
import { keyIdOf, open, SealError, type DataKey } from "./sealing";

export type KeyStatus = "usable" | "erased" | "unknown" | "not-ours";

/** A data key as CustomerDataKeyIssued carries it. */
export interface IssuedKey {
  keyId: string;
  category: string;
  kekId: string;
  wrappedKey: string;
}

export interface Keyring {
  /** The categories this service can open: those whose KEK it holds. */
  readonly categories: readonly string[];
  status(keyId: string): KeyStatus;
  /**
   * The plaintext of a sealed field, or undefined when its customer was erased. Throws SealError
   * for a value altered or not sealed, or sealed with a key this service may not use.
   */
  open(sealed: string, field: string): string | undefined;
  /** Unwraps and keeps the key when its category's KEK is held; remembers the id otherwise. */
  issued(key: IssuedKey): Promise<void>;
  /** Drops the key: from now on, every value it sealed stays sealed. */
  erased(keyId: string): void;
}

export function createKeyring(keks: Readonly<Partial<Record<string, KeyEncryptionKey>>>): Keyring {
  const usable = new Map<string, DataKey>();
  const erased = new Set<string>();
  const notOurs = new Set<string>();
  return {
    categories: Object.keys(keks).filter((category) => keks[category] !== undefined),
    status(keyId) {
      if (usable.has(keyId)) return "usable";
      if (erased.has(keyId)) return "erased";
      return notOurs.has(keyId) ? "not-ours" : "unknown";
    },
    open(sealed, field) {
      const keyId = keyIdOf(sealed, field);
      if (erased.has(keyId)) return undefined;
      const key = usable.get(keyId);
      if (!key) throw new SealError(`${field} is sealed with key ${keyId}, which this service cannot use`);
      return open(sealed, key, field);
    },
    async issued({ keyId, category, kekId, wrappedKey }) {
      if (erased.has(keyId)) return; // an erasure is final
      const kek = keks[category];
      if (!kek || kek.kekId !== kekId) {
        // Another category's key, or one wrapped by a KEK this service does not hold (rotation: docs/decisions/014).
        notOurs.add(keyId);
        return;
      }
      usable.set(keyId, { keyId, key: await kek.unwrap(wrappedKey) });
    },
    erased(keyId) {
      usable.get(keyId)?.key.fill(0); // do not leave the key bytes to the garbage collector
      usable.delete(keyId);
      notOurs.delete(keyId);
      erased.add(keyId);
    },
  };
}
