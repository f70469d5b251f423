import { oneOutcomePerOrder } from "./one-outcome";

const mail = (orderId: string, kind: "receipt" | "cancellation") => ({ mail: { orderId, kind } });

test("when a batch holds a receipt and then a cancellation for one order, then the cancellation contradicts it and is set apart", () => {
  const [receipt, cancellation] = [mail("o-1", "receipt"), mail("o-1", "cancellation")];
  expect(oneOutcomePerOrder([receipt, cancellation])).toEqual({ mails: [receipt], contradicting: [cancellation] });
});

test("when a batch holds a cancellation and then a receipt, then the first outcome wins: the receipt is set apart", () => {
  const [cancellation, receipt] = [mail("o-1", "cancellation"), mail("o-1", "receipt")];
  expect(oneOutcomePerOrder([cancellation, receipt])).toEqual({ mails: [cancellation], contradicting: [receipt] });
});

test("when a batch holds copies of one outcome and other orders' outcomes, then nothing contradicts (copies are the claim's to skip)", () => {
  const batch = [mail("o-1", "receipt"), mail("o-2", "cancellation"), mail("o-1", "receipt")];
  expect(oneOutcomePerOrder(batch)).toEqual({ mails: batch, contradicting: [] });
});
