// The Kubernetes JSONPath template parser, ported from client-go util/jsonpath/parser.go so a
// template parses (or fails, with the same message) exactly as it does in the OCM work agent.

import { jsonPathNestingMax } from "../../limits.ts";
import { assert } from "../../assert.ts";
import { goRuneText } from "./go-values.ts";
import { JsonPathError, newList, type JsonPathNode, type ListNode, type ParamsEntry } from "./jsonpath-ast.ts";
import { unquoteExtend } from "./jsonpath-unquote.ts";

const EOF = -1;
const DICT_KEY = /^'([^']*)'$/;
const SLICE = /^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$/;
const FILTER = /^([^!<>=]+)([!<>=]+)([\s\S]+?)$/;
const INT_TEXT = /^[+-]?[0-9]+$/;
const FLOAT_TEXT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

const syntax = (message: string) => new JsonPathError("Syntax", message);
const isDigit = (r: number) => r >= 0 && /\p{Nd}/u.test(String.fromCodePoint(r));
const isAlphaNumeric = (r: number) => r === 0x5f || (r >= 0 && /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r)));
const isEndOfLine = (r: number) => r === 0x0d || r === 0x0a;
const isSpace = (r: number) => r === 0x20 || r === 0x09;
const TERMINATORS = new Set([EOF, 0x2e, 0x2c, 0x5b, 0x5d, 0x24, 0x40, 0x7b, 0x7d]); // eof . , [ ] $ @ { }
const isTerminator = (r: number) => isSpace(r) || isEndOfLine(r) || TERMINATORS.has(r);

/**
 * Parses a client-go JSONPath template: plain text with `{…}` actions. Returns the root list,
 * whose nodes are text nodes and one list node per action. Throws JsonPathError("Syntax").
 * Example: `parseTemplate("{.status.replicas}")` -> list[list[field status, field replicas]].
 */
export function parseTemplate(template: string): ListNode {
  return new Parser(template, 0).parse();
}

class Parser {
  readonly #input: string;
  readonly #depth: number;
  #pos = 0;
  #start = 0;
  #width = 0;
  #root: ListNode = newList();

  constructor(input: string, depth: number) {
    if (depth > jsonPathNestingMax) throw syntax(`expression nested deeper than ${jsonPathNestingMax} levels`);
    this.#input = input;
    this.#depth = depth;
  }

  parse(): ListNode {
    this.#root = newList();
    for (;;) {
      const open = this.#input.indexOf("{", this.#pos);
      if (open < 0) break;
      if (open > this.#start) this.#root.nodes.push({ type: "text", text: this.#input.slice(this.#start, open) });
      this.#pos = open + 1;
      this.#start = this.#pos;
      const action = newList();
      this.#root.nodes.push(action);
      this.#parseInsideAction(action);
    }
    if (this.#input.length > this.#start) this.#root.nodes.push({ type: "text", text: this.#input.slice(this.#start) });
    return this.#root;
  }

  /** client-go parseAction: parses `{text}` and returns its action list. */
  #subAction(text: string): ListNode {
    const root = new Parser(`{${text}}`, this.#depth + 1).parse();
    const first = root.nodes[0];
    assert(first !== undefined && first.type === "list", "a template starting with { has an action first");
    return first;
  }

  #next(): number {
    if (this.#pos >= this.#input.length) {
      this.#width = 0;
      return EOF;
    }
    const r = this.#input.codePointAt(this.#pos)!;
    this.#width = r > 0xffff ? 2 : 1;
    this.#pos += this.#width;
    return r;
  }

  #peek(): number {
    const r = this.#next();
    this.#backup();
    return r;
  }

