// Time formatting for REST bodies, through the core's Go-compatible RFC 3339 writers:
// RFC3339Nano for the model's timestamps, whole seconds for Kubernetes metadata timestamps.

import { formatTimestamp, formatTimestampSeconds, timestampFromDate } from "../../cloudevents/time.ts";

/** `2025-12-16T06:00:17.771Z` / `2025-12-16T06:00:17Z`: Go's RFC3339Nano of a Date. */
export function rfc3339Nano(date: Date): string {
  return formatTimestamp(timestampFromDate(date));
}

/** `2025-12-16T06:00:17Z`: whole seconds, as Kubernetes metav1.Time serializes. */
export function rfc3339Seconds(date: Date): string {
  return formatTimestampSeconds(timestampFromDate(date));
}
