/** Escapes text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A URL path segment. */
export function seg(value: string | number): string {
  return encodeURIComponent(String(value));
}

/** ISO time without milliseconds. */
export function when(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ');
}

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#24292f;color:#fff;padding:10px 24px}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:16px 24px;max-width:1100px}nav.crumbs{margin:0 0 12px;color:#57606a}nav.crumbs a{color:#0969da}
h1{font-size:22px;margin:4px 0 12px}h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;margin:4px 0 12px}td,th{padding:4px 12px 4px 0;border-bottom:1px solid #d8dee4;text-align:left;vertical-align:top}
th{font-weight:600;color:#57606a}a{color:#0969da}.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border:1px solid #d0d7de;border-radius:10px;padding:0 8px;margin:0 4px 0 0;font-size:12px;background:#f6f8fa}
.rollback{color:#9a6700;font-weight:600}.refused{color:#cf222e;font-weight:600}.muted{color:#57606a}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}dt{color:#57606a}dd{margin:0}code{font-size:12px}`;

/** A whole page: header, breadcrumbs, body. No scripts, no external assets. */
export function page(title: string, crumbs: readonly [string, string | undefined][], body: string): string {
  const nav = crumbs.map(([label, href]) => (href ? `<a href="${esc(href)}">${esc(label)}</a>` : esc(label))).join(' / ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · mlops</title><style>${STYLE}</style></head>
<body><header><a href="/">mlops registry</a></header><main><nav class="crumbs" aria-label="breadcrumbs">${nav}</nav>
${body}
</main></body></html>
`;
}

/** A table; cells are HTML already (escape text with {@link esc}). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], options: { id?: string; empty?: string } = {}): string {
  if (rows.length === 0) return `<p class="muted">${esc(options.empty ?? 'Nothing yet.')}</p>`;
  return `<table${options.id ? ` id="${esc(options.id)}"` : ''}><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

/** `k=v` pairs as a definition list. */
export function pairs(record: Record<string, unknown>, empty = 'none'): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return `<p class="muted">${esc(empty)}</p>`;
  return `<dl>${entries.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}
