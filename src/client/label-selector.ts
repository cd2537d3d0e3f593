// Kubernetes label selectors (apimachinery labels.Parse grammar), local matching, and Maestro's
// Go client translation of a selector into a REST search over payload->'metadata'->'labels'.

import { isQualifiedName, isValidLabelValue } from "../cloudevents/mod.ts";

/** Operators, spelled as Go's selection.Operator values. */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/** One requirement: a key, an operator and its values (sorted, unique). */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** A parsed selector: requirements sorted by key (empty = everything). */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
}

/** A selector that does not parse (the text is Go-like, not byte-identical). Example: `parseLabelSelector("a in (")` throws it. */
export class LabelSelectorError extends Error {
  override readonly name = "LabelSelectorError";
}

type Token =
  | { kind: "id"; text: string }
  | { kind: "op"; text: "!" | "=" | "==" | "!=" | ">" | "<" }
  | { kind: "(" | ")" | "," | "end"; text: string };

const SPECIAL = new Set(["!", "=", "<", ">", "(", ")", ",", " ", "\t", "\n", "\r", "\f", "\v"]);

/** Splits selector text into tokens; `in`/`notin` stay identifiers (the parser decides). */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "(" || c === ")" || c === ",") (out.push({ kind: c, text: c }), i++);
    else if (c === "!" || c === "=") {
      const two = text[i + 1] === "=";
      out.push({ kind: "op", text: c === "!" ? (two ? "!=" : "!") : two ? "==" : "=" });
      i += two ? 2 : 1;
    } else if (c === "<" || c === ">") (out.push({ kind: "op", text: c }), i++);
    else {
      let j = i;
      while (j < text.length && !SPECIAL.has(text[j]!)) j++;
      out.push({ kind: "id", text: text.slice(i, j) });
      i = j;
    }
  }
  out.push({ kind: "end", text: "" });
  return out;
}

class Parser {
  #pos = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.#pos]!;
  }

  next(): Token {
    const t = this.tokens[this.#pos]!;
    if (t.kind !== "end") this.#pos++;
    return t;
  }
}

const shown = (t: Token): string => (t.kind === "end" ? "end of string" : t.text);

function parseKey(p: Parser): { key: string; operator?: LabelOperator } {
  let t = p.next();
  let negated = false;
  if (t.kind === "op" && t.text === "!") {
    negated = true;
    t = p.next();
  }
  if (t.kind !== "id") throw new LabelSelectorError(`found '${shown(t)}', expected: identifier`);
  const problems = isQualifiedName(t.text);
  if (problems.length > 0) throw new LabelSelectorError(`invalid label key ${JSON.stringify(t.text)}: ${problems.join("; ")}`);
  const after = p.peek().kind;
  if (negated) return { key: t.text, operator: "!" };
  return after === "end" || after === "," ? { key: t.text, operator: "exists" } : { key: t.text };
}

function parseOperator(p: Parser): LabelOperator {
  const t = p.next();
  if (t.kind === "id" && (t.text === "in" || t.text === "notin")) return t.text;
  if (t.kind === "op" && t.text !== "!") return t.text === ">" ? "gt" : t.text === "<" ? "lt" : t.text;
  throw new LabelSelectorError(`found '${shown(t)}', expected: in, notin, =, ==, !=, gt, lt`);
}

function parseValueList(p: Parser): string[] {
  const open = p.next();
  if (open.kind !== "(") throw new LabelSelectorError(`found '${shown(open)}', expected: '('`);
  const values: string[] = [];
  let current: string | undefined;
  let sawComma = false;
  for (;;) {
    const t = p.next();
    if (t.kind === "id" && current === undefined) current = t.text;
    else if (t.kind === ",") {
      values.push(current ?? ""); // "(,a)" and "(a,,b)" hold the empty value, as in Go.
      current = undefined;
      sawComma = true;
    } else if (t.kind === ")") {
      if (current !== undefined) values.push(current);
      else if (sawComma) values.push("");
      return values;
    } else throw new LabelSelectorError(`found '${shown(t)}', expected: ',', ')' or identifier`);
  }
}

function parseExactValue(p: Parser): string[] {
  const t = p.peek();
  if (t.kind === "end" || t.kind === ",") return [""];
  p.next();
  if (t.kind === "id") return [t.text];
  throw new LabelSelectorError(`found '${shown(t)}', expected: identifier`);
}

function checkValues(key: string, operator: LabelOperator, values: string[]): void {
  if ((operator === "in" || operator === "notin") && values.length === 0) {
    throw new LabelSelectorError(`key ${key}: for 'in', 'notin' operators, values set can't be empty`);
  }
  if ((operator === "gt" || operator === "lt") && !/^[+-]?\d+$/.test(values[0] ?? "")) {
    throw new LabelSelectorError(`key ${key}: for 'Gt', 'Lt' operators, the value must be an integer`);
  }
  for (const v of values) {
    const problems = isValidLabelValue(v);
    if (problems.length > 0) throw new LabelSelectorError(`invalid label value: ${JSON.stringify(v)}: ${problems.join("; ")}`);
  }
}

