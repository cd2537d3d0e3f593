// A TCP proxy for slow-consumer tests (STYLE 29): it forwards both ways until stall(), then
// stops reading from the server, so the client's HTTP/2 windows are never replenished and the
// server's writes back up exactly as with a client that stopped reading; resume() lets it flow.

import * as net from "node:net";

/**
 * One proxy in front of `127.0.0.1:targetPort`.
 * Example: `const p = new ThrottleProxy(port); const address = await p.listen(); p.stall(); …; p.resume(); await p.close();`
 */
export class ThrottleProxy {
  readonly #upstreams = new Set<net.Socket>();
  readonly #server: net.Server;
  #stalled = false;

  constructor(targetPort: number) {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(targetPort, "127.0.0.1");
      this.#upstreams.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.#stalled) upstream.pause();
      const drop = () => {
        this.#upstreams.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
  }

  /** Starts listening on a free loopback port; resolves with `host:port`. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", () => resolve()));
    return `127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
  }

  /** Stops forwarding server -> client bytes (they wait in the kernel and the HTTP/2 windows run dry). */
  stall(): void {
    this.#stalled = true;
    for (const upstream of this.#upstreams) upstream.pause();
  }

  /** Forwards again. */
  resume(): void {
    this.#stalled = false;
    for (const upstream of this.#upstreams) upstream.resume();
  }

  close(): Promise<void> {
    for (const upstream of this.#upstreams) upstream.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
