// JSON.parse turns every number into a double, so an INT64 like 9223372036854775807 arrives as
// 9223372036854775808 and no later check can tell. Node 20 has no reviver source access, so
// bodies that may hold such literals go through this small parser, which keeps integer
// literals beyond 2^53 as BigInt. Bodies without a run of 16+ digits take JSON.parse: every
// integer literal in them is below 10^16, and those up to 2^53 are exact doubles.
import { InvalidArgumentError } from '@mlops/contracts/errors';

/** Deepest nesting the exact parser accepts (the fast path has no limit; flattening has its own). */
const MAX_DEPTH = 1000;

const LONG_DIGITS = /\d{16}/;

/** Parse JSON text; integer literals that are not safe integers become `bigint`. */
export function parseJsonExact(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text);
  return new ExactParser(text).parseDocument();
}

class ExactParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): unknown {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected text after the JSON value');
    return v;
  }

  private fail(what: string): never {
    // Same wording family as JSON.parse's SyntaxError, which callers wrap into a 400.
    throw new SyntaxError(`${what} at position ${this.i}`);
  }

  private ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.i);
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) {
      throw new InvalidArgumentError(`The request JSON nests deeper than ${MAX_DEPTH} levels; send flat "data" with a "shape".`);
    }
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    return this.number();
  }

  private literal<T>(word: string, v: T): T {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return v;
    }
    return this.fail('unexpected token');
  }

  private object(depth: number): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a property name');
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      const v = this.value(depth + 1);
      // defineProperty: a "__proto__" key is data, as with JSON.parse.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("expected ',' or '}'");
    }
  }

  private array(depth: number): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    // Find the closing quote, then let JSON.parse decode escapes exactly as it always does.
    const start = this.i;
    let j = start + 1;
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(j);
      if (Number.isNaN(c)) {
        this.i = j;
        this.fail('unterminated string');
      }
      if (c === 92) j += 2;
      else if (c === 34) break;
      else j++;
    }
    this.i = j + 1;
    return JSON.parse(s.slice(start, j + 1)) as string;
  }

  private number(): number | bigint {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r || r[0].length === 0 || r[0] === '-') this.fail('unexpected token');
    this.i += r[0].length;
    const n = Number(r[0]);
    if (r[1] === undefined && r[2] === undefined && !Number.isSafeInteger(n)) return BigInt(r[0]);
    return n;
  }
}
