// The Cloud tab's dashboard: spend per day against the cost limit, jobs by status and by provider,
// and per provider and hardware the success rate, median duration and median cost (GET /api/metrics).
import { get } from './api.js';
import { clear, duration, h, label, money } from './dom.js';

const DAYS = 30;
const STATUS_COLOURS = { completed: '#12805c', failed: '#c4320a', cancelled: '#98a2b3', running: '#f79009',
  queued: '#2563eb', uploading: '#60a5fa', pending_approval: '#7c3aed' };
const PERIOD_DAYS = { daily: 1, weekly: 7, monthly: 30 };

/** The last DAYS dates (UTC, as the server counts them), oldest first. */
function lastDays() {
  const out = [];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let i = DAYS - 1; i >= 0; i--) out.push(new Date(today - i * 86400000).toISOString().slice(0, 10));
  return out;
}

/** Every enabled cost limit as a daily amount (a monthly limit spread over 30 days), summed over providers. */
async function dailyLimit(providers) {
  const limits = await Promise.all(providers.filter((p) => p.job_type === 'cloud').map((p) =>
    get(`/api/cloud/metrics/cost-limit?provider=${encodeURIComponent(p.id)}`).catch(() => null)));
  const on = limits.filter((l) => l?.enabled && l.limit_amount > 0);
  if (!on.length) return null;
  const perDay = on.reduce((sum, l) => sum + l.limit_amount / (PERIOD_DAYS[l.period] || 30), 0);
  const periods = [...new Set(on.map((l) => l.period))];
  return { perDay, text: periods.length === 1 && periods[0] === 'daily' ? 'Daily cost limit' : 'Cost limit per day (spread over its period)' };
}

