import { charge } from "./provider";

const orderId = "6f1c2a4e-8a0b-4c57-9d2e-1b3f5a7c9e01";

describe("the simulated payment provider", () => {
  test("when the token is tok_decline, then the charge is declined with card_declined", () => {
    expect(charge({ orderId, amount: 4897, paymentMethod: "tok_decline" })).toEqual({ outcome: "declined", reason: "card_declined" });
  });

  test("when the token is tok_visa, then the charge is captured with a payment id", () => {
    expect(charge({ orderId, amount: 4897, paymentMethod: "tok_visa" })).toEqual({ outcome: "captured", paymentId: expect.stringMatching(/^pay_[0-9a-f]{24}$/) });
  });

  test("when the same order is charged twice, then it gets the same payment id (the provider's idempotency key)", () => {
    const first = charge({ orderId, amount: 4897, paymentMethod: "tok_visa" });
    expect(charge({ orderId, amount: 4897, paymentMethod: "tok_visa" })).toEqual(first);
    expect(charge({ orderId: "7f1c2a4e-8a0b-4c57-9d2e-1b3f5a7c9e01", amount: 4897, paymentMethod: "tok_visa" })).not.toEqual(first);
  });
});
