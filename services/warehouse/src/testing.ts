/**
 * For this service's tests (not used by the service): customers' keys as the service reads them.
 * The test database is every service's (@shop/service-kit/testing).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { personalFields } from "@shop/contracts";
import { createKeyring, localKek, sealFields } from "@shop/messaging";

/**
 * A keyring holding the address KEK, as the service's, and customers whose data keys it has read:
 * `customer()` issues one and gives back how an order seals OrderPlaced, and the key's erasure.
 */
export function testKeyring() {
  const kek = localKek("address", randomBytes(32).toString("hex"));
  const keyring = createKeyring({ address: kek });
  return {
    keyring,
    async customer() {
      const key = { keyId: randomUUID(), key: randomBytes(32) };
      await keyring.issued({ keyId: key.keyId, category: "address", kekId: kek.kekId, wrappedKey: await kek.wrap(key.key) });
      const addressFields = (personalFields().OrderPlaced ?? []).filter(({ category }) => category === "address");
      return { seal: <T>(event: T) => sealFields(event, addressFields, () => key), erase: () => keyring.erased(key.keyId) };
    },
  };
}
