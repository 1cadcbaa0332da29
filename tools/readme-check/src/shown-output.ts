// The output a quick start claims: `// ...` comments on a console.log line, and the comment-only
// lines right below it (one per printed line, as in the gpu-scheduler README).

/** One output claim: the README's comment text (already cleaned) and the code line it belongs to (1-based, within the block). */
export interface ShownOutput {
  text: string;
  line: number;
}

// A trailing remark in parentheses that holds words (`(scipy: the same)`, `(prod reclaims its
// nominal quota)`) explains the output; it is not printed. Parenthesised values such as
// `(14.5, 3.5)` hold no word of three letters and are kept.
const REMARK = /\s+\(([^()]*)\)\s*$/;
const hasWord = (s: string): boolean => /[A-Za-z]{3,}/.test(s);

function clean(comment: string): string {
  let text = comment.trim().replace(/^->\s*/, '');
  const remark = REMARK.exec(text);
  if (remark && hasWord(remark[1]!) && remark.index > 0) text = text.slice(0, remark.index);
  return text.trim();
}

/** Finds the trailing `//` comment of a statement line that calls console.log, ignoring `//` inside strings. */
function trailingComment(line: string): string | undefined {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
    } else if (c === '/' && line[i + 1] === '/') {
      return line.slice(i + 2);
    }
  }
  return undefined;
}

/** Every output claim in a quick-start block, in order. */
export function shownOutputs(code: string): ShownOutput[] {
  const out: ShownOutput[] = [];
  const lines = code.split('\n');
  let afterLog = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('//')) {
      if (afterLog) {
        const text = clean(line.slice(2));
        if (text) out.push({ text, line: i + 1 });
      }
      return;
    }
    afterLog = /\bconsole\.log\(/.test(line);
    if (!afterLog) return;
    const comment = trailingComment(line);
    if (comment === undefined) return;
    const text = clean(comment);
    if (text) out.push({ text, line: i + 1 });
  });
  return out;
}

/** Collapses whitespace runs to one space, as console.log may wrap objects and arrays over lines. */
export function normaliseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

// SGR colour codes: a terminal (or FORCE_COLOR) makes console.log colour numbers and booleans.
// eslint-disable-next-line no-control-regex -- the ESC byte is what is matched
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

/** Removes terminal colour codes. */
export function stripColours(s: string): string {
  return s.replace(ANSI_COLOUR, '');
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Checks that each claim appears in stdout, in order, with colours dropped, whitespace normalised and `...` matching
 * anything. Returns the claims that were not found (empty when all match).
 */
export function missingOutputs(stdout: string, claims: readonly ShownOutput[]): ShownOutput[] {
  const haystack = normaliseWhitespace(stripColours(stdout));
  const missing: ShownOutput[] = [];
  let from = 0;
  for (const claim of claims) {
    const pattern = normaliseWhitespace(claim.text).split('...').map((part) => escapeRegExp(part)).join('[\\s\\S]*?');
    const re = new RegExp(pattern, 'g');
    re.lastIndex = from;
    const m = re.exec(haystack);
    if (m) from = m.index + m[0].length;
    else missing.push(claim);
  }
  return missing;
}
