import net from "node:net";

/** Asks the OS for a port nobody listens on (bind to port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("timeout", () => { socket.destroy(); resolve(false); });
    socket.once("error", () => resolve(false));
  });
}

/** Fails with a message that says which port, for what, and what to do. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  if (await isListening(port)) {
    throw new Error(
      `${what}: port ${port} is already in use by another process. ` +
        `Stop that process, or choose another port (leave the port unset to get a free one).`,
    );
  }
}
