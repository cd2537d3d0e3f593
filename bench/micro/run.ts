// `npm run bench:micro`: runs every bench/micro/*.bench.ts in its own Bun process, one after the
// other, so one benchmark's garbage and JIT state never colour the next one's numbers.
// Pass names to run a subset: `npm run bench:micro -- cloudevents`.

import { Glob } from "bun";
import { basename, join } from "node:path";

const dir = import.meta.dir;
const wanted = process.argv.slice(2);
const files = [...new Glob("*.bench.ts").scanSync(dir)]
  .sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => basename(f).startsWith(w)));
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const proc = Bun.spawn([process.execPath, join(dir, file)], { stdout: "inherit", stderr: "inherit", env: process.env });
  if ((await proc.exited) !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
