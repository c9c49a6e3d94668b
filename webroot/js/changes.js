// What differs between two configs, key by key, in the shape of the server's config diff
// (GET /api/configs/{name}/diff): {config: [{key, change, old, new}], dataloader: [...], identical}.
import { h } from './dom.js';

/** Canonical JSON (keys sorted), so the order keys were written in is no change. */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

function keys(before, after) {
  const out = [];
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (!(key in before)) out.push({ key, change: 'added', old: null, new: after[key] });
    else if (!(key in after)) out.push({ key, change: 'removed', old: before[key], new: null });
    else if (canonical(before[key]) !== canonical(after[key])) out.push({ key, change: 'changed', old: before[key], new: after[key] });
  }
  return out;
}

/** Datasets by id (one without an id by its position), as the server keys them. */
export function byId(datasets) {
  const out = {};
  (datasets || []).forEach((d, i) => { out[typeof d?.id === 'string' ? d.id : `#${i}`] = d; });
  return out;
}

export function diffConfigs(oldConfig, oldDatasets, newConfig, newDatasets) {
  const config = keys(oldConfig || {}, newConfig || {});
  const dataloader = keys(byId(oldDatasets), byId(newDatasets));
  return { config, dataloader, identical: !config.length && !dataloader.length };
}

function show(v) {
  if (v === null || v === undefined) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * The changes as a table: trainer settings, then datasets, then {@code extra} rows (provider,
 * hardware) given as {what: {old, new}}; a note when nothing differs.
 */
export function changesTable(diff, extra = {}, { id, none = 'No changes.' } = {}) {
  const rows = [
    ...diff.config.map((c) => ['Setting', c]),
    ...diff.dataloader.map((c) => ['Dataset', c]),
    ...Object.entries(extra).filter(([, v]) => v && canonical(v.old) !== canonical(v.new))
      .map(([key, v]) => ['Run', { key, change: 'changed', old: v.old, new: v.new }]),
  ];
  if (!rows.length) return h('p.muted', { id, dataset: { changes: 0 } }, none);
  return h('table.changes', { id, dataset: { changes: rows.length } },
    h('thead', {}, h('tr', {}, h('th', {}, 'Where'), h('th', {}, 'Key'), h('th', {}, 'Change'), h('th', {}, 'Was'),
      h('th', {}, 'Now'))),
    h('tbody', {}, rows.map(([where, c]) => h('tr', { dataset: { key: c.key, change: c.change } },
      h('td', {}, where), h('td.mono', {}, c.key), h('td', {}, h('span', { class: `chip change-${c.change}` }, c.change)),
      h('td.mono', {}, show(c.old)), h('td.mono', {}, show(c.new))))));
}

/** The clone overrides that turn the parent's config into the edited one (POST /api/cloud/jobs/{id}/clone). */
export function overridesFor(parentConfig, parentDatasets, config, datasets) {
  const diff = diffConfigs(parentConfig, parentDatasets, config, datasets);
  const out = {};
  if (diff.config.length) {
    out.config = Object.fromEntries(diff.config.map((c) => [c.key, c.change === 'removed' ? null : c.new]));
  }
  const changed = diff.dataloader.filter((c) => c.change !== 'removed').map((c) => c.new);
  const removed = diff.dataloader.filter((c) => c.change === 'removed').map((c) => c.key);
  if (changed.length) out.dataloader = changed;
  if (removed.length) out.remove_datasets = removed;
  return out;
}
