// Timestamps as Go writes and reads them: RFC3339 with nanoseconds (Go's RFC3339Nano layout),
// converted to and from the seconds + nanos Timestamp the protobuf codec carries. Pure; no Date math.

import { Errors } from "../errors.ts";
import type { Timestamp } from "./types.ts";

const NANOS_PER_SECOND = 1_000_000_000;
const SECONDS_PER_DAY = 86_400;
/** 0000-01-01T00:00:00Z: the earliest instant a four-digit RFC3339 year can express. */
export const TIMESTAMP_SECONDS_MIN = -62_167_219_200;
/** 9999-12-31T23:59:59Z: the latest instant a four-digit RFC3339 year can express. */
export const TIMESTAMP_SECONDS_MAX = 253_402_300_799;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The calendar date of a day count since 1970-01-01 (inverse of daysFromCivil). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/**
 * Checks that a Timestamp is normalised (integral seconds within years 0000-9999, nanos in
 * [0, 1e9)). Returns the reason it is not, or undefined when it is valid.
 * Example: `timestampProblem({ seconds: 0, nanos: 1e9 })` -> "nanos 1000000000 out of range [0, 999999999]".
 */
export function timestampProblem(ts: Timestamp): string | undefined {
  if (!Number.isInteger(ts.seconds)) return `seconds ${ts.seconds} is not an integer`;
  if (ts.seconds < TIMESTAMP_SECONDS_MIN || ts.seconds > TIMESTAMP_SECONDS_MAX) {
    return `seconds ${ts.seconds} outside years 0000-9999`;
  }
  if (!Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos >= NANOS_PER_SECOND) {
    return `nanos ${ts.nanos} out of range [0, 999999999]`;
  }
  return undefined;
}

function requireValid(ts: Timestamp): void {
  const problem = timestampProblem(ts);
  if (problem !== undefined) throw Errors.badRequest(`invalid timestamp: ${problem}`);
}

function formatDateTime(seconds: number): string {
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const secondOfDay = seconds - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
}

/**
 * Formats like Go's `t.UTC().Format(time.RFC3339Nano)`: UTC "Z", fraction with trailing zeros
 * trimmed, no fraction at all when nanos is 0. Throws MaestroError(BadRequest) when out of range.
 * Example: `formatTimestamp({ seconds: 1765864817, nanos: 921082037 })` -> "2025-12-16T06:00:17.921082037Z".
 */
export function formatTimestamp(ts: Timestamp): string {
  requireValid(ts);
  const base = formatDateTime(ts.seconds);
  if (ts.nanos === 0) return `${base}Z`;
  const fraction = pad(ts.nanos, 9).replace(/0+$/, "");
  return `${base}.${fraction}Z`;
}

/**
 * Formats like Kubernetes metav1.Time JSON (`t.UTC().Format(time.RFC3339)`): whole seconds,
 * the fraction truncated. Example: `formatTimestampSeconds({ seconds: 1765864817, nanos: 5 })`
 * -> "2025-12-16T06:00:17Z".
 */
export function formatTimestampSeconds(ts: Timestamp): string {
  requireValid(ts);
  return `${formatDateTime(ts.seconds)}Z`;
}

/**
 * Parses RFC3339 as Go's `time.Parse(time.RFC3339Nano, s)` accepts it: any fraction of 1-9
 * digits, "Z" or a numeric "+hh:mm"/"-hh:mm" offset; the result is normalised to UTC.
 * Throws MaestroError(BadRequest) naming the problem for anything else.
 * Example: `parseTimestamp("2025-12-16T08:00:17.5+02:00")` -> `{ seconds: 1765864817, nanos: 500000000 }`.
 */
export function parseTimestamp(text: string): Timestamp {
  const m = RFC3339.exec(text);
  if (m === null) throw Errors.badRequest(`invalid RFC3339 timestamp ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const bad = (what: string): never => {
    throw Errors.badRequest(`invalid RFC3339 timestamp ${JSON.stringify(text)}: ${what} out of range`);
  };
  if (month! < 1 || month! > 12) bad("month");
  if (day! < 1 || day! > daysInMonth(year!, month!)) bad("day");
  if (hour! > 23) bad("hour");
  if (minute! > 59) bad("minute");
  if (second! > 59) bad("second");
  let offsetSeconds = 0;
  if (m[8] === undefined) {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23) bad("offset hour");
    if (offMinutes > 59) bad("offset minute");
    offsetSeconds = (m[9] === "-" ? -1 : 1) * (offHours * 3600 + offMinutes * 60);
  }
  const days = daysFromCivil(year!, month!, day!);
  const seconds = days * SECONDS_PER_DAY + hour! * 3600 + minute! * 60 + second! - offsetSeconds;
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, "0"));
  const ts = { seconds, nanos };
  if (timestampProblem(ts) !== undefined) bad("instant");
  return ts;
}

/**
 * Converts a JS Date (millisecond precision) to a Timestamp.
 * Example: `timestampFromDate(new Date(1500))` -> `{ seconds: 1, nanos: 500000000 }`.
 */
export function timestampFromDate(date: Date): Timestamp {
  return timestampFromMillis(date.getTime());
}

/**
 * Converts milliseconds since the Unix epoch to a Timestamp (nanos always in [0, 1e9)).
 * Example: `timestampFromMillis(-1)` -> `{ seconds: -1, nanos: 999000000 }`.
 */
export function timestampFromMillis(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1_000_000);
  return { seconds, nanos };
}

/**
 * Converts a Timestamp to a JS Date; sub-millisecond digits are truncated.
 * Example: `timestampToDate({ seconds: 1, nanos: 999999 }).getTime()` -> 1000.
 */
export function timestampToDate(ts: Timestamp): Date {
  return new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1_000_000));
}

/**
 * The current wall-clock time as a Timestamp; `nowMs` is injectable for tests.
 * Example: `timestampNow(() => 0)` -> `{ seconds: 0, nanos: 0 }`.
 */
export function timestampNow(nowMs: () => number = Date.now): Timestamp {
  return timestampFromMillis(nowMs());
}

/**
 * Orders two Timestamps: negative when a is earlier, 0 when equal, positive when later.
 * Example: `compareTimestamps({ seconds: 1, nanos: 0 }, { seconds: 0, nanos: 5 })` -> 1.
 */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  if (a.nanos !== b.nanos) return a.nanos < b.nanos ? -1 : 1;
  return 0;
}
