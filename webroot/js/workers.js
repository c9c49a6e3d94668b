// Workers (admins): the GPU machines whose `simpletuner worker` agents join this server, their
// state and current job, and what an admin does with them. Workers send no events to the browser,
// so the list asks again every few seconds while the page is open.
import { del, get, post } from './api.js';
import { ago, clear, h, label, toast, when } from './dom.js';
import { can } from './store.js';
import { openCreateWorker, showToken } from './worker-dialogs.js';

const REFRESH_MS = 4000;
const STATE_HELP = {
  connecting: 'Created; its agent has not connected yet.',
  idle: 'Online and waiting for a job.',
  busy: 'Running a job.',
  draining: 'Finishes its job and takes no other.',
  offline: 'Its agent is not connected, or went silent.',
};

export function gpuText(w) {
  if (!w.gpu_name && !w.gpu_count) return '—';
  const vram = w.gpu_vram_gb != null ? ` · ${w.gpu_vram_gb} GB` : '';
  return `${w.gpu_name || 'GPU'} × ${w.gpu_count || 0}${vram}`;
}

export function labelChips(labels) {
  const entries = Object.entries(labels || {});
  return entries.length ? h('ul.label-chips', { 'aria-label': 'Labels' },
    entries.map(([k, v]) => h('li.chip.label', {}, `${k}=${v}`))) : h('span.muted', {}, 'none');
}

