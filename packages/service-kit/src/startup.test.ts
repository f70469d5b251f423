import { startupClock } from "./startup";

describe("startupClock", () => {
  it("names each phase in the order marked, in whole milliseconds, and counts the total from the process's start", () => {
    const clock = startupClock();
    clock.mark("imports");
    clock.mark("config");
    clock.mark("listen");
    const phases = clock.phases();
    expect(Object.keys(phases)).toEqual(["imports", "config", "listen"]);
    for (const ms of Object.values(phases)) expect(Number.isInteger(ms) && ms >= 0).toBe(true);
    // "imports" runs from the process's start: Jest took more than a millisecond to get here.
    expect(phases.imports).toBeGreaterThan(0);
    const sum = Object.values(phases).reduce((a, b) => a + b, 0);
    expect(clock.totalMs()).toBeGreaterThanOrEqual(sum - 3); // rounding: at most half a millisecond per phase
  });
});