export function dashboard() {
  const charts = [];
  const spendCanvas = h('canvas', { role: 'img', 'aria-label': `Spend per day over the last ${DAYS} days` });
  const statusCanvas = h('canvas', { role: 'img', 'aria-label': 'Jobs by status' });
  const providerCanvas = h('canvas', { role: 'img', 'aria-label': 'Jobs by provider' });
  const summary = h('div.dash-figures', { 'aria-live': 'polite' });
  const table = h('div.table-scroll');
  const el = h('section.panel#dashboard', { 'aria-labelledby': 'dashboard-title' },
    h('div.row', {}, h('h2#dashboard-title', {}, 'Overview'), h('span.muted', {}, `last ${DAYS} days`)),
    summary,
    h('div.dash-grid', {},
      h('figure.dash-chart', {}, h('figcaption', {}, 'Spend per day'), h('div.dash-box', {}, spendCanvas)),
      h('figure.dash-chart', {}, h('figcaption', {}, 'Jobs by status'), h('div.dash-box', {}, statusCanvas)),
      h('figure.dash-chart', {}, h('figcaption', {}, 'Jobs by provider'), h('div.dash-box', {}, providerCanvas))),
    table);

  function draw(canvas, config) {
    if (!window.Chart) return;
    const old = window.Chart.getChart(canvas);
    if (old) old.destroy();
    charts.push(new window.Chart(canvas, { ...config, options: { animation: false, maintainAspectRatio: false,
      ...config.options } }));
  }

  async function load() {
    let m;
    let providers;
    try {
      [m, { providers }] = await Promise.all([get(`/api/metrics?days=${DAYS}`), get('/api/cloud/providers')]);
    } catch (e) {
      clear(summary, h('p.muted', {}, `No figures: ${e.message}`));
      return;
    }
    const limit = await dailyLimit(providers);
    const names = Object.fromEntries(providers.map((p) => [p.id, p.name]));
    const days = lastDays();
    const byDay = Object.fromEntries((m.cost_by_day || []).map((d) => [d.date, d.total_cost_usd]));
    const groups = m.by_provider || [];
    const completed = groups.reduce((s, g) => s + g.completed, 0);
    const failed = groups.reduce((s, g) => s + g.failed, 0);
    clear(summary,
      figure('Jobs', String(m.job_count), 'dash-jobs'),
      figure('Spent', money(m.total_cost_usd), 'dash-spent'),
      figure('Success rate', completed + failed ? `${Math.round((100 * completed) / (completed + failed))}%` : '—', 'dash-success',
        'Completed against failed; cancelled runs are left out.'),
      figure('Running now', String(m.active_jobs), 'dash-active'));

    draw(spendCanvas, { type: 'bar',
      data: { labels: days.map((d) => d.slice(5)), datasets: [
        { label: 'Spend (USD)', data: days.map((d) => byDay[d] || 0), backgroundColor: '#6366f1' },
        ...(limit ? [{ type: 'line', label: limit.text, data: days.map(() => limit.perDay), borderColor: '#c4320a',
          borderDash: [5, 4], pointRadius: 0, fill: false }] : [])] },
      options: { plugins: { legend: { display: !!limit } }, scales: { y: { beginAtZero: true,
        ticks: { callback: (v) => money(v) } } } } });

    const statuses = Object.entries(m.jobs_by_status || {}).filter(([, n]) => n > 0);
    draw(statusCanvas, { type: 'doughnut',
      data: { labels: statuses.map(([s]) => label(s)), datasets: [{ data: statuses.map(([, n]) => n),
        backgroundColor: statuses.map(([s]) => STATUS_COLOURS[s] || '#667085') }] },
      options: { plugins: { legend: { position: 'right' } } } });

    const perProvider = {};
    groups.forEach((g) => {
      const p = perProvider[g.provider] || (perProvider[g.provider] = { completed: 0, failed: 0, other: 0 });
      p.completed += g.completed; p.failed += g.failed; p.other += g.jobs - g.completed - g.failed;
    });
    const ids = Object.keys(perProvider);
    draw(providerCanvas, { type: 'bar',
      data: { labels: ids.map((id) => names[id] || id), datasets: [
        { label: 'Completed', data: ids.map((id) => perProvider[id].completed), backgroundColor: STATUS_COLOURS.completed },
        { label: 'Failed', data: ids.map((id) => perProvider[id].failed), backgroundColor: STATUS_COLOURS.failed },
        { label: 'Other', data: ids.map((id) => perProvider[id].other), backgroundColor: '#98a2b3' }] },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } });

    clear(table, groups.length ? h('table#dash-hardware', {},
      h('caption.visually-hidden', {}, 'Per provider and hardware'),
      h('thead', {}, h('tr', {}, h('th', {}, 'Provider'), h('th', {}, 'Hardware'), h('th.num', {}, 'Jobs'),
        h('th.num', {}, 'Success'), h('th.num', {}, 'Median duration'), h('th.num', {}, 'Median cost'))),
      h('tbody', {}, groups.map((g) => h('tr', { dataset: { provider: g.provider, hardware: g.hardware_profile || '' } },
        h('td', {}, names[g.provider] || g.provider), h('td.mono', {}, g.hardware_profile || '—'),
        h('td.num', {}, g.jobs),
        h('td.num', {}, g.success_rate == null ? '—' : `${Math.round(g.success_rate * 100)}%`),
        h('td.num', {}, duration(g.median_duration_seconds)),
        h('td.num', {}, money(g.median_cost_usd)))))) : h('p.muted', {}, 'No jobs in this period yet.'));
  }

  function figure(name, value, id, title) {
    return h('div.dash-figure', { title }, h('div.muted', {}, name), h(`strong#${id}`, {}, value));
  }

  let timer = null;
  /** After a job ends (debounced: a burst of updates reloads once). */
  const reloadSoon = () => { clearTimeout(timer); timer = setTimeout(load, 1500); };
  load();
  return { el, reloadSoon, close: () => { clearTimeout(timer); charts.forEach((c) => c.destroy()); } };
}
