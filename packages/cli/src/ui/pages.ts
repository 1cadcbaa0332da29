import type { AliasChange, ModelVersion, ModelVersionInfo, RegisteredModel, RegistryEvent } from '@mlops/registry';
import { esc, page, pairs, seg, table, when } from './html.js';

const modelHref = (name: string) => `/models/${seg(name)}`;
const versionHref = (name: string, v: number) => `/models/${seg(name)}/versions/${v}`;
const aliasHref = (name: string, alias: string) => `/models/${seg(name)}/aliases/${seg(alias)}`;
/** Artifact link; reports open in the browser. */
export const fileHref = (name: string, v: number, file: string) => `${versionHref(name, v)}/files/${file.split('/').map(seg).join('/')}`;

function versionLink(name: string, v: number | null): string {
  return v === null ? '<span class="muted">—</span>' : `<a href="${versionHref(name, v)}">v${v}</a>`;
}

/** `/`: every model. */
export function modelsPage(models: readonly RegisteredModel[], store: string): string {
  const rows = models.map((m) => [
    `<a href="${modelHref(m.name)}">${esc(m.name)}</a>`,
    `<span class="num">${m.versionCount}</span>`,
    versionLink(m.name, m.latestVersion),
    Object.entries(m.aliases)
      .map(([a, v]) => `<a class="badge" href="${aliasHref(m.name, a)}">@${esc(a)} → v${v}</a>`)
      .join(' ') || '<span class="muted">—</span>',
    esc(when(m.updatedAt)),
  ]);
  return page('Models', [['Models', undefined]], `<h1>Models</h1><p class="muted">Store: <code>${esc(store)}</code> · read-only</p>${table(['model', 'versions', 'latest', 'aliases', 'updated'], rows, { id: 'models', empty: 'No models registered in this store.' })}`);
}

/** One line for an event of the log. */
function eventText(name: string, e: RegistryEvent): string {
  const alias = e.alias ? `<a href="${aliasHref(name, e.alias)}">@${esc(e.alias)}</a>` : '';
  const gate = e.gate ? ` <span class="muted">(${esc(e.gate.reasons.join('; '))})</span>` : '';
  switch (e.type) {
    case 'version_registered':
      return `registered ${versionLink(name, e.version ?? null)}`;
    case 'alias_set':
      if (e.rollback) return `<span class="rollback">rollback</span> ${alias}: ${versionLink(name, e.from ?? null)} → ${versionLink(name, e.to ?? null)}`;
      if (e.promotedFrom) return `<b>promotion</b> ${alias} ← @${esc(e.promotedFrom)}: ${versionLink(name, e.from ?? null)} → ${versionLink(name, e.to ?? null)}${gate}`;
      return `set ${alias}: ${versionLink(name, e.from ?? null)} → ${versionLink(name, e.to ?? null)}`;
    case 'alias_deleted':
      return `deleted ${alias} (was ${versionLink(name, e.from ?? null)})`;
    case 'promotion_rejected':
      return `<span class="refused">promotion refused</span> ${alias} for ${versionLink(name, e.version ?? null)}${gate}`;
    case 'tags_set':
      return `tagged ${versionLink(name, e.version ?? null)}: ${esc(Object.entries(e.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(', '))}`;
    case 'tag_deleted':
      return `removed tag ${esc(e.tagKey ?? '')} from ${versionLink(name, e.version ?? null)}`;
    case 'version_archived':
      return `archived ${versionLink(name, e.version ?? null)}`;
    default:
      return esc(String(e.type));
  }
}

/** `/models/:name`: versions, aliases, and the promotion/rollback events. */
export function modelPage(name: string, versions: readonly ModelVersionInfo[], model: RegisteredModel | undefined, events: readonly RegistryEvent[]): string {
  const rows = [...versions].reverse().map((v) => [
    versionLink(name, v.version),
    esc(v.status),
    v.aliases.map((a) => `<a class="badge" href="${aliasHref(name, a)}">@${esc(a)}</a>`).join(' '),
    esc(Object.entries(v.metrics).map(([k, x]) => `${k}=${x}`).join(', ')),
    esc(v.createdBy),
    esc(when(v.createdAt)),
    esc(v.description),
  ]);
  const aliases = Object.entries(model?.aliases ?? {}).map(([a, v]) => [`<a href="${aliasHref(name, a)}">@${esc(a)}</a>`, versionLink(name, v), `<a href="${aliasHref(name, a)}">history</a>`]);
  const lifecycle = events.filter((e) => e.type !== 'tags_set' && e.type !== 'tag_deleted').reverse();
  const eventRows = lifecycle.map((e) => [esc(when(e.at)), eventText(name, e), esc(e.actor), esc(e.reason ?? '')]);
  return page(
    name,
    [
      ['Models', '/'],
      [name, undefined],
    ],
    `<h1>${esc(name)}</h1>
<h2>Aliases</h2>${table(['alias', 'version', ''], aliases, { id: 'aliases', empty: 'No aliases.' })}
<h2>Versions</h2>${table(['version', 'status', 'aliases', 'metrics', 'by', 'registered', 'description'], rows, { id: 'versions' })}
<h2>Events: promotions, rollbacks, registrations</h2>${table(['when', 'what', 'who', 'why'], eventRows, { id: 'events' })}`,
  );
}

