// What changed between two versions of a named config, key by key (GET /api/configs/{name}/diff).
import { get } from './api.js';
import { clear, h, when } from './dom.js';
import { changesTable } from './changes.js';

/** #/diff/<name>[/<from>[/<to>]]: to defaults to the current version, from to the one before it. */
export function renderVersionDiff(main, name, fromArg, toArg) {
  let left = false;
  const from = h('select#diff-from', { 'aria-label': 'From version' });
  const to = h('select#diff-to', { 'aria-label': 'To version' });
  const out = h('div#version-diff-body', { 'aria-live': 'polite' });
  clear(main,
    h('div.row', {}, h('a', { href: '#/jobs' }, '← All jobs')),
    h('h1', {}, `Changes in ${name}`),
    h('section.panel', {}, h('div.row', {}, h('label', { for: 'diff-from' }, 'From'), from,
      h('label', { for: 'diff-to' }, 'to'), to), out));
  const base = `/api/configs/${encodeURIComponent(name)}`;

  async function show() {
    // The address names the pair, so it can be shared; replaceState does not re-render the view.
    history.replaceState(null, '', `#/diff/${encodeURIComponent(name)}/${from.value}/${to.value}`);
    clear(out, h('p.muted', {}, 'Comparing…'));
    try {
      const diff = await get(`${base}/diff?from=${from.value}&to=${to.value}`);
      if (left) return;
      clear(out, changesTable(diff, {}, { id: 'version-changes',
        none: `Versions ${from.value} and ${to.value} have the same settings and datasets.` }));
    } catch (e) { if (!left) clear(out, h('div.notice.bad', {}, e.message)); }
  }

  async function load() {
    let page;
    try {
      page = await get(`${base}/versions?limit=500`);
    } catch (e) {
      if (!left) clear(out, h('div.notice.bad', {}, e.message));
      return;
    }
    if (left) return;
    const versions = page.versions; // newest first
    const current = page.current_version ?? versions[0]?.version;
    const toV = Number(toArg) || current;
    const fromV = Number(fromArg) || Math.max(1, toV - 1);
    const options = (selected) => versions.map((v) => h('option', { value: v.version, selected: v.version === selected },
      `v${v.version}${v.version === current ? ' (current)' : ''} · ${when(v.created_at)}${v.message ? ` · ${v.message}` : ''}`));
    clear(from, options(fromV));
    clear(to, options(toV));
    show();
  }
  from.addEventListener('change', show);
  to.addEventListener('change', show);
  load();
  return () => { left = true; };
}
