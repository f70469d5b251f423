import { parseScale } from "./scale";
import { portOf } from "./service-env";

test("when --scale names services and counts, then each gets its count, and instance N listens 100 × (N − 1) above the default port", () => {
  expect(parseScale(["--scale", "inventory=2", "--scale=payment=3,order=1"])).toEqual({ inventory: 2, payment: 3, order: 1 });
  expect([1, 2, 3].map((instance) => portOf("inventory", instance))).toEqual([3002, 3102, 3202]);
});

test.each([
  [["--scale", "shipping=2"], "--scale shipping=2: expected <service>=<N>"],
  [["--scale", "inventory=0"], "--scale inventory=0: expected"],
  [["--scale", "inventory=10"], "N from 1 to 9"],
  [["--scale"], 'Unknown argument "--scale"'],
  [["--fast"], 'Unknown argument "--fast"'],
])("when pnpm start gets %j, then it refuses, naming the argument", (args, message) => {
  expect(() => parseScale(args)).toThrow(message);
});
