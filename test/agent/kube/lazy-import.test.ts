// Start-up cost: importing the kube client must not load @kubernetes/client-node (~140 ms under
// Bun); only createKubeClusterClient does. Checked in a fresh Bun process, with timings printed.

import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FakeApiServer } from "./fake-apiserver.ts";
import { tempDir, writeKubeconfig } from "./harness.ts";

const SRC = join(import.meta.dir, "../../../src/agent/kube");

test("no module of src/agent/kube imports the library at load time (type-only or dynamic imports only)", () => {
  for (const file of readdirSync(SRC).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(SRC, file), "utf8");
    const staticImports = text.split("\n").filter((line) => /^\s*(import|export)\b(?!\s+type\b).*["']@kubernetes\/client-node/.test(line));
    expect({ file, staticImports }).toEqual({ file, staticImports: [] });
  }
});

test("in a fresh process, mod.ts loads without the library; the factory loads it", async () => {
  const api = FakeApiServer.start();
  const kubeconfig = writeKubeconfig(tempDir(), { server: api.url, insecure: true });
  const script = `
    const loaded = () => Object.keys(require.cache).filter((k) => k.includes("@kubernetes/client-node")).length;
    const t0 = performance.now();
    const mod = await import(${JSON.stringify(join(SRC, "mod.ts"))});
    const modMs = performance.now() - t0;
    const before = loaded();
    const t1 = performance.now();
    const client = await mod.createKubeClusterClient({ kubeconfigPath: ${JSON.stringify(kubeconfig)} });
    const factoryMs = performance.now() - t1;
    const mapping = await client.resolve("v1", "ConfigMap");
    client.close();
    console.log(JSON.stringify({ modMs, before, after: loaded(), factoryMs, importMs: mod.kubeLibraryImportMs(), resource: mapping.resource }));
  `;
  try {
    // Async spawn: the fake server in this process must keep answering while the child runs.
    const child = Bun.spawn([process.execPath, "-e", script], { cwd: join(import.meta.dir, "../../.."), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    expect(stderr).toBe("");
    const result = JSON.parse(stdout) as { modMs: number; before: number; after: number; factoryMs: number; importMs: number; resource: string };
    expect(result.before).toBe(0);
    expect(result.after).toBeGreaterThan(0);
    expect(result.resource).toBe("configmaps");
    expect(result.importMs).toBeGreaterThan(0);
    console.log(`kube client: mod.ts import ${result.modMs.toFixed(1)} ms; @kubernetes/client-node dynamic import ${result.importMs.toFixed(1)} ms; factory total ${result.factoryMs.toFixed(1)} ms`);
  } finally {
    api.stop();
  }
});