export function renderWorkers(main) {
  if (!can('workers.manage')) {
    clear(main, h('div.panel.empty', {}, h('strong', {}, 'Workers are managed by admins'),
      'Ask an admin to add your GPU machines.', h('p', {}, h('a', { href: '#/jobs' }, 'Back to all jobs'))));
    return () => {};
  }
  // Per worker: what went wrong with its last action (kept across refreshes until the next one).
  const problems = new Map();
  const busy = new Set();
  const drawn = new Map(); // worker_id -> { key, tr }: unchanged rows stay, and so does the focus in them
  let workers = [];
  let left = false;
  const tbody = h('tbody');
  const counter = h('span.muted.num#workers-count');
  const loadError = h('div', { 'aria-live': 'polite' });
  const empty = h('div.empty', { hidden: true }, h('strong', {}, 'No workers yet'),
    'Create a worker, then start its agent on the GPU machine with the command shown.');
  const table = h('table#workers-table', {},
    h('caption.visually-hidden', {}, 'Workers'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Worker'), h('th', { scope: 'col' }, 'Labels'),
      h('th', { scope: 'col' }, 'GPU'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Last heartbeat'),
      h('th', { scope: 'col' }, 'Current job'), h('th', { scope: 'col' }, h('span.visually-hidden', {}, 'Actions')))),
    tbody);

  clear(main,
    h('div.row', {}, h('h1', {}, 'Workers'), h('div.spacer'),
      h('button.primary#create-worker', { type: 'button', onclick: () => openCreateWorker(() => load()) }, 'Create worker')),
    h('p.muted', {}, 'Your own GPU machines. Jobs submitted to "Self-hosted workers" go to an idle worker whose labels match.'),
    h('section.panel', {}, h('div.row', {}, h('h2', {}, 'All workers'), h('div.spacer'), counter),
      loadError, h('div.table-scroll', {}, table), empty));

  function row(w) {
    const problem = problems.get(w.worker_id);
    const acting = busy.has(w.worker_id);
    const job = w.current_job_id;
    return h('tr', { dataset: { workerId: w.worker_id, status: w.status } },
      h('td', {}, h('strong', {}, w.name), h('div.muted', {}, w.worker_type)),
      h('td', {}, labelChips(w.labels)),
      h('td.gpu', {}, gpuText(w)),
      h('td', {}, h('span', { class: `chip worker-${w.status}`, title: STATE_HELP[w.status] }, label(w.status))),
      h('td.num.heartbeat', {}, heartbeat(w)),
      h('td', {}, job ? h('a.mono', { href: `#/job/${encodeURIComponent(job)}`, title: job }, job.slice(0, 8)) : h('span.muted', {}, '—')),
      h('td.actions', {},
        h('div.row.tight', {},
          h('button', { type: 'button', dataset: { action: 'drain' }, 'aria-label': `Drain ${w.name}`,
            disabled: acting || w.status === 'draining' || w.status === 'offline' || w.status === 'connecting',
            title: 'Let it finish its job and give it no other', onclick: () => drain(w) }, 'Drain'),
          h('button', { type: 'button', dataset: { action: 'rotate' }, 'aria-label': `Rotate the token of ${w.name}`,
            disabled: acting, onclick: () => rotate(w) }, 'Rotate token'),
          h('button.danger', { type: 'button', dataset: { action: 'delete' }, 'aria-label': `Delete ${w.name}`,
            disabled: acting, onclick: () => remove(w, false) }, 'Delete')),
        problem ? h('div.action-error', { role: 'alert' }, problem.message,
          problem.force ? h('button.danger', { type: 'button', dataset: { action: 'force-delete' },
            'aria-label': `Delete ${w.name} anyway`, disabled: acting, onclick: () => remove(w, true) }, 'Delete anyway') : null)
          : null));
  }

  function heartbeat(w) {
    return w.last_heartbeat ? h('time', { datetime: w.last_heartbeat, title: when(w.last_heartbeat) }, ago(w.last_heartbeat))
      : h('span.muted', {}, 'never');
  }

  function render() {
    const seen = new Set();
    workers.forEach((w, i) => {
      seen.add(w.worker_id);
      // Redrawn only when something shown changed: the heartbeat and uptime move on every answer,
      // and a row replaced under the pointer would swallow a click on its buttons.
      const { last_heartbeat: _beat, uptime_seconds: _up, ...shown } = w;
      const key = JSON.stringify([shown, problems.get(w.worker_id), busy.has(w.worker_id)]);
      let entry = drawn.get(w.worker_id);
      if (!entry || entry.key !== key) {
        const tr = row(w);
        if (entry) entry.tr.replaceWith(tr);
        entry = { key, tr };
        drawn.set(w.worker_id, entry);
      } else {
        clear(entry.tr.querySelector('.heartbeat'), heartbeat(w)); // "12 s ago" moves on
      }
      if (tbody.children[i] !== entry.tr) tbody.insertBefore(entry.tr, tbody.children[i] || null);
    });
    for (const [id, entry] of drawn) {
      if (!seen.has(id)) { entry.tr.remove(); drawn.delete(id); problems.delete(id); }
    }
    counter.textContent = `${workers.length} worker${workers.length === 1 ? '' : 's'}`;
    table.hidden = workers.length === 0;
    empty.hidden = workers.length !== 0;
  }

  let asked = 0;
  async function load() {
    const mine = ++asked; // a slow answer must not overwrite a newer one
    try {
      const answer = await get('/api/admin/workers');
      if (left || mine !== asked) return;
      workers = answer.workers;
      clear(loadError);
      render();
    } catch (e) {
      if (!left && mine === asked) clear(loadError, h('div.notice.bad', {}, `Could not load the workers: ${e.message}`));
    }
  }

  /** Runs one action of a worker: its buttons wait, and what went wrong shows in its row. */
  async function act(w, what, request, done) {
    problems.delete(w.worker_id);
    busy.add(w.worker_id);
    render();
    try {
      done(await request());
    } catch (e) {
      // Deleting a worker that holds a job is refused (409) unless forced: offer that, saying what it does.
      problems.set(w.worker_id, what === 'delete' && e.status === 409
        ? { force: true, message: `${w.name} is running job ${e.details.current_job_id || w.current_job_id || ''}. `
          + 'Deleting it anyway stops that job on the worker and puts the job back in the queue.' }
        : { message: `Could not ${what} ${w.name}: ${e.message}` });
    } finally {
      busy.delete(w.worker_id);
    }
    render();
    if (!left) await load();
  }

  function drain(w) {
    if (!confirm(`Drain ${w.name}? It finishes ${w.current_job_id ? 'its current job' : 'what it runs'} and takes no other job.`)) return;
    act(w, 'drain', () => post(`/api/admin/workers/${encodeURIComponent(w.worker_id)}/drain`),
      () => toast(`${w.name} is draining`));
  }

  function rotate(w) {
    if (!confirm(`Rotate the token of ${w.name}? The old token stops working at once: its running agent stops`
      + (w.current_job_id ? ' and its job goes back to the queue' : '') + '. Start the agent again with the new token.')) return;
    act(w, 'rotate the token of', () => post(`/api/admin/workers/${encodeURIComponent(w.worker_id)}/token`),
      (answer) => showToken(answer, `New token for ${w.name}`, w.worker_type));
  }

  function remove(w, force) {
    if (!force && !confirm(`Delete ${w.name}? Its token stops working at once.`)) return;
    act(w, 'delete', () => del(`/api/admin/workers/${encodeURIComponent(w.worker_id)}${force ? '?force=true' : ''}`),
      () => toast(force ? `${w.name} deleted; its job is back in the queue` : `${w.name} deleted`));
  }

  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => { left = true; clearInterval(timer); };
}
