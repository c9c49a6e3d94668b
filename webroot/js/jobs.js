// The Cloud tab: every job, newest first, updated live over the server's event stream.
import { get } from './api.js';
import { clear, duration, h, label, money, when } from './dom.js';
import { can } from './store.js';
import { openSubmit } from './submit-dialog.js';
import { deliveryChip } from './delivery.js';
import { dashboard } from './dashboard.js';

const STATUSES = ['', 'pending_approval', 'uploading', 'queued', 'running', 'completed', 'failed', 'cancelled'];

export function progressCell(job) {
  const p = job.progress || {};
  const pct = p.percent ?? (p.current && p.total ? (100 * p.current) / p.total : null);
  const text = p.current != null && p.total ? `step ${p.current}/${p.total}` : (p.stage || (job.is_terminal ? '' : 'waiting'));
  return h('div', {},
    h('div.progress', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(pct || 0),
      'aria-label': 'Progress' }, h('span', { style: `width:${Math.min(100, pct || 0)}%` })),
    h('div.progress-label.num', {}, text + (pct != null ? ` · ${pct.toFixed(pct < 10 ? 1 : 0)}%` : '')));
}

/** Elapsed seconds and cost so far, computed locally so running rows tick without asking the server. */
export function live(job) {
  if (!job.started_at) return { elapsed: null, cost: job.cost_usd };
  const end = job.completed_at ? new Date(job.completed_at) : new Date();
  const elapsed = (end - new Date(job.started_at)) / 1000;
  const cost = job.is_terminal || job.cost_per_hour == null ? job.cost_usd : (elapsed * job.cost_per_hour) / 3600;
  return { elapsed, cost };
}

export function statusChip(job) {
  // A waiting worker job says why (job.waiting is in the job's own answer, not in the list's).
  const why = job.status === 'queued' ? job.waiting?.message : null;
  // A place in the queue means something only while the job waits in it.
  const position = job.status === 'queued' && job.queue_position ? ` #${job.queue_position}` : '';
  return h('span.chip', { class: `chip ${job.status}`, title: why }, label(job.status), position);
}

