// Simulated controllers of batch/v1: a Job runs its pods in waves of `parallelism`, each wave
// taking `readyDelayMs`, then reports Complete; a CronJob shows an empty status (no schedules run).

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import { condition, rfc3339, specInt, type StatusInput, stepsSince } from "./status-common.ts";

const COMPLETIONS_REACHED = "Reached expected number of succeeded pods";

function jobCondition(type: string, atMs: number): JsonObject {
  const c = condition(type, true, { transitionMs: atMs, reason: "CompletionsReached", message: COMPLETIONS_REACHED });
  return { type: c.type!, status: c.status!, lastProbeTime: rfc3339(atMs), ...c };
}

/**
 * A Job's status: `active` pods while waves run, then `succeeded` = completions with the
 * SuccessCriteriaMet and Complete conditions (Kubernetes 1.31+). Timed from creation, because a
 * Job's pod template is immutable; `suspend`, failures and indexed completion are not simulated.
 * Example: completions 1 after the delay -> `{ conditions: [SuccessCriteriaMet, Complete], startTime,
 * completionTime, succeeded: 1, terminating: 0, uncountedTerminatedPods: {}, ready: 0 }`.
 */
export function jobStatus(input: StatusInput): JsonObject {
  const completions = specInt(input.object, "completions", 1);
  const parallelism = specInt(input.object, "parallelism", 1);
  const waves = completions === 0 ? 0 : parallelism === 0 ? Number.POSITIVE_INFINITY : Math.ceil(completions / parallelism);
  const steps = stepsSince(input, input.createdAtMs);
  const succeeded = parallelism === 0 ? 0 : Math.min(completions, steps * parallelism);
  const done = succeeded >= completions;
  const active = done ? 0 : Math.min(parallelism, completions - succeeded);
  assert(active >= 0, "a Job never has negative active pods");
  const status: JsonObject = {};
  if (done) {
    assert(Number.isFinite(waves), "a finished Job ran a finite number of waves");
    const completedMs = input.createdAtMs + waves * input.readyDelayMs;
    status.conditions = [jobCondition("SuccessCriteriaMet", completedMs), jobCondition("Complete", completedMs)];
    status.startTime = rfc3339(input.createdAtMs);
    status.completionTime = rfc3339(completedMs);
  } else {
    status.startTime = rfc3339(input.createdAtMs);
  }
  if (active > 0) status.active = active;
  if (succeeded > 0) status.succeeded = succeeded;
  status.terminating = 0;
  status.uncountedTerminatedPods = {};
  status.ready = active;
  return status;
}

/**
 * A CronJob's status: empty, since the simulator never runs schedules.
 * Example: `cronJobStatus(input)` -> {}.
 */
export function cronJobStatus(input: StatusInput): JsonObject {
  assert(input.generation >= 1, "a stored object has a generation");
  return {};
}
