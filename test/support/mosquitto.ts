// A private Mosquitto for tests: free loopback port, generated config (plain or TLS 1.3 with client
// certificates), stop()/start() on the same port for outage tests, and an openssl-made test PKI.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as netConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./wait.ts";

function findMosquitto(): string | undefined {
  if (existsSync("/usr/sbin/mosquitto")) return "/usr/sbin/mosquitto";
  return Bun.which("mosquitto") ?? undefined;
}

/** The mosquitto binary, or undefined when it is not installed. */
export const mosquittoBinary: string | undefined = findMosquitto();
/** The openssl binary, or undefined. */
export const opensslBinary: string | undefined = Bun.which("openssl") ?? undefined;

/**
 * Why broker tests cannot run here, or undefined when they can. Use with `test.skipIf`.
 * Example: `describe.skipIf(mosquittoSkipReason !== undefined)("through Mosquitto", …)`.
 */
export const mosquittoSkipReason: string | undefined =
  mosquittoBinary === undefined ? "the mosquitto binary is not on PATH (apt-get install mosquitto; .ci/run installs it)" : undefined;
/** Why TLS broker tests cannot run here (no mosquitto or no openssl), or undefined. */
export const mosquittoTlsSkipReason: string | undefined =
  mosquittoSkipReason ?? (opensslBinary === undefined ? "the openssl binary is not on PATH (needed to make test certificates)" : undefined);

const printedReasons = new Set<string>();

/**
 * Prints why a group of tests is skipped, once per reason per process; returns true if skipping.
 * Example: `const skip = reportSkip("mqtt client", mosquittoSkipReason); describe.skipIf(skip)(…)`.
 */
export function reportSkip(what: string, reason: string | undefined): boolean {
  if (reason === undefined) return false;
  const line = `skipping ${what}: ${reason}`;
  if (!printedReasons.has(line)) {
    printedReasons.add(line);
    console.warn(line);
  }
  return true;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port from listen(0)");
  return address.port;
}

/** True when something accepts a TCP connection on 127.0.0.1:port. */
export function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The broker's side of TLS: its certificate, key, the CA that signs clients, and whether a client certificate is required. */
export interface MosquittoTlsOptions {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly requireCertificate?: boolean;
}