  #backup(): void {
    this.#pos -= this.#width;
  }

  #consumeText(): string {
    const value = this.#input.slice(this.#start, this.#pos);
    this.#start = this.#pos;
    return value;
  }

  /** The action loop; returns after consuming the closing `}` (client-go recurses per token). */
  #parseInsideAction(cur: ListNode): void {
    for (;;) {
      if (this.#input.startsWith("}", this.#pos)) {
        this.#pos += 1;
        this.#consumeText();
        return;
      }
      if (this.#input.startsWith("[?(", this.#pos)) this.#parseFilter(cur);
      else if (this.#input.startsWith("..", this.#pos)) this.#parseRecursive(cur);
      else this.#parseToken(cur);
    }
  }

  #parseToken(cur: ListNode): void {
    const r = this.#next();
    if (r === EOF || isEndOfLine(r)) throw syntax("unclosed action");
    if (r === 0x20 || r === 0x40 || r === 0x24) this.#consumeText(); // ' ', '@', '$'
    else if (r === 0x5b) this.#parseArray(cur);
    else if (r === 0x22 || r === 0x27) this.#parseQuote(cur, r);
    else if (r === 0x2e) this.#parseField(cur);
    else if (r === 0x2b || r === 0x2d || isDigit(r)) {
      this.#backup();
      this.#parseNumber(cur);
    } else if (isAlphaNumeric(r)) {
      this.#backup();
      this.#parseIdentifier(cur);
    } else throw syntax(`unrecognized character in action: ${goRuneText(r)}`);
  }

  #parseIdentifier(cur: ListNode): void {
    while (!isTerminator(this.#next()));
    this.#backup();
    const value = this.#consumeText();
    if (value === "true" || value === "false") cur.nodes.push({ type: "bool", value: value === "true" });
    else cur.nodes.push({ type: "identifier", name: value });
  }

  #parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.type === "recursive") throw syntax("invalid multiple recursive descent");
    this.#pos += 2;
    this.#consumeText();
    cur.nodes.push({ type: "recursive" });
    if (isAlphaNumeric(this.#peek())) this.#parseField(cur);
  }

  #parseNumber(cur: ListNode): void {
    const sign = this.#peek();
    if (sign === 0x2b || sign === 0x2d) this.#next();
    for (;;) {
      const r = this.#next();
      if (r !== 0x2e && !isDigit(r)) break;
    }
    this.#backup();
    const value = this.#consumeText();
    if (INT_TEXT.test(value)) {
      const big = BigInt(value);
      if (big >= INT64_MIN && big <= INT64_MAX) {
        cur.nodes.push({ type: "int", value: Number(big) });
        return;
      }
    }
    if (!FLOAT_TEXT.test(value)) throw syntax(`cannot parse number ${value}`);
    cur.nodes.push({ type: "float", value: Number(value) });
  }

  #parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === 0x0a) throw syntax("unterminated array");
      if (r === 0x5d) break;
    }
    let text = this.#consumeText().slice(1, -1);
    if (text === "*") text = ":";
    const members = text.split(",");
    if (members.length > 1) {
      const lists = members.map((m) => this.#subAction(`[${m.replace(/^ +| +$/g, "")}]`));
      cur.nodes.push({ type: "union", lists });
      return;
    }
    const key = DICT_KEY.exec(text);
    if (key) {
      cur.nodes.push(...this.#subAction(`.${key[1]}`).nodes);
      return;
    }
    cur.nodes.push({ type: "array", params: sliceParams(text) });
  }

  #parseFilter(cur: ListNode): void {
    this.#pos += 3;
    this.#consumeText();
    let begin = false;
    let end = false;
    let pair = 0;
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === 0x0a) throw syntax("unterminated filter");
      if (r === 0x22 || r === 0x27) {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.#input[this.#pos - 2] !== "\\" && r === pair) end = true;
      } else if (r === 0x29 && begin === end) break;
    }
    if (this.#next() !== 0x5d) throw syntax("unclosed array expect ]");
    const text = this.#consumeText().slice(0, -2);
    const parts = FILTER.exec(text);
    if (!parts) {
      cur.nodes.push({ type: "filter", left: this.#subAction(text), right: newList(), operator: "exists" });
      return;
    }
    const left = this.#subAction(parts[1]!);
    const right = this.#subAction(parts[3]!);
    cur.nodes.push({ type: "filter", left, right, operator: parts[2]! });
  }

  #parseQuote(cur: ListNode, end: number): void {
    for (;;) {
      const r = this.#next();
      if (r === EOF || r === 0x0a) throw syntax("unterminated quoted string");
      if (r === end && this.#input[this.#pos - 2] !== "\\") break;
    }
    const value = this.#consumeText();
    const text = unquoteExtend(value);
    if (text === undefined) throw syntax(`unquote string ${value} error invalid syntax`);
    cur.nodes.push({ type: "text", text });
  }

  #parseField(cur: ListNode): void {
    this.#consumeText();
    for (;;) {
      const r = this.#next();
      if (r === 0x5c) this.#next();
      else if (isTerminator(r)) break;
    }
    this.#backup();
    const value = this.#consumeText();
    if (value === "*") cur.nodes.push({ type: "wildcard" });
    else cur.nodes.push({ type: "field", name: value.replaceAll("\\", "") });
  }
}

/** The three bounds of `[start:end:step]` (or `[n]`), as client-go's parseArray computes them. */
function sliceParams(text: string): [ParamsEntry, ParamsEntry, ParamsEntry] {
  const match = SLICE.exec(text);
  if (!match) throw syntax(`invalid array index ${text}`);
  const params: ParamsEntry[] = [];
  for (let i = 0; i < 3; i++) {
    let part = match[i + 1] ?? "";
    if (part === "") {
      if (i === 1) params.push({ value: params[0]!.value + 1, known: true, derived: true });
      else params.push({ value: 0, known: false, derived: false });
      continue;
    }
    if (i > 0) part = part.slice(1);
    if (i > 0 && part === "") {
      params.push({ value: 0, known: false, derived: false });
      continue;
    }
    params.push({ value: goAtoi(part), known: true, derived: false });
  }
  return [params[0]!, params[1]!, params[2]!];
}

/** strconv.Atoi for the digits the slice pattern admits; out of int64 range is an error. */
function goAtoi(text: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw syntax(`array index ${text} is not a number`);
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) throw syntax(`array index ${text} is not a number`);
  return Number(big);
}
