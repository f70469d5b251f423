import { book } from "./carrier";

const orderId = "6f1c2a4e-8a0b-4c57-9d2e-1b3f5a7c9e01";
const address = { name: "Ada Lovelace", line1: "12 St James's Square", city: "London", postalCode: "SW1Y 4JH", country: "GB" };

describe("the simulated carrier", () => {
  test("when the country is ZZ, then the booking is refused with the reason", () => {
    expect(book(orderId, { ...address, country: "ZZ" })).toEqual({ outcome: "refused", reason: "cannot ship to ZZ" });
  });

  test("when the country is any other, then the parcel is booked with a shipment id and a carrier", () => {
    expect(book(orderId, address)).toEqual({ outcome: "booked", shipmentId: expect.stringMatching(/^shp_[0-9a-f]{24}$/), carrier: "DHL" });
  });

  test("when the same order is booked twice, then it gets the same shipment id (the carrier's idempotency key)", () => {
    expect(book(orderId, address)).toEqual(book(orderId, address));
    expect(book("7f1c2a4e-8a0b-4c57-9d2e-1b3f5a7c9e01", address)).not.toEqual(book(orderId, address));
  });
});