/** A running (or stopped) private broker. */
export interface MosquittoBroker {
  readonly port: number;
  /** `127.0.0.1:<port>`, the broker config's brokerHost. */
  readonly brokerHost: string;
  readonly dir: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Stops the broker (SIGTERM) and waits for it to exit and the port to close. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until the port accepts connections. */
  start(): Promise<void>;
  /** Kills it with SIGKILL (no clean shutdown, works on a paused broker) and waits for the exit. */
  crash(): Promise<void>;
  /** Sends a signal to the running broker (SIGSTOP pauses it, SIGCONT resumes it). */
  signal(signal: NodeJS.Signals): void;
  /** The broker's log so far (for failure messages). */
  log(): string;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

function configText(port: number, dir: string, tls: MosquittoTlsOptions | undefined, extra: readonly string[]): string {
  const lines = [
    `listener ${port} 127.0.0.1`,
    "allow_anonymous true",
    "persistence false",
    `log_dest file ${join(dir, "mosquitto.log")}`,
    "log_type error",
    "log_type warning",
    "log_type notice",
    "log_type information",
  ];
  // As root, mosquitto drops to user "mosquitto", which cannot read our 0700 temp dir; as any
  // other user it ignores the option.
  if (process.getuid?.() === 0) lines.push("user root");
  if (tls !== undefined) {
    lines.push(`cafile ${tls.caFile}`, `certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`);
    lines.push(`require_certificate ${tls.requireCertificate === false ? "false" : "true"}`, "tls_version tlsv1.3");
  }
  lines.push(...extra);
  return `${lines.join("\n")}\n`;
}

const processes = new Set<Bun.Subprocess>();
process.on("exit", () => {
  for (const proc of processes) proc.kill("SIGKILL");
});

/**
 * Starts a private Mosquitto on a free 127.0.0.1 port; resolves once the port accepts connections.
 * `extraConfig` lines are appended to the generated mosquitto.conf (the load harness raises queues).
 * Throws when the binary is missing (check mosquittoSkipReason first) or the broker exits early.
 * Example: `const broker = await startMosquitto(); afterAll(() => broker.dispose());`
 */
export async function startMosquitto(options: { tls?: MosquittoTlsOptions; extraConfig?: readonly string[] } = {}): Promise<MosquittoBroker> {
  const binary = mosquittoBinary;
  if (binary === undefined) throw new Error(mosquittoSkipReason);
  const dir = mkdtempSync(join(tmpdir(), "maestro-mosquitto-"));
  const port = await freePort();
  const confPath = join(dir, "mosquitto.conf");
  writeFileSync(confPath, configText(port, dir, options.tls, options.extraConfig ?? []));
  let proc: Bun.Subprocess | undefined;
  const log = () => (existsSync(join(dir, "mosquitto.log")) ? readFileSync(join(dir, "mosquitto.log"), "utf8") : "");

  const start = async () => {
    if (proc !== undefined) return;
    const child = Bun.spawn([binary, "-c", confPath], { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
    proc = child;
    processes.add(child);
    const stderr = new Response(child.stderr).text();
    let exited = false;
    void child.exited.then(() => {
      exited = true;
    });
    try {
      await waitFor(async () => exited || (await portAccepts(port)), 10_000, 20);
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    }
    if (exited) {
      proc = undefined;
      processes.delete(child);
      throw new Error(`mosquitto exited with ${child.exitCode}: ${await stderr}\n${log()}`);
    }
  };

  const stopWith = async (signal: NodeJS.Signals) => {
    const child = proc;
    if (child === undefined) return;
    proc = undefined;
    child.kill(signal);
    child.kill("SIGCONT"); // a broker paused by a test must wake up to act on SIGTERM
    await child.exited;
    processes.delete(child);
    await waitFor(async () => !(await portAccepts(port)), 5_000, 20);
  };
  const stop = () => stopWith("SIGTERM");

  await start();
  return {
    port,
    brokerHost: `127.0.0.1:${port}`,
    dir,
    get running() {
      return proc !== undefined;
    },
    stop,
    start,
    crash: () => stopWith("SIGKILL"),
    signal: (signal: NodeJS.Signals) => {
      if (proc === undefined) throw new Error("mosquitto is not running");
      proc.kill(signal);
    },
    log,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Files of a throw-away PKI: a CA, a server certificate for 127.0.0.1/localhost, a client certificate, and a second CA's client certificate. */
export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A client certificate signed by another CA, which the broker must refuse. */
  readonly strangerCertFile: string;
  readonly strangerKeyFile: string;
  dispose(): void;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const binary = opensslBinary;
  if (binary === undefined) throw new Error("openssl is not on PATH");
  const proc = Bun.spawn([binary, ...args], { cwd: dir, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`openssl ${args.join(" ")} failed (${code}): ${stderr}`);
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, ["req", "-x509", ...EC_KEY, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
}

async function makeLeaf(dir: string, name: string, ca: string, extensions: string): Promise<void> {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  await openssl(dir, ["req", ...EC_KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
  await openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial",
    "-out", `${name}.crt`, "-days", "2", "-extfile", `${name}.ext`]);
}

/**
 * Makes a CA, a server certificate (SAN IP:127.0.0.1, DNS:localhost), a client certificate and
 * a stranger client certificate from a second CA, with openssl, in a temp dir.
 * Example: `const pki = await makeTestPki(); startMosquitto({ tls: { caFile: pki.caFile, certFile: pki.serverCertFile, keyFile: pki.serverKeyFile } })`.
 */
export async function makeTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), "maestro-pki-"));
  await makeCa(dir, "ca");
  await makeCa(dir, "stranger-ca");
  await makeLeaf(dir, "server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  await makeLeaf(dir, "client", "ca", "extendedKeyUsage=clientAuth\n");
  await makeLeaf(dir, "stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caFile: file("ca.crt"),
    serverCertFile: file("server.crt"),
    serverKeyFile: file("server.key"),
    clientCertFile: file("client.crt"),
    clientKeyFile: file("client.key"),
    strangerCertFile: file("stranger.crt"),
    strangerKeyFile: file("stranger.key"),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
