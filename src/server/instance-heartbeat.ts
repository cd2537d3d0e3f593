// This server's row in server_instances: a heartbeat every --heartbeat-interval marks it ready,
// rows silent for three intervals are marked unready, and shutdown marks it unready at once.

import { eq } from "drizzle-orm";
import type { Database } from "../store/database.ts";
import { serverInstances } from "../store/schema.ts";
import type { Logger } from "../observability/logger.ts";

/** Heartbeats missed before an instance counts as not ready (Maestro: 3 x 15 s). */
const missedHeartbeatsMax = 3;

/** A running heartbeat. */
export interface InstanceHeartbeat {
  /** Whether this instance's row says ready; undefined when the row is missing. */
  readiness(): Promise<boolean | undefined>;
  /** Stops the timer and marks this instance unready. */
  stop(): Promise<void>;
}

/**
 * Writes the first heartbeat, then one per interval.
 * Example: `const hb = await startInstanceHeartbeat(db, "maestro", 15000, log);`
 */
export async function startInstanceHeartbeat(db: Database, instanceId: string, intervalMs: number, log: Logger): Promise<InstanceHeartbeat> {
  const beat = async () => {
    await db.query(
      `INSERT INTO server_instances (id, last_heartbeat, ready) VALUES ($1, now(), true)
       ON CONFLICT (id) DO UPDATE SET last_heartbeat = now(), ready = true, updated_at = now()`,
      [instanceId],
    );
    await db.query(
      `UPDATE server_instances SET ready = false, updated_at = now()
       WHERE ready AND last_heartbeat < now() - make_interval(secs => $1::int)`,
      [Math.ceil((intervalMs * missedHeartbeatsMax) / 1000)],
    );
  };
  await beat();
  let running = true;
  const timer = setInterval(() => {
    // A failed heartbeat is logged and retried at the next tick; readiness then goes stale.
    beat().catch((err: unknown) => {
      if (running) log.warn("instance heartbeat failed", { error: err as Error });
    });
  }, intervalMs);
  return {
    readiness: async () => {
      const rows = await db.orm.select({ ready: serverInstances.ready }).from(serverInstances).where(eq(serverInstances.id, instanceId));
      return rows[0]?.ready;
    },
    stop: async () => {
      running = false;
      clearInterval(timer);
      await db.query("UPDATE server_instances SET ready = false, updated_at = now() WHERE id = $1", [instanceId]);
    },
  };
}
