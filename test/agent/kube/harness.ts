// Test helpers of the Kubernetes client suite: recorded-exchange fixtures (compare, or rewrite
// with UPDATE_KUBE_FIXTURES=1), kubeconfig files, and a throwaway CA with server/client certs.

import { expect } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedExchange } from "./fake-apiserver.ts";

const FIXTURES = join(import.meta.dir, "fixtures");

/**
 * Asserts `exchanges` equal the committed fixture `<name>.json`; with UPDATE_KUBE_FIXTURES=1
 * writes it instead, so a change in the client's wire behaviour shows up as a diff.
 * Example: `expectFixture("apply-create", api.take())`.
 */
export function expectFixture(name: string, exchanges: RecordedExchange[]): void {
  const file = join(FIXTURES, `${name}.json`);
  const actual = { operation: name, exchanges };
  if (process.env.UPDATE_KUBE_FIXTURES === "1") {
    writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    return;
  }
  if (!existsSync(file)) throw new Error(`fixture ${file} is missing: run the suite once with UPDATE_KUBE_FIXTURES=1 and review it`);
  expect(actual).toEqual(JSON.parse(readFileSync(file, "utf8")));
}

/** A fresh temporary directory. */
export function tempDir(prefix = "kube-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** What a written kubeconfig contains. */
export interface KubeconfigSpec {
  readonly server: string;
  readonly token?: string;
  readonly caFile?: string;
  readonly caData?: string;
  readonly certData?: string;
  readonly keyData?: string;
  readonly insecure?: boolean;
  readonly username?: string;
  readonly password?: string;
}

/**
 * Writes a kubeconfig YAML file (as kubectl writes them) and returns its path.
 * Example: `const path = writeKubeconfig(dir, { server: api.url, token: "t", insecure: true })`.
 */
export function writeKubeconfig(dir: string, spec: KubeconfigSpec): string {
  const cluster = [`    server: ${spec.server}`];
  if (spec.caFile) cluster.push(`    certificate-authority: ${spec.caFile}`);
  if (spec.caData) cluster.push(`    certificate-authority-data: ${Buffer.from(spec.caData).toString("base64")}`);
  if (spec.insecure) cluster.push("    insecure-skip-tls-verify: true");
  const user: string[] = [];
  if (spec.token) user.push(`    token: ${spec.token}`);
  if (spec.certData) user.push(`    client-certificate-data: ${Buffer.from(spec.certData).toString("base64")}`);
  if (spec.keyData) user.push(`    client-key-data: ${Buffer.from(spec.keyData).toString("base64")}`);
  if (spec.username) user.push(`    username: ${spec.username}`, `    password: ${spec.password ?? ""}`);
  const yaml = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: fake",
    "  cluster:",
    ...cluster,
    "users:",
    "- name: agent",
    `  user:${user.length === 0 ? " {}" : ""}`,
    ...user,
    "contexts:",
    "- name: fake",
    "  context:",
    "    cluster: fake",
    "    user: agent",
    "current-context: fake",
    "",
  ].join("\n");
  const path = join(dir, "kubeconfig");
  writeFileSync(path, yaml);
  return path;
}

/** PEM material of a throwaway CA, a server certificate for 127.0.0.1 and a client certificate. */
export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

function openssl(dir: string, args: string[]): void {
  const run = Bun.spawnSync(["openssl", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${run.stderr.toString()}`);
}

/**
 * Makes a CA (P-256, valid 2 days) and two leaf certificates with openssl; fails loudly without it.
 * Example: `const pki = makeTestPki(); FakeApiServer.start({ tls: { cert: pki.serverCert, key: pki.serverKey } })`.
 */
export function makeTestPki(): TestPki {
  const dir = tempDir("kube-pki-");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(dir, ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=fake-kube-ca"]);
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc\n");
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [leaf, subject] of [["server", "/CN=kube-apiserver"], ["client", "/O=system:masters/CN=maestro-agent"]] as const) {
    openssl(dir, ["req", ...ec, "-keyout", `${leaf}.key`, "-out", `${leaf}.csr`, "-subj", subject]);
    openssl(dir, ["x509", "-req", "-in", `${leaf}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${leaf}.pem`, "-days", "2", "-extfile", `${leaf}.ext`]);
  }
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    ca: read("ca.pem"),
    serverCert: read("server.pem"),
    serverKey: read("server.key"),
    clientCert: read("client.pem"),
    clientKey: read("client.key"),
  };
}