const REPORT = /\.(html?)$/i;

/** `/models/:name/versions/:v`: metrics, params, tags, lineage, files and reports. */
export function versionPage(v: ModelVersion, aliases: readonly string[]): string {
  const l = v.lineage;
  const lineage: Record<string, unknown> = {};
  if (l.code) lineage.code = `${l.code.repo} @ ${l.code.commit}${l.code.path ? ` (${l.code.path})` : ''}`;
  for (const [i, d] of (l.datasets ?? []).entries()) lineage[`dataset ${i + 1}${d.role ? ` (${d.role})` : ''}`] = `${d.uri}${d.sha256 ? `  sha256:${d.sha256}` : ''}`;
  if (l.parentRun) lineage.run = l.parentRun;
  if (l.author) lineage.author = l.author;
  const reports = v.artifacts.filter((a) => REPORT.test(a.path));
  const files = v.artifacts.map((a) => [`<a href="${fileHref(v.name, v.version, a.path)}">${esc(a.path)}</a>`, `<span class="num">${a.size}</span>`, `<code>${esc(a.sha256.slice(0, 16))}…</code>`]);
  return page(
    `${v.name} v${v.version}`,
    [
      ['Models', '/'],
      [v.name, modelHref(v.name)],
      [`v${v.version}`, undefined],
    ],
    `<h1>${esc(v.name)} <span class="muted">version ${v.version}</span> ${aliases.map((a) => `<a class="badge" href="${aliasHref(v.name, a)}">@${esc(a)}</a>`).join(' ')}</h1>
<p>${esc(v.status)} · registered ${esc(when(v.createdAt))} by ${esc(v.createdBy)}${v.description ? ` · ${esc(v.description)}` : ''}</p>
<h2>Metrics</h2><div id="metrics">${pairs(v.metrics)}</div>
<h2>Params</h2><div id="params">${pairs(v.params)}</div>
<h2>Tags</h2><div id="tags">${pairs(v.tags)}</div>
<h2>Lineage</h2><div id="lineage">${pairs(lineage, 'No lineage recorded.')}</div>
<h2>Reports</h2>${reports.length ? `<ul id="reports">${reports.map((a) => `<li><a href="${fileHref(v.name, v.version, a.path)}">${esc(a.path)}</a></li>`).join('')}</ul>` : '<p class="muted">No reports stored with this version.</p>'}
<h2>Files</h2>${table(['path', 'bytes', 'sha256'], files, { id: 'files' })}`,
  );
}

/** `/models/:name/aliases/:alias`: the alias's whole history. */
export function aliasPage(name: string, alias: string, history: readonly AliasChange[], current: number | undefined): string {
  const rows = [...history].reverse().map((c) => [
    esc(when(c.at)),
    versionLink(name, c.from),
    c.to === null ? '<span class="muted">deleted</span>' : versionLink(name, c.to),
    c.rollback ? '<span class="rollback">rollback</span>' : esc('move'),
    esc(c.actor),
    esc(c.reason ?? ''),
  ]);
  return page(
    `${name}@${alias}`,
    [
      ['Models', '/'],
      [name, modelHref(name)],
      [`@${alias}`, undefined],
    ],
    `<h1>${esc(name)}@${esc(alias)}</h1><p>Now: ${current === undefined ? '<span class="muted">not set</span>' : versionLink(name, current)}</p>
<h2>History (newest first)</h2>${table(['when', 'from', 'to', 'kind', 'who', 'why'], rows, { id: 'alias-history' })}`,
  );
}

/** 404 page. */
export function notFoundPage(what: string): string {
  return page('Not found', [['Models', '/']], `<h1>Not found</h1><p>${esc(what)}</p>`);
}
