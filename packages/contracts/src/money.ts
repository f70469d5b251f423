/**
 * Money is integer cents everywhere: in the events (Avro long), in every database (bigint), in
 * every HTTP body (1999 is 19.99) and in the code between them. Integers add and compare
 * exactly; binary floats do not (0.1 + 0.2 !== 0.3), so nothing converts money to a float on
 * the way. Simplification: one currency, implied (see the README, "Money").
 */

/** An amount of money in integer cents: 1999 is 19.99. The fields keep their contract names (total, price, amount); the type says the unit. */
export type Cents = number;

/**
 * A bigint column as Cents. pg hands bigint over as text, because a JavaScript number holds
 * integers exactly only up to 2^53; money never comes near that (90 trillion in cents), so the
 * conversion is exact, and a value that is not a whole number within it throws instead of rounding.
 */
export function cents(column: string): Cents {
  const value = Number(column);
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a whole number of cents within 2^53: ${column}`);
  return value;
}
