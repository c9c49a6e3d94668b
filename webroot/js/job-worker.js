// A worker job's page: the worker running it, why it still waits, and each hand-over to a worker
// (an attempt) with how it ended. The job's live stream does not carry these, so the page asks
// for the job again when it changes, and every few seconds while it waits (a worker coming online
// changes why it waits, not the job).
import { clear, duration, h, label, when } from './dom.js';
import { can } from './store.js';

export const WAIT_POLL_MS = 5000;

const OUTCOME_TEXT = {
  lost: 'Lost (requeued)',
  not_taken: 'Not taken (requeued)',
};
const OUTCOME_HELP = {
  lost: 'The worker went away during the job; it went back to the queue and this counts as a retry.',
  not_taken: 'The worker never started it; it went back to the queue without counting as a retry.',
};
const WAITING_TITLE = {
  no_worker_online: 'No worker is online',
  no_matching_worker: 'No online worker matches',
  all_workers_busy: 'All matching workers are busy',
  dispatching: 'Handing it to a worker',
};

export function isWorkerJob(job) {
  return job?.provider === 'worker';
}

/** Whether the job waits in the queue for a worker (what job.waiting explains). */
export function waitsForWorker(job) {
  return isWorkerJob(job) && job.status === 'queued';
}

/** The note beside the queue position: why the job waits, in the server's words. */
export function waitingNote(job) {
  if (!waitsForWorker(job) || !job.waiting) return null;
  const w = job.waiting;
  return h('div.notice.warn#waiting-note', { role: 'status', dataset: { reason: w.reason } },
    h('strong', {}, `${WAITING_TITLE[w.reason] || 'Waiting'}${job.queue_position ? ` · queue position ${job.queue_position}` : ''}. `),
    w.message || '');
}

function workerName(worker) {
  if (!worker) return null;
  return can('workers.manage') ? h('a', { href: '#/workers', title: worker.worker_id }, worker.name)
    : h('span', { title: worker.worker_id }, worker.name);
}

/** The Worker panel of a job page; update(job) redraws it (it stays hidden for other providers). */
export function workerSection() {
  const facts = h('dl.kv');
  const attempts = h('div');
  const el = h('section.panel#job-worker', { hidden: true }, h('h2', {}, 'Worker'), facts,
    h('h3.sub', {}, 'Attempts'), attempts);

  let shown = null;
  function update(job) {
    el.hidden = !isWorkerJob(job);
    if (el.hidden) return;
    // Progress updates arrive often and change nothing here: keep the panel (and a focused link) as it is.
    const key = JSON.stringify([job.worker, job.attempts, job.max_retries, job.is_terminal]);
    if (key === shown) return;
    shown = key;
    const list = job.attempts || [];
    const retries = list.filter((a) => a.outcome === 'lost').length;
    clear(facts,
      h('dt', {}, 'Running on'), h('dd#job-worker-name', {}, workerName(job.worker)
        || h('span.muted', {}, job.is_terminal ? 'No worker (finished)' : 'Not on a worker yet')),
      h('dt', {}, 'Retries'), h('dd', {}, job.max_retries != null
        ? `${retries} of ${job.max_retries} used (a job whose worker is lost goes back to the queue)` : '—'));
    clear(attempts, list.length === 0 ? h('p.muted', {}, 'Not handed to a worker yet.') : h('div.table-scroll', {},
      h('table#attempts', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Worker'),
        h('th', { scope: 'col' }, 'Started'), h('th', { scope: 'col' }, 'Duration'), h('th', { scope: 'col' }, 'Outcome'),
        h('th', { scope: 'col' }, 'Reason'))),
      h('tbody', {}, list.map((a) => h('tr', { dataset: { attempt: a.attempt, outcome: a.outcome } },
        h('td.num', {}, a.attempt),
        h('td', {}, a.worker_name || a.worker_id),
        h('td', {}, when(a.started_at)),
        h('td.num', {}, duration(a.duration_seconds)),
        h('td', {}, h('span', { class: `chip ${a.outcome}`, title: OUTCOME_HELP[a.outcome] },
          OUTCOME_TEXT[a.outcome] || label(a.outcome || 'running'))),
        h('td', {}, a.reason || h('span.muted', {}, '—'))))))));
  }

  return { el, update };
}
