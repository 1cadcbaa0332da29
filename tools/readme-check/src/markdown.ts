// Just enough Markdown for READMEs: headings and fenced code blocks, with fences tracked so a
// `# comment` line inside a shell block is never read as a heading.

/** A fenced code block: its info-string language, its text, and the README line it starts on (1-based). */
export interface CodeBlock {
  lang: string;
  code: string;
  line: number;
}

/** A `## ` section: the heading text, the Markdown under it (up to the next `#`/`##` heading), and its line. */
export interface Section {
  heading: string;
  markdown: string;
  line: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;

/** True when `line` closes a fence opened with `marker`: same character, at least as long, no info string. */
function closesFence(marker: string, line: string): boolean {
  const fence = FENCE.exec(line);
  return fence !== null && fence[1]!.startsWith(marker[0]!) && fence[1]!.length >= marker.length && fence[2] === '';
}

/** Splits Markdown into lines, each marked with whether it sits inside (or is) a fence line. */
export function scanLines(markdown: string): { text: string; inFence: boolean }[] {
  const out: { text: string; inFence: boolean }[] = [];
  let open: string | undefined;
  for (const text of markdown.split(/\r?\n/)) {
    const fence = FENCE.exec(text);
    if (open === undefined && fence) {
      open = fence[1]!;
      out.push({ text, inFence: true });
    } else if (open !== undefined) {
      out.push({ text, inFence: true });
      if (closesFence(open, text)) open = undefined;
    } else {
      out.push({ text, inFence: false });
    }
  }
  return out;
}

/** The first level-2 section whose heading starts with `prefix` (case-insensitive), or undefined. */
export function findSection(markdown: string, prefix: string): Section | undefined {
  const lines = scanLines(markdown);
  const wanted = prefix.toLowerCase();
  const start = lines.findIndex((l) => !l.inFence && /^## /.test(l.text) && l.text.slice(3).trim().toLowerCase().startsWith(wanted));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !(!lines[end]!.inFence && /^#{1,2} /.test(lines[end]!.text))) end++;
  return {
    heading: lines[start]!.text.slice(3).trim(),
    markdown: lines.slice(start + 1, end).map((l) => l.text).join('\n'),
    line: start + 1,
  };
}

/** Every fenced code block in `markdown`, in order; `firstLine` offsets the reported line numbers. */
export function codeBlocks(markdown: string, firstLine = 1): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const fence = FENCE.exec(lines[i]!);
    if (!fence) continue;
    const marker = fence[1]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !closesFence(marker, lines[j]!); j++) body.push(lines[j]!);
    blocks.push({ lang: fence[2]!.toLowerCase(), code: body.join('\n') + '\n', line: firstLine + i });
    i = j;
  }
  return blocks;
}

/** Languages a quick start may be written in, mapped to the scratch-file extension that runs them under tsx. */
export const RUNNABLE_LANGS: Readonly<Record<string, string>> = { js: 'mjs', mjs: 'mjs', javascript: 'mjs', ts: 'ts', typescript: 'ts' };

/** The first runnable (js/ts/mjs) block under the README's `## Quick start` heading, or undefined. */
export function quickStartBlock(readme: string): (CodeBlock & { section: Section }) | undefined {
  const section = findSection(readme, 'Quick start');
  if (!section) return undefined;
  const block = codeBlocks(section.markdown, section.line + 1).find((b) => b.lang in RUNNABLE_LANGS);
  return block && { ...block, section };
}
