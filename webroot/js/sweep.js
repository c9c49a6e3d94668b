// One sweep: its runs side by side (what each changed, how it ended, loss, cost, time, delivery)
// and the best by a metric the reader picks. Polled while the sweep runs.
import { get, post } from './api.js';
import { clear, duration, h, label, money, toast, when } from './dom.js';
import { deliveryChip } from './delivery.js';
import { can, session } from './store.js';

const METRICS = { final_loss: 'Final loss', cost_usd: 'Cost', duration_seconds: 'Duration' };
const POLL_MS = 2000;

/** The completed run with the lowest value of the metric (the server's rule), or null. */
export function bestRun(runs, metric) {
  let best = null;
  for (const r of runs) {
    const v = r[metric];
    if (r.job_status === 'completed' && typeof v === 'number' && (!best || v < best[metric])) best = r;
  }
  return best;
}

function overridesText(o) {
  const parts = Object.entries(o.config || {}).map(([k, v]) => `${k.replace(/^--/, '')}=${JSON.stringify(v)}`);
  (o.dataloader || []).forEach((d) => parts.push(`dataset ${d.id}`));
  if (o.hardware) parts.push(`hardware=${o.hardware}`);
  return parts.join(', ') || '(base)';
}

function metricText(metric, v) {
  if (v == null) return '—';
  return metric === 'cost_usd' ? money(v) : metric === 'duration_seconds' ? duration(v) : v.toFixed(4);
}

export function renderSweep(main, sweepId) {
  let sweep = null;
  let left = false;
  let timer = null;
  const title = h('h1', {}, 'Sweep');
  const chip = h('span');
  const actions = h('div.row');
  const facts = h('dl.kv');
  const metric = h('select#sweep-metric', { 'aria-label': 'Best by' },
    Object.entries(METRICS).map(([k, v]) => h('option', { value: k }, v)));
  const best = h('div#sweep-best', { 'aria-live': 'polite' });
  const tbody = h('tbody');
  clear(main,
    h('div.row', {}, h('a', { href: '#/jobs' }, '← All jobs')),
    h('div.row', {}, title, chip, h('div.spacer'), actions),
    h('section.panel', {}, h('h2', {}, 'Details'), facts),
    h('section.panel', {}, h('div.row', {}, h('h2', {}, 'Runs'), h('div.spacer'),
      h('label', { for: 'sweep-metric' }, 'Best by '), metric), best,
    h('div.table-wrap', {}, h('table#sweep-runs', {}, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Changes'),
      h('th', {}, 'Status'), h('th.num', {}, 'Final loss'), h('th.num', {}, 'Cost'), h('th.num', {}, 'Duration'),
      h('th', {}, 'Delivery'), h('th', {}, 'Job'))), tbody))));
  metric.addEventListener('change', draw);

  function draw() {
    title.textContent = sweep.name || `Sweep ${sweep.sweep_id}`;
    clear(chip, h('span.chip', { class: `chip ${sweep.status}` }, label(sweep.status)));
    const base = sweep.base || {};
    clear(facts,
      h('dt', {}, 'Base'), h('dd', {}, base.kind === 'job'
        ? h('a', { href: `#/job/${encodeURIComponent(base.job_id)}` }, `job ${base.job_id.slice(0, 8)}`)
        : `${base.config_name} v${base.config_version}`),
      h('dt', {}, 'Provider'), h('dd', {}, sweep.provider),
      h('dt', {}, 'Runs'), h('dd', {}, `${sweep.total_runs} (${Object.entries(sweep.counts || {})
        .map(([k, n]) => `${n} ${label(k).toLowerCase()}`).join(', ')})`),
      h('dt', {}, 'At once'), h('dd', {}, String(sweep.max_concurrent)),
      h('dt', {}, 'On a failure'), h('dd', {}, sweep.continue_on_error ? 'the others go on' : 'the rest are skipped'),
      h('dt', {}, 'Created'), h('dd', {}, when(sweep.created_at)));
    const by = metric.value;
    const top = bestRun(sweep.runs, by);
    clear(best, top
      ? h('div.notice.ok', {}, `Best by ${METRICS[by].toLowerCase()}: run ${top.index + 1} (${overridesText(top.overrides)}), `
        + metricText(by, top[by]), ' · ', h('a', { href: `#/job/${encodeURIComponent(top.job_id)}` }, 'open'))
      : h('p.muted', {}, 'No completed run yet.'));
    clear(tbody, sweep.runs.map((r) => {
      const status = r.job_status || r.status;
      return h('tr', { class: top && r.index === top.index ? 'best' : null, dataset: { index: r.index } },
        h('td.num', {}, String(r.index + 1), top && r.index === top.index ? h('span.chip.best', {}, 'best') : null),
        h('td.mono', {}, overridesText(r.overrides)),
        h('td', {}, h('span', { class: `chip ${status}`, title: r.error || null }, label(status))),
        h('td.num', { dataset: { metric: 'final_loss' } }, metricText('final_loss', r.final_loss)),
        h('td.num', { dataset: { metric: 'cost_usd' } }, metricText('cost_usd', r.cost_usd)),
        h('td.num', { dataset: { metric: 'duration_seconds' } }, metricText('duration_seconds', r.duration_seconds)),
        h('td', {}, r.job_id ? deliveryChip({ status: r.job_status, delivery: r.delivery, output_url: r.output_url }) : '—'),
        h('td.mono', {}, r.job_id ? h('a', { href: `#/job/${encodeURIComponent(r.job_id)}` }, r.job_id.slice(0, 8)) : '—'));
    }));
    const mayStop = can('job.cancel.all') || (can('job.cancel.own') && session.user?.id === sweep.owner_id);
    clear(actions, sweep.status === 'running' && mayStop
      ? h('button.danger#stop-sweep', { type: 'button', onclick: stop }, 'Stop sweep') : null);
  }

  async function stop() {
    if (!confirm('Stop this sweep? Runs still waiting are skipped; jobs already submitted run on.')) return;
    try { sweep = await post(`/api/cloud/sweeps/${encodeURIComponent(sweepId)}/stop`); draw(); toast('Sweep stopped'); }
    catch (e) { toast(e.message, true); }
  }

  async function load(first) {
    try {
      sweep = await get(`/api/cloud/sweeps/${encodeURIComponent(sweepId)}`);
    } catch (e) {
      if (first && !left) clear(main, h('div.panel.empty', {}, h('strong', {}, 'Sweep not found'), e.message));
      return;
    }
    if (left) return;
    if (first) metric.value = sweep.metric in METRICS ? sweep.metric : 'final_loss';
    draw();
    if (sweep.status === 'running') timer = setTimeout(() => load(false), POLL_MS);
  }

  load(true);
  return () => { left = true; clearTimeout(timer); };
}