function parseRequirement(p: Parser): LabelRequirement {
  const { key, operator: inferred } = parseKey(p);
  if (inferred !== undefined) return { key, operator: inferred, values: [] };
  const operator = parseOperator(p);
  const raw = operator === "in" || operator === "notin" ? parseValueList(p) : parseExactValue(p);
  checkValues(key, operator, raw);
  return { key, operator, values: [...new Set(raw)].sort() };
}

/**
 * Parses a selector as apimachinery's labels.Parse: comma-separated requirements `k=v`, `k==v`,
 * `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`, `k>1`, `k<1`; keys and values validated;
 * requirements sorted by key. Throws LabelSelectorError.
 * Example: `parseLabelSelector("env in (dev,qa),app=web").requirements[0]` -> `{ key: "app", operator: "=", values: ["web"] }`.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const p = new Parser(tokenize(text));
  const requirements: LabelRequirement[] = [];
  for (;;) {
    const t = p.peek();
    if (t.kind === "end") break;
    if (t.kind !== "id" && !(t.kind === "op" && t.text === "!")) {
      throw new LabelSelectorError(`found '${shown(t)}', expected: !, identifier, or 'end of string'`);
    }
    requirements.push(parseRequirement(p));
    const sep = p.next();
    if (sep.kind === "end") break;
    if (sep.kind !== ",") throw new LabelSelectorError(`found '${shown(sep)}', expected: ',' or 'end of string'`);
    const after = p.peek();
    if (after.kind !== "id" && !(after.kind === "op" && after.text === "!")) {
      throw new LabelSelectorError(`found '${shown(after)}', expected: identifier after ','`);
    }
  }
  return { requirements: requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
}

/**
 * Whether labels satisfy a selector, as labels.Selector.Matches: `!=` and `notin` also match
 * when the key is absent; `gt`/`lt` need an integer label value.
 * Example: `matchesLabels(parseLabelSelector("env!=prod"), {})` -> true.
 */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  return selector.requirements.every((r) => matchesRequirement(r, labels ?? {}));
}

function matchesRequirement(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case "=":
    case "==":
    case "in": return has && r.values.includes(value!);
    case "!=":
    case "notin": return !has || !r.values.includes(value!);
    case "exists": return has;
    case "!": return !has;
    case "gt":
    case "lt": {
      if (!has || !/^[+-]?\d+$/.test(value!)) return false;
      const [have, want] = [BigInt(value!), BigInt(r.values[0]!)];
      return r.operator === "gt" ? have > want : have < want;
    }
  }
}

/** The JSONB path Maestro's Go client filters labels on. */
export const LABELS_JSONB_PATH = "payload->'metadata'->'labels'";

/**
 * Maestro's Go client ToLabelSearch: the label part of a resource-bundle search, or undefined
 * when the selector selects everything. Equalities become one `@>'{"k":"v",…}'` containment,
 * each `in` a `->>'k'in('a','b')` (values sorted; Go's order is random), `!=` and each `notin`
 * value a `->>'k'<>'v'`, each exists `->>'k'<>null`, joined by " and ". `!k`, `gt` and `lt`
 * throw LabelSelectorError("unsupported operator …") as in Go.
 * Example: `toLabelSearch("app=web,env!=prod")`
 * -> `payload->'metadata'->'labels'@>'{"app":"web"}' and payload->'metadata'->'labels'->>'env'<>'prod'`.
 */
export function toLabelSearch(selectorText: string): string | undefined {
  if (selectorText === "") return undefined;
  const { requirements } = parseLabelSelector(selectorText);
  if (requirements.length === 0) return undefined;
  const equals: string[] = [];
  const ins: string[] = [];
  const notEquals: string[] = [];
  const exists: string[] = [];
  for (const r of requirements) {
    switch (r.operator) {
      case "=":
      case "==": equals.push(`"${r.key}":"${r.values[0]}"`); break;
      case "!=":
      case "notin": for (const v of r.values) notEquals.push(`${LABELS_JSONB_PATH}->>'${r.key}'<>'${v}'`); break;
      case "in": ins.push(`${LABELS_JSONB_PATH}->>'${r.key}'in(${r.values.map((v) => `'${v}'`).join(",")})`); break;
      case "exists": exists.push(`${LABELS_JSONB_PATH}->>'${r.key}'<>null`); break;
      default: throw new LabelSelectorError(`unsupported operator ${r.operator}`);
    }
  }
  const parts = equals.length > 0 ? [`${LABELS_JSONB_PATH}@>'{${equals.join(",")}}'`] : [];
  return [...parts, ...ins, ...notEquals, ...exists].join(" and ");
}
