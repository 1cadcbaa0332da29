import type { AliasChange, ModelVersion } from './types.js';

function cell(value: unknown): string {
  return String(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Renders a model card in Markdown: description, current aliases, metrics, params, signature,
 * artifacts, lineage and the alias history of the model.
 */
export function renderCard(version: ModelVersion, aliases: Record<string, number>, history: AliasChange[]): string {
  const lines: string[] = [];
  const held = Object.entries(aliases)
    .filter(([, v]) => v === version.version)
    .map(([a]) => `\`@${a}\``);
  lines.push(`# ${version.name} v${version.version}`, '');
  lines.push(`- **Status:** ${version.status}`);
  lines.push(`- **Registered:** ${iso(version.createdAt)} by ${version.createdBy}`);
  if (held.length > 0) lines.push(`- **Aliases:** ${held.join(', ')}`);
  const tags = Object.entries(version.tags);
  if (tags.length > 0) lines.push(`- **Tags:** ${tags.map(([k, v]) => `\`${k}=${v}\``).join(', ')}`);
  lines.push('', '## Description', '', version.description || '_No description._', '');

  const table = (title: string, header: string, rows: [string, unknown][]) => {
    lines.push(`## ${title}`, '');
    if (rows.length === 0) {
      lines.push(`_No ${title.toLowerCase()} recorded._`, '');
      return;
    }
    lines.push(`| ${header} | value |`, '| --- | --- |');
    for (const [k, v] of rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) lines.push(`| ${cell(k)} | ${cell(v)} |`);
    lines.push('');
  };
  table('Metrics', 'metric', Object.entries(version.metrics));
  table('Parameters', 'parameter', Object.entries(version.params));

  lines.push('## Signature', '');
  if (!version.signature) lines.push('_No signature recorded._', '');
  else {
    lines.push('| direction | name | dtype | shape |', '| --- | --- | --- | --- |');
    for (const [dir, fields] of [['input', version.signature.inputs], ['output', version.signature.outputs]] as const) {
      for (const f of fields) {
        lines.push(`| ${dir} | ${cell(f.name)}${f.optional ? ' (optional)' : ''} | ${cell(f.dtype)} | ${f.shape ? `[${f.shape.join(', ')}]` : 'scalar'} |`);
      }
    }
    lines.push('');
  }

  lines.push('## Artifacts', '', '| path | size (bytes) | sha256 |', '| --- | --- | --- |');
  for (const a of version.artifacts) lines.push(`| ${cell(a.path)} | ${a.size} | \`${a.sha256}\` |`);
  lines.push('');

  lines.push('## Lineage', '');
  const { datasets, code, parentRun, author } = version.lineage;
  if (!datasets?.length && !code && parentRun === undefined && author === undefined) lines.push('_No lineage recorded._');
  if (author !== undefined) lines.push(`- **Author:** ${author}`);
  if (parentRun !== undefined) lines.push(`- **Run:** ${parentRun}`);
  if (code) lines.push(`- **Code:** ${code.repo} @ \`${code.commit}\`${code.path ? ` (${code.path})` : ''}`);
  for (const d of datasets ?? []) {
    lines.push(`- **Dataset${d.role ? ` (${d.role})` : ''}:** ${d.uri}${d.sha256 ? ` (sha256 \`${d.sha256}\`)` : ''}`);
  }
  lines.push('');

  lines.push('## Alias history', '');
  if (history.length === 0) lines.push('_No alias has ever been set on this model._');
  else {
    lines.push('| when | alias | from | to | by | reason |', '| --- | --- | --- | --- | --- | --- |');
    for (const h of history) {
      const label = (v: number | null) => (v === null ? '-' : `v${v}`);
      lines.push(
        `| ${iso(h.at)} | ${cell(h.alias)} | ${label(h.from)} | ${label(h.to)} | ${cell(h.actor)} | ${cell(`${h.rollback ? '(rollback) ' : ''}${h.reason ?? ''}`)} |`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}
