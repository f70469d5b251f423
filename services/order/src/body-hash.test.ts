import { bodySha256, canonicalJson } from "./body-hash";

test("when two bodies hold the same data with their keys in another order, then they have the same hash", () => {
  const body = { customerId: "c-1", items: [{ sku: "TEE-1", quantity: 1 }], shippingAddress: { city: "Berlin", country: "DE" } };
  const reordered = { shippingAddress: { country: "DE", city: "Berlin" }, items: [{ quantity: 1, sku: "TEE-1" }], customerId: "c-1" };
  expect(canonicalJson(reordered)).toBe('{"customerId":"c-1","items":[{"quantity":1,"sku":"TEE-1"}],"shippingAddress":{"city":"Berlin","country":"DE"}}');
  expect(bodySha256(reordered)).toBe(bodySha256(body));
  expect(bodySha256(body)).toMatch(/^[0-9a-f]{64}$/);
});

test.each([
  ["a value", { quantity: 1 }, { quantity: 2 }],
  ["a type", { quantity: 1 }, { quantity: "1" }],
  ["the order of a list", { items: ["a", "b"] }, { items: ["b", "a"] }],
  ["a field more", { a: 1 }, { a: 1, b: null }],
])("when two bodies differ in %s, then their hashes differ", (_what, one, other) => {
  expect(bodySha256(one)).not.toBe(bodySha256(other));
});
