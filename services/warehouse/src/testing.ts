/**
 * For this service's tests (not used by the service): customers' keys as the service reads them.
 * The test database is every service's (@shop/service-kit/testing).
 */
import { personalFields } from "@shop/contracts";
import { sealFields } from "@shop/messaging";
import { testKeyring as keyringFor } from "@shop/service-kit/testing";

/**
 * A keyring holding the address KEK, as the service's: `customer()` gives back how an order seals
 * OrderPlaced and the erasure of the customer's key.
 */
export function testKeyring() {
  const keys = keyringFor("address");
  const addressFields = (personalFields().OrderPlaced ?? []).filter(({ category }) => category === "address");
  return {
    keyring: keys.keyring,
    async customer() {
      const { key, erase } = await keys.customer();
      return { seal: <T>(event: T) => sealFields(event, addressFields, () => key), erase };
    },
  };
}
