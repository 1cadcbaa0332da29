import { existsSync } from 'node:fs';
import path from 'node:path';
import { scanLines } from './markdown.js';

/** A relative link in a README and the README line it is on (1-based). */
export interface RelativeLink {
  target: string;
  line: number;
}

/**
 * Relative link targets in Markdown: inline `[text](target)` / `![alt](target)` and reference
 * definitions `[label]: target`. Code blocks and inline code spans are skipped (their brackets are code),
 * as are URLs with a scheme, protocol-relative URLs and same-page `#anchors`.
 */
export function relativeLinks(markdown: string): RelativeLink[] {
  const links: RelativeLink[] = [];
  scanLines(markdown).forEach(({ text: raw, inFence }, i) => {
    if (inFence) return;
    const line = raw.replace(/(`+)[\s\S]*?\1/g, '');
    const targets: string[] = [];
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
    const ref = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (ref) targets.push(ref[1]!);
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//') || target.startsWith('#')) continue;
      links.push({ target, line: i + 1 });
    }
  });
  return links;
}

/** The relative links of the README at `readmePath` whose file or directory does not exist. */
export function brokenLinks(markdown: string, readmePath: string): RelativeLink[] {
  const dir = path.dirname(readmePath);
  return relativeLinks(markdown).filter((link) => {
    const file = decodeURIComponent(link.target.replace(/[?#].*$/, ''));
    return file !== '' && !existsSync(path.resolve(dir, file));
  });
}
