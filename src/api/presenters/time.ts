// Time formatting for REST bodies: RFC 3339 in UTC like Go's time.RFC3339Nano (fraction without
// trailing zeros) and time.RFC3339 (whole seconds) for Kubernetes metadata timestamps.

/** `2025-12-16T06:00:17.771Z` / `2025-12-16T06:00:17Z`: Go's RFC3339Nano of a millisecond Date. */
export function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.?0+Z$/, "Z").replace(/\.Z$/, "Z");
}

/** `2025-12-16T06:00:17Z`: whole seconds, as Kubernetes metav1.Time serializes. */
export function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}
