// Kubernetes name and metadata rules (apimachinery util/validation) with their exact messages,
// and field errors formatted as Go's field.ErrorList aggregate prints them.

import { annotationsBytesMax } from "../limits.ts";

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;

const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL}$`);
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN}$`);
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL}$`);
const qualifiedNameRe = new RegExp(`^${QUALIFIED_NAME}$`);
const labelValueRe = new RegExp(`^${LABEL_VALUE}$`);

/** Go's validation.RegexError: the message, examples and the regex, with Go's double spaces. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  const shown = examples.map((e) => `'${e}', `).join(" or ");
  return `${msg} (e.g. ${shown}regex used for validation is '${fmt}')`;
}

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** UTF-8 byte length, which is what Go's len(string) measures. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * apimachinery IsDNS1123Label: problems with `value` as an RFC 1123 label (empty list = valid).
 * Example: `isDns1123Label("default")` -> [].
 */
export function isDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push("must not contain dots");
    else {
      errs.push(regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL, "my-name", "123-abc"));
    }
  }
  return errs;
}

/**
 * apimachinery IsDNS1123Subdomain (e.g. an API group).
 * Example: `isDns1123Subdomain("apps.example.com")` -> [].
 */
export function isDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(regexError(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      DNS1123_SUBDOMAIN, "example.com"));
  }
  return errs;
}

/**
 * apimachinery IsDNS1035Label (an API version such as "v1beta1").
 * Example: `isDns1035Label("1v")` -> ["a DNS-1035 label must … (e.g. 'my-name',  or 'abc-123', regex …)"].
 */
export function isDns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!dns1035LabelRe.test(value)) {
    errs.push(regexError(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
      DNS1035_LABEL, "my-name", "abc-123"));
  }
  return errs;
}

const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/**
 * apimachinery IsQualifiedName: `[prefix/]name` as label keys, annotation keys and finalizers use.
 * Example: `isQualifiedName("app.kubernetes.io/name")` -> [].
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [`a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME, "MyName", "my.name", "123-abc")}`);
  return errs;
}

/**
 * apimachinery IsValidLabelValue (empty is allowed).
 * Example: `isValidLabelValue("nginx")` -> [].
 */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(value)) {
    errs.push(regexError(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      LABEL_VALUE, "MyValue", "my_value", "12345"));
  }
  return errs;
}

/** The kinds of field.Error Maestro's validation produces. */
export type FieldErrorType = "Required" | "Invalid" | "Forbidden" | "Duplicate" | "Unsupported" | "TooLong";

/** One field error: where, what kind, the offending value, and the detail text. */
export interface FieldError {
  readonly path: string;
  readonly type: FieldErrorType;
  readonly value?: unknown;
  readonly detail?: string;
}

function quoteValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "null";
  return JSON.stringify(value) ?? String(value);
}

/**
 * One error as Go's field.Error.Error() prints it.
 * Example: `formatFieldError({ path: "metadata.name", type: "Required", detail: "field not set" })`
 * -> "metadata.name: Required value: field not set".
 */
export function formatFieldError(e: FieldError): string {
  const tail = e.detail ? `: ${e.detail}` : "";
  switch (e.type) {
    case "Required": return `${e.path}: Required value${tail}`;
    case "Forbidden": return `${e.path}: Forbidden${tail}`;
    case "TooLong": return `${e.path}: Too long${tail}`;
    case "Duplicate": return `${e.path}: Duplicate value: ${quoteValue(e.value)}`;
    case "Unsupported": return `${e.path}: Unsupported value: ${quoteValue(e.value)}${tail}`;
    case "Invalid": return `${e.path}: Invalid value: ${quoteValue(e.value)}${tail}`;
  }
}

/**
 * The list as `errs.ToAggregate().Error()` prints it: one message alone, several as
 * "[a, b]", duplicates removed.
 * Example: `aggregateFieldErrors([a])` -> formatFieldError(a).
 */
export function aggregateFieldErrors(errs: readonly FieldError[]): string {
  const messages = [...new Set(errs.map(formatFieldError))];
  return messages.length === 1 ? messages[0]! : `[${messages.join(", ")}]`;
}

/**
 * Maestro's validatedAPIVersion: "v1" or "<DNS-1123 subdomain group>/<DNS-1035 label version>".
 * Example: `validateApiVersion("apps/v1", "apiVersion")` -> [].
 */
export function validateApiVersion(apiVersion: string, path: string): FieldError[] {
  if (apiVersion === "") return [{ path, type: "Required", detail: "field not set" }];
  const parts = apiVersion.split("/");
  if (parts.length > 2) return [{ path, type: "Invalid", value: apiVersion, detail: "bad format" }];
  const errs: FieldError[] = [];
  const version = parts.length === 1 ? parts[0]! : parts[1]!;
  if (parts.length === 2) {
    const group = parts[0]!;
    if (group === "") errs.push({ path, type: "Invalid", value: apiVersion, detail: "group not set" });
    else for (const m of isDns1123Subdomain(group)) errs.push({ path, type: "Invalid", value: apiVersion, detail: m });
  }
  if (version === "") errs.push({ path, type: "Invalid", value: apiVersion, detail: "version not set" });
  else for (const m of isDns1035Label(version)) errs.push({ path, type: "Invalid", value: apiVersion, detail: m });
  return errs;
}

/**
 * ValidateLabels: qualified-name keys, valid label values.
 * Example: `validateLabels({ app: "nginx" }, "metadata.labels")` -> [].
 */
export function validateLabels(labels: Readonly<Record<string, string>>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) errs.push({ path, type: "Invalid", value: k, detail: m });
    for (const m of isValidLabelValue(v)) errs.push({ path, type: "Invalid", value: v, detail: m });
  }
  return errs;
}

/**
 * ValidateAnnotations: case-insensitive qualified-name keys, total size within 256 KiB.
 * Example: `validateAnnotations({ "example.com/Note": "x" }, "metadata.annotations")` -> [].
 */
export function validateAnnotations(annotations: Readonly<Record<string, string>>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push({ path, type: "Invalid", value: k, detail: m });
    total += byteLength(k) + byteLength(v);
  }
  if (total > annotationsBytesMax) errs.push({ path, type: "TooLong", detail: `must have at most ${annotationsBytesMax} bytes` });
  return errs;
}

/**
 * ValidateFinalizers: each a qualified name; "orphan" and "foregroundDeletion" not both.
 * Example: `validateFinalizers(["example.com/cleanup"], "metadata.finalizers")` -> [].
 */
export function validateFinalizers(finalizers: readonly string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers) for (const m of isQualifiedName(f)) errs.push({ path, type: "Invalid", value: f, detail: m });
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion")) {
    errs.push({ path, type: "Invalid", value: finalizers, detail: "finalizer orphan and foregroundDeletion cannot be both set" });
  }
  return errs;
}

/**
 * The rule every Kubernetes API server applies to any object name (ValidatePathSegmentName):
 * not "." or "..", no "/" or "%". Maestro itself only requires a non-empty name.
 * Example: `validatePathSegmentName("system:metrics", "metadata.name")` -> [].
 */
export function validatePathSegmentName(name: string, path: string): FieldError[] {
  if (name === "." || name === "..") return [{ path, type: "Invalid", value: name, detail: `may not be '${name}'` }];
  const errs: FieldError[] = [];
  for (const bad of ["/", "%"]) {
    if (name.includes(bad)) errs.push({ path, type: "Invalid", value: name, detail: `may not contain '${bad}'` });
  }
  return errs;
}