export function renderJobs(main) {
  const state = { limit: 25, offset: 0, status: '', provider: '', total: 0, jobs: [] };
  const tbody = h('tbody');
  const counter = h('span.muted.num');
  const pager = h('div.pager');
  const providerSelect = h('select', { 'aria-label': 'Provider' }, h('option', { value: '' }, 'All providers'));
  const statusSelect = h('select', { 'aria-label': 'Status' },
    STATUSES.map((s) => h('option', { value: s }, s ? label(s) : 'All statuses')));
  const empty = h('div.empty');

  const table = h('table#jobs-table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Job'), h('th', {}, 'Status'), h('th', {}, 'Progress'),
      h('th.hide-narrow', {}, 'Loss'), h('th.hide-narrow', {}, 'ETA'), h('th.hide-narrow', {}, 'Elapsed'),
      h('th', {}, 'Cost'), h('th.hide-narrow', {}, 'Created'))), tbody);

  const overview = can('metrics.view') ? dashboard() : null;
  clear(main,
    h('div.row', {}, h('h1', {}, 'Training jobs'), h('div.spacer'),
      can('job.submit') ? h('button.primary#train-in-cloud', { type: 'button', onclick: () => openSubmit() }, 'Train in Cloud') : null),
    h('div.panel', {},
      h('div.filters', {},
        h('div.field', {}, h('label', {}, 'Status'), statusSelect),
        h('div.field', {}, h('label', {}, 'Provider'), providerSelect),
        h('div.spacer'), counter),
      h('div.table-scroll', { tabindex: 0, role: 'region', 'aria-label': 'Jobs table' }, table), empty, pager),
    overview?.el);

  get('/api/cloud/providers').then(({ providers }) => providers.forEach((p) =>
    providerSelect.append(h('option', { value: p.id }, p.name)))).catch(() => {});
  statusSelect.addEventListener('change', () => { state.status = statusSelect.value; state.offset = 0; load(); });
  providerSelect.addEventListener('change', () => { state.provider = providerSelect.value; state.offset = 0; load(); });

  function row(job) {
    const { elapsed, cost } = live(job);
    const name = job.tracker_run_name || job.config_name || job.job_id.slice(0, 8);
    const p = job.progress || {};
    const open = () => { location.hash = `#/job/${encodeURIComponent(job.job_id)}`; };
    return h('tr.job-row', {
      tabindex: 0, dataset: { jobId: job.job_id, status: job.status }, onclick: open,
      onkeydown: (e) => { if (e.key === 'Enter') open(); },
    },
    h('td', {}, h('div', {}, h('strong', {}, name)),
      h('div.muted', {}, `${job.provider}${job.hardware_type ? ' · ' + job.hardware_type : ''}`)),
    h('td', {}, h('div.status-cell', {}, statusChip(job), deliveryChip(job))),
    h('td', {}, progressCell(job)),
    h('td.num.hide-narrow', {}, p.loss != null ? p.loss.toFixed(4) : '—'),
    h('td.num.hide-narrow', {}, job.is_active && p.eta_seconds != null ? duration(p.eta_seconds) : '—'),
    h('td.num.hide-narrow.elapsed', {}, duration(elapsed)),
    h('td.num.cost', {}, money(cost)),
    h('td.muted.hide-narrow', {}, when(job.created_at)));
  }

  function render() {
    clear(tbody, state.jobs.map(row));
    counter.textContent = `${state.total} job${state.total === 1 ? '' : 's'}`;
    table.hidden = state.jobs.length === 0;
    clear(empty, state.jobs.length ? [] : [h('strong', {}, state.status || state.provider ? 'No jobs match' : 'No jobs yet'),
      state.status || state.provider ? 'Change the filters to see more.' : 'Save a config in the Model tab, then choose Train in Cloud.']);
    empty.hidden = state.jobs.length !== 0;
    const page = Math.floor(state.offset / state.limit) + 1;
    const pages = Math.max(1, Math.ceil(state.total / state.limit));
    clear(pager,
      h('button', { type: 'button', disabled: state.offset === 0, onclick: () => { state.offset -= state.limit; load(); } }, 'Previous'),
      h('span.muted.num', {}, `Page ${page} of ${pages}`),
      h('button', { type: 'button', disabled: state.offset + state.limit >= state.total, onclick: () => { state.offset += state.limit; load(); } }, 'Next'));
  }

  async function load() {
    const q = new URLSearchParams({ limit: state.limit, offset: state.offset });
    if (state.status) q.set('status', state.status);
    if (state.provider) q.set('provider', state.provider);
    const page = await get(`/api/cloud/jobs?${q}`);
    state.jobs = page.jobs;
    state.total = page.total;
    render();
    performance.mark('jobs-rendered');
  }

  let reloadTimer = null;
  const reloadSoon = () => { clearTimeout(reloadTimer); reloadTimer = setTimeout(load, 250); };
  const events = new EventSource('/api/cloud/events');
  let lost = false;
  events.addEventListener('error', () => { lost = true; });
  events.addEventListener('open', () => { if (lost) { lost = false; load(); } });
  events.addEventListener('job', (e) => {
    const job = JSON.parse(e.data);
    if (job.is_terminal) overview?.reloadSoon();
    const i = state.jobs.findIndex((j) => j.job_id === job.job_id);
    if (i >= 0) {
      // An update without a position keeps the one the list had only while the job still waits.
      const position = job.status === 'queued' ? job.queue_position ?? state.jobs[i].queue_position : null;
      state.jobs[i] = { ...state.jobs[i], ...job, queue_position: position };
      const old = tbody.querySelector(`tr[data-job-id="${CSS.escape(job.job_id)}"]`);
      if (old) old.replaceWith(row(state.jobs[i]));
      if (state.status && job.status !== state.status) reloadSoon();
    } else if (state.offset === 0) {
      reloadSoon();
    }
  });
  events.addEventListener('job_deleted', reloadSoon);
  const ticker = setInterval(() => {
    state.jobs.filter((j) => j.status === 'running').forEach((job) => {
      const tr = tbody.querySelector(`tr[data-job-id="${CSS.escape(job.job_id)}"]`);
      if (!tr) return;
      const { elapsed, cost } = live(job);
      tr.querySelector('.elapsed').textContent = duration(elapsed);
      tr.querySelector('.cost').textContent = money(cost);
    });
  }, 1000);

  load().catch(() => {});
  return () => { events.close(); clearInterval(ticker); clearTimeout(reloadTimer); overview?.close(); };
}
