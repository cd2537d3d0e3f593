// Status sequence ids: bwmarrin/snowflake ids (41-bit ms time, 10-bit node, 12-bit step) as
// bigint, their decimal form, sdk-go's ordering rule, and a strictly increasing generator.

import { assert } from "../assert.ts";
import { Errors } from "../errors.ts";

/** bwmarrin/snowflake's default epoch (2010-11-04T01:42:54.657Z) in Unix milliseconds. */
export const SNOWFLAKE_EPOCH_MS = 1_288_834_974_657;
/** Bits of the node field. */
export const SNOWFLAKE_NODE_BITS = 10;
/** Bits of the per-millisecond step field. */
export const SNOWFLAKE_STEP_BITS = 12;
/** The node id every OCM agent uses for status sequence ids. */
export const SEQUENCE_ID_NODE = 1;

const NODE_MAX = (1 << SNOWFLAKE_NODE_BITS) - 1;
const STEP_MAX = (1 << SNOWFLAKE_STEP_BITS) - 1;
const TIME_SHIFT = BigInt(SNOWFLAKE_NODE_BITS + SNOWFLAKE_STEP_BITS);
const NODE_SHIFT = BigInt(SNOWFLAKE_STEP_BITS);
const INT64_MAX = (1n << 63n) - 1n;
const TIME_MAX = Number(INT64_MAX >> TIME_SHIFT);
const DECIMAL = /^\d{1,19}$/;

/** The three fields of a snowflake id; `timeMs` is Unix milliseconds (epoch already added). */
export interface SnowflakeFields {
  readonly timeMs: number;
  readonly node: number;
  readonly step: number;
}

/**
 * Parses the decimal form (Go `snowflake.ParseString`): digits only, 0 .. 2^63-1.
 * Throws MaestroError(BadRequest) for anything else (signs, spaces, overflow).
 * Example: `parseSnowflake("2000808179721572352")` -> 2000808179721572352n.
 */
export function parseSnowflake(text: string): bigint {
  if (!DECIMAL.test(text)) throw Errors.badRequest(`invalid sequence id ${JSON.stringify(text)}: not a decimal snowflake id`);
  const id = BigInt(text);
  if (id > INT64_MAX) throw Errors.badRequest(`invalid sequence id ${JSON.stringify(text)}: exceeds int64`);
  return id;
}

/**
 * The decimal form of an id. Example: `formatSnowflake(5n)` -> "5".
 */
export function formatSnowflake(id: bigint): string {
  assert(id >= 0n && id <= INT64_MAX, "snowflake ids are non-negative int64");
  return id.toString(10);
}

/**
 * Splits an id into Unix-ms time, node and step.
 * Example: `snowflakeFields(parseSnowflake("2000808179721572352"))` -> `{ timeMs: 1765864817922, node: 1, step: 0 }`.
 */
export function snowflakeFields(id: bigint): SnowflakeFields {
  return {
    timeMs: Number(id >> TIME_SHIFT) + SNOWFLAKE_EPOCH_MS,
    node: Number((id >> NODE_SHIFT) & BigInt(NODE_MAX)),
    step: Number(id & BigInt(STEP_MAX)),
  };
}

/**
 * Builds an id from its fields (asserts each fits its bit width).
 * Example: `makeSnowflake({ timeMs: SNOWFLAKE_EPOCH_MS, node: 1, step: 0 })` -> 4096n.
 */
export function makeSnowflake(fields: SnowflakeFields): bigint {
  const t = fields.timeMs - SNOWFLAKE_EPOCH_MS;
  assert(Number.isInteger(t) && t >= 0 && t <= TIME_MAX, "snowflake time fits 41 bits after the epoch");
  assert(Number.isInteger(fields.node) && fields.node >= 0 && fields.node <= NODE_MAX, "snowflake node fits 10 bits");
  assert(Number.isInteger(fields.step) && fields.step >= 0 && fields.step <= STEP_MAX, "snowflake step fits 12 bits");
  return (BigInt(t) << TIME_SHIFT) | (BigInt(fields.node) << NODE_SHIFT) | BigInt(fields.step);
}

/**
 * Orders two sequence ids as sdk-go's CompareSnowflakeSequenceIDs does: both must come from the
 * same node (else MaestroError(BadRequest) with Go's text), then by time, then by step.
 * Returns -1, 0 or 1. Example: `compareSequenceIds("2000808179721572352", "2000808179729960960")` -> -1.
 */
export function compareSequenceIds(a: string | bigint, b: string | bigint): number {
  const ida = typeof a === "bigint" ? a : parseSnowflake(a);
  const idb = typeof b === "bigint" ? b : parseSnowflake(b);
  const fa = snowflakeFields(ida);
  const fb = snowflakeFields(idb);
  if (fa.node !== fb.node) {
    throw Errors.badRequest(`sequence IDs (${formatSnowflake(ida)},${formatSnowflake(idb)}) are not from the same node`);
  }
  if (fa.timeMs !== fb.timeMs) return fa.timeMs < fb.timeMs ? -1 : 1;
  if (fa.step !== fb.step) return fa.step < fb.step ? -1 : 1;
  return 0;
}

/**
 * sdk-go's acceptance rule for a status: true when `current` is strictly newer than `last`;
 * an empty `last` (nothing stored yet) accepts any non-empty `current`.
 * Example: `isSequenceIdNewer("", "2000808179721572352")` -> true.
 */
export function isSequenceIdNewer(last: string, current: string): boolean {
  if (current !== "" && last === "") return true;
  return compareSequenceIds(last, current) < 0;
}

/**
 * Generates strictly increasing ids for one node from an injected clock. When the clock stalls
 * or goes backwards, or 4096 ids were issued in one millisecond, it keeps counting on from the
 * last time used (borrowing future milliseconds) instead of waiting, so ids never repeat.
 * Example: `new SnowflakeGenerator(1, () => Date.now()).nextString()` -> "2000808179721572352".
 */
export class SnowflakeGenerator {
  private lastTime = -1;
  private step = 0;

  constructor(
    readonly node: number = SEQUENCE_ID_NODE,
    private readonly nowMs: () => number = Date.now,
  ) {
    assert(Number.isInteger(node) && node >= 0 && node <= NODE_MAX, "snowflake node fits 10 bits");
  }

  /** The next id. */
  next(): bigint {
    const now = Math.floor(this.nowMs()) - SNOWFLAKE_EPOCH_MS;
    assert(now >= 0, "clock is after the snowflake epoch");
    if (now > this.lastTime) {
      this.lastTime = now;
      this.step = 0;
    } else if (this.step < STEP_MAX) {
      this.step += 1;
    } else {
      this.lastTime += 1;
      this.step = 0;
    }
    assert(this.lastTime <= TIME_MAX, "snowflake time fits 41 bits");
    return (BigInt(this.lastTime) << TIME_SHIFT) | (BigInt(this.node) << NODE_SHIFT) | BigInt(this.step);
  }

  /** The next id in decimal form (what the `sequenceid` extension carries). */
  nextString(): string {
    return this.next().toString(10);
  }
}
