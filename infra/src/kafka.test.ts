import net from "node:net";
import { startKafka } from "./kafka";
import { freePort } from "./ports";

test("when the broker port is taken, then startKafka fails naming the port", async () => {
  const taken = await freePort();
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(taken, "127.0.0.1", resolve));
  try {
    const options = { dataDir: "/nonexistent", port: taken, controllerPort: await freePort(), logFile: "/dev/null" };
    await expect(startKafka(options)).rejects.toThrow(`port ${taken} is already in use`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
