// One job: progress, loss chart, logs, timeline, config snapshot and the actions that fit its state.
import { del, get, post } from './api.js';
import { bytes, clear, duration, h, label, money, toast, when } from './dom.js';
import { progressCell, statusChip, live } from './jobs.js';
import { can, session } from './store.js';
import { openSubmit } from './submit-dialog.js';
import { deliveryChip, deliveryEventText, deliverySection, localFolder } from './delivery.js';
import { validationEventText, validationGallery } from './validation-gallery.js';
import { isWorkerJob, waitingNote, waitsForWorker, WAIT_POLL_MS, workerSection } from './job-worker.js';

export function renderJobDetails(main, jobId) {
  let job = null;
  let chart = null;
  let logStream = null;
  // Set when the panel is left: work still under way (an answer not yet in) must not start streams after.
  let left = false;
  const closers = [];
  const title = h('h1', {}, 'Job');
  const actions = h('div.row');
  const progress = h('div');
  const facts = h('dl.kv');
  const timeline = h('ol.timeline', { 'aria-label': 'Timeline', tabindex: 0 }); // it scrolls: reachable by keyboard
  const logs = h('pre.logs', { tabindex: 0, 'aria-label': 'Job log' });
  const logPanel = h('section.panel', { hidden: true }, h('div.row', {}, h('h2', {}, 'Logs'), h('div.spacer'),
    h('span.muted#log-state', {}, '')), logs);
  const canvas = h('canvas', { 'aria-label': 'Loss and learning rate by step', role: 'img' });
  const chartEmpty = h('p.muted#chart-empty', {}, 'No loss reported yet: the chart starts with the first step the trainer reports.');
  const chartBox = h('div.chart-box', {}, canvas);
  const chartPanel = h('section.panel', {}, h('h2', {}, 'Loss'), chartEmpty, chartBox);
  const config = h('pre.code');
  const dataset = h('div');
  const error = h('div');
  const delivery = deliverySection(jobId, { canRetry: () => !!job && canAct('cancel'), refresh });
  const gallery = validationGallery(jobId);
  const worker = workerSection();

  clear(main,
    h('div.row', {}, h('a', { href: '#/jobs' }, '← All jobs')),
    h('div.row', {}, title, h('span#status-chip'), h('div.spacer'), actions),
    error,
    h('div.detail-grid', {},
      h('div', {},
        h('section.panel', {}, h('h2', {}, 'Progress'), progress),
        worker.el, delivery.el, chartPanel, gallery.el, logPanel,
        h('section.panel', {}, h('h2', {}, 'Datasets'), dataset),
        h('section.panel', {}, h('h2', {}, 'Config snapshot'), config)),
      h('div', {},
        h('section.panel', {}, h('h2', {}, 'Details'), facts),
        h('section.panel', {}, h('h2', {}, 'Timeline'), timeline))));

  function renderJob() {
    title.textContent = job.tracker_run_name || job.config_name || `Job ${job.job_id.slice(0, 8)}`;
    clear(document.getElementById('status-chip'), statusChip(job), ' ', deliveryChip(job));
    const p = job.progress || {};
    const { elapsed, cost } = live(job);
    // A job that ended early is no longer "Training": its stage is how it ended.
    const stage = job.is_terminal && job.status !== 'completed' ? label(job.status) : p.stage;
    clear(progress, noReportsNote(job), progressCell(job), h('dl.kv', { style: 'margin-top:12px' },
      h('dt', {}, 'Stage'), h('dd#stage', {}, stage || '—'),
      h('dt', {}, 'Loss'), h('dd.num#loss', {}, p.loss != null ? p.loss.toFixed(4) : '—'),
      h('dt', {}, 'Learning rate'), h('dd.num', {}, p.learning_rate != null ? p.learning_rate.toExponential(2) : '—'),
      h('dt', {}, 'ETA'), h('dd.num', {}, job.is_active && p.eta_seconds != null ? duration(p.eta_seconds) : '—'),
      h('dt', {}, 'Elapsed'), h('dd.num#elapsed', {}, duration(elapsed)),
      h('dt', {}, 'Cost'), h('dd.num#cost', {}, money(cost),
        job.estimated_cost_usd != null ? h('span.muted', {}, ` (estimated ${money(job.estimated_cost_usd)})`) : null),
      estimateRows(job, elapsed, cost)));
    clear(facts,
      h('dt', {}, 'Provider'), h('dd', {}, job.provider),
      h('dt', {}, 'Hardware'), h('dd', {}, job.hardware_type || job.hardware_profile || '—'),
      h('dt', {}, 'Created'), h('dd', {}, when(job.created_at)),
      h('dt', {}, 'Started'), h('dd', {}, when(job.started_at)),
      h('dt', {}, 'Finished'), h('dd', {}, when(job.completed_at)),
      h('dt', {}, 'Owner'), h('dd', {}, job.owner_id),
      h('dt', {}, 'Job id'), h('dd.mono', {}, job.job_id),
      provenance(job),
      job.external_id ? [h('dt', {}, 'Provider id'), h('dd.mono', {}, job.external_id)] : [],
      job.output_url ? [h('dt', {}, 'Output'), h('dd.mono', {}, /^https?:\/\//i.test(job.output_url)
        ? h('a', { href: job.output_url, target: '_blank', rel: 'noopener noreferrer' }, job.output_url)
        : job.output_url.startsWith('/') ? 'On this machine (see Delivery)' : localFolder(job) || job.output_url)] : []);
    delivery.update(job);
    gallery.update(job);
    worker.update(job);
    clear(error,
      waitingNote(job),
      job.error_message ? h('div.notice.bad', { role: 'alert' }, job.error_message) : null,
      job.approval && job.status === 'pending_approval' ? h('div.notice.warn', {}, job.approval.reason) : null,
      (job.warnings || []).map((w) => h('div.notice.warn', {}, w)));
    if (actions.dataset.status === job.status) return; // keep the buttons (and focus) while the job runs
    actions.dataset.status = job.status;
    clear(actions,
      h('button#view-logs', { type: 'button', onclick: showLogs }, 'View Logs'),
      can('job.submit') ? h('button#run-again', { type: 'button', onclick: () => openSubmit({ parent: job }) }, 'Run again…')
        : null,
      job.is_active && canAct('cancel') ? h('button.danger#cancel-job', { type: 'button', onclick: cancel }, 'Cancel') : null,
      job.is_terminal && canAct('delete') ? h('button.danger#delete-job', { type: 'button', onclick: remove }, 'Delete') : null);
  }

  /** What the job ran: its config version (with the diff to the current one), content hash, git snapshot, parent, sweep. */
  function provenance(job) {
    const rows = [];
    if (job.config_name && job.config_version != null) {
      const base = `/api/configs/${encodeURIComponent(job.config_name)}`;
      rows.push(h('dt', {}, 'Config'), h('dd#config-version', {}, `${job.config_name} v${job.config_version} `,
        h('a', { href: `${base}/versions/${job.config_version}`, target: '_blank', rel: 'noopener' }, 'version'), ' · ',
        h('a#changes-since', { href: `#/diff/${encodeURIComponent(job.config_name)}/${job.config_version}` },
          'changes since')));
    }
    if (job.config_hash) {
      rows.push(h('dt', {}, 'Config hash'), h('dd.mono#config-hash', { title: job.config_hash },
        job.config_hash.slice(0, 19)));
    }
    if (job.snapshot) {
      const snap = job.snapshot;
      rows.push(h('dt', {}, 'Git snapshot'), snap.commit
        ? h('dd#snapshot', { title: snap.commit }, h('span.mono', {}, snap.abbrev), ` ${snap.name}`,
          snap.branch ? h('span.muted', {}, ` on ${snap.branch}`) : null,
          snap.was_dirty ? h('span.chip.lost', { title: (snap.dirty_paths || []).join(', ') }, 'tree was dirty') : null)
        : h('dd#snapshot.muted', {}, `Not committed: ${snap.error}`));
    }
    if (job.parent_job_id) {
      rows.push(h('dt', {}, 'Cloned from'), h('dd.mono', {},
        h('a#parent-job', { href: `#/job/${encodeURIComponent(job.parent_job_id)}` }, job.parent_job_id.slice(0, 8))));
    }
    if (job.sweep_id) {
      rows.push(h('dt', {}, 'Sweep'), h('dd.mono', {}, h('a#sweep-link', { href: `#/sweep/${encodeURIComponent(job.sweep_id)}` },
        job.sweep_id)));
    }
    return rows;
  }

  /** Why a cloud job shows no steps: its trainer cannot reach this server (no public URL at submit). */
  function noReportsNote(j) {
    if (j.reports_home !== false || j.provider === 'worker' || j.status === 'completed') return null;
    return h('div.notice.warn#no-reports', {}, 'No public URL was set when this job was submitted, so its trainer cannot '
      + 'report steps or loss to this server: its status and logs come from polling the provider (every 15 s while it '
      + 'runs), and the loss chart stays empty. Set a ',
    h('strong', {}, 'Webhook URL'), ' in Settings (the gear) to see progress live for the next job.');
  }

  /** The estimate the job was submitted with next to what it took, once it ran. */
  function estimateRows(j, elapsed, cost) {
    const e = j.estimate;
    if (!e || (e.estimated_cost_usd == null && e.estimated_seconds == null)) return [];
    const vs = (est, act, fmt) => (act != null && j.is_terminal ? `${fmt(est)} estimated · ${fmt(act)} actual` : `${fmt(est)} estimated`);
    return [
      h('dt', {}, 'Estimate'), h('dd.num#estimate-vs-actual', {},
        e.estimated_seconds != null ? h('div', {}, 'Duration: ', vs(e.estimated_seconds, elapsed, duration)) : null,
        e.estimated_cost_usd != null ? h('div', {}, 'Cost: ', vs(e.estimated_cost_usd, cost, money)) : null,
        e.basis ? h('div.muted', {}, `Based on ${e.basis}.`) : null)];
  }

  function canAct(what) {
    return can(`job.${what}.all`) || (can(`job.${what}.own`) && session.user && job.owner_id === session.user.id);
  }

  function renderDataset() {
    const s = job.upload_summary;
    const rows = (s?.datasets || []).map((d) => h('tr', {}, h('td', {}, d.id), h('td.mono', {}, d.instance_data_dir),
      h('td.num', {}, d.file_count), h('td.num', {}, bytes(d.total_bytes))));
    clear(dataset,
      (job.dataloader_config || []).length === 0 ? h('p.muted', {}, 'No datasets in this job.') : null,
      rows.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Dataset'), h('th', {}, 'Directory'),
        h('th', {}, 'Files'), h('th', {}, 'Size'))), h('tbody', {}, rows)) :
        (job.dataloader_config || []).map((d) => h('div.mono', {}, `${d.id}: ${d.instance_data_dir || d.type || ''}`)),
      job.archive_bytes ? h('p.muted', {}, `Uploaded archive: ${bytes(job.archive_bytes)}`) : null);
    config.textContent = JSON.stringify(job.config, null, 2);
  }

  function addEvent(e) {
    const text = e.type === 'status' ? `Status: ${e.data.status}${e.data.message ? ' — ' + e.data.message : ''}`
      : e.type === 'upload' ? `${e.data.stage}${e.data.message ? ' (' + e.data.message + ')' : ''}`
        : e.type === 'delivery' ? deliveryEventText(e.data)
        : e.type === 'validation' ? validationEventText(e.data)
        : e.type === 'storage_refused' ? `${e.data.message} (${e.data.error})`
        : e.type === 'approval' ? `Approval ${e.data.decision}${e.data.reviewer ? ' by ' + e.data.reviewer : ''}${e.data.notes ? ': ' + e.data.notes : ''}`
          : `${e.type}${e.data.message ? ': ' + e.data.message : e.data.stage ? ': ' + e.data.stage : ''}`;
    timeline.append(h('li', {}, h('time', { datetime: e.created_at }, when(e.created_at)), text));
    timeline.scrollTop = timeline.scrollHeight;
  }

  function setupChart(points) {
    if (!window.Chart) return;
    // One point draws no line: show it as a dot until a second arrives.
    const dots = (n) => (n < 2 ? 4 : 0);
    chart = new window.Chart(canvas, {
      type: 'line',
      data: { datasets: [
        { label: 'Loss', data: points.filter((p) => p.loss != null).map((p) => ({ x: p.step, y: p.loss })),
          borderColor: '#6366f1', backgroundColor: '#6366f1', pointRadius: dots(points.length), yAxisID: 'y', tension: 0.2 },
        { label: 'Learning rate', data: points.filter((p) => p.learning_rate != null).map((p) => ({ x: p.step, y: p.learning_rate })),
          borderColor: '#f59e0b', backgroundColor: '#f59e0b', pointRadius: dots(points.length), yAxisID: 'lr', borderDash: [4, 3] }] },
      options: { animation: false, maintainAspectRatio: false, parsing: false,
        scales: { x: { type: 'linear', title: { display: true, text: 'Step' } },
          y: { title: { display: true, text: 'Loss' } },
          lr: { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'LR' } } } },
    });
    chartEmpty.hidden = points.some((p) => p.loss != null);
    chartBox.hidden = !chartEmpty.hidden; // empty axes say nothing
    chartPanel.hidden = false;
  }

  function addPoint(p) {
    if (!chart || p.current == null) return;
    const [loss, lr] = chart.data.datasets;
    const last = loss.data[loss.data.length - 1];
    if (last && last.x >= p.current) return;
    if (p.loss != null) loss.data.push({ x: p.current, y: p.loss });
    if (p.learning_rate != null) lr.data.push({ x: p.current, y: p.learning_rate });
    chart.data.datasets.forEach((d) => { d.pointRadius = d.data.length < 2 ? 4 : 0; });
    chartEmpty.hidden = loss.data.length > 0;
    chartBox.hidden = !chartEmpty.hidden;
    chart.update('none');
  }

  function showLogs() {
    logPanel.hidden = false;
    logs.focus();
    if (logStream || left) return;
    logs.textContent = '';
    const state = document.getElementById('log-state');
    state.textContent = 'live';
    logStream = new EventSource(`/api/cloud/jobs/${encodeURIComponent(jobId)}/logs/stream?tail=500`);
    logStream.addEventListener('message', (e) => {
      const atBottom = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 20;
      logs.append(e.data + '\n');
      if (atBottom) logs.scrollTop = logs.scrollHeight;
    });
    logStream.addEventListener('done', (e) => { state.textContent = `ended (${e.data})`; logStream.close(); });
  }

  /** Asks for the job again (after an action); an answer older than what the live stream brought is dropped. */
  async function refresh() {
    const fresh = (await get(`/api/cloud/jobs/${encodeURIComponent(jobId)}`)).job;
    if (Date.parse(fresh.updated_at) < Date.parse(job.updated_at)) return;
    // A worker job's answer leaves out `worker` once no attempt is open: it no longer runs anywhere.
    job = { ...job, ...fresh, worker: fresh.worker ?? null };
    renderJob();
  }

  let cancelling = false;
  async function cancel(e) {
    const button = e?.currentTarget;
    if (cancelling) return; // a second click while the first is on its way
    const paid = job.job_type === 'cloud' && job.cost_per_hour > 0;
    if (!confirm(`Cancel this job? The trainer is stopped${paid ? ' and the cloud run ends (what it cost so far is still billed)' : ''}; this cannot be undone.`)) return;
    cancelling = true;
    if (button) { button.disabled = true; button.textContent = 'Cancelling…'; }
    try {
      await post(`/api/cloud/jobs/${encodeURIComponent(jobId)}/cancel`);
      toast('Job cancelled');
    } catch (err) {
      // Already over (a click from another tab, or the job just finished): say how it ended, not an error.
      const now = await get(`/api/cloud/jobs/${encodeURIComponent(jobId)}`).then((r) => r.job).catch(() => null);
      if (now?.is_terminal) toast(`The job is already ${label(now.status).toLowerCase()}.`);
      else toast(err.message, true);
      if (button && !now?.is_terminal) { button.disabled = false; button.textContent = 'Cancel'; }
    } finally {
      cancelling = false;
      refresh().catch(() => {});
    }
  }

  async function remove() {
    if (!confirm('Delete this job from the history? Its outputs are kept; its validation images are removed.')) return;
    try {
      await del(`/api/cloud/jobs/${encodeURIComponent(jobId)}`);
      toast('Job deleted');
      location.hash = '#/jobs';
    } catch (e) { toast(e.message, true); }
  }

  async function load() {
    try {
      job = (await get(`/api/cloud/jobs/${encodeURIComponent(jobId)}`)).job;
    } catch (e) {
      if (left) return;
      clear(main, h('div.panel.empty', {}, h('strong', {}, 'Job not found'), e.message, h('p', {}, h('a', { href: '#/jobs' }, 'Back to all jobs'))));
      return;
    }
    if (left) return;
    renderJob();
    renderDataset();
    const [events, metrics] = await Promise.all([
      get(`/api/cloud/jobs/${encodeURIComponent(jobId)}/events`),
      get(`/api/cloud/jobs/${encodeURIComponent(jobId)}/metrics`)]);
    if (left) return;
    events.events.forEach(addEvent);
    setupChart(metrics.points);
    const stream = new EventSource(`/api/cloud/events?job_id=${encodeURIComponent(jobId)}`);
    closers.push(() => stream.close());
    stream.addEventListener('job', (e) => {
      const update = JSON.parse(e.data);
      const before = job.status;
      job = { ...job, ...update, config: job.config, dataloader_config: job.dataloader_config,
        upload_summary: job.upload_summary, estimate: job.estimate, approval: job.approval };
      renderJob();
      addPoint(update.progress || {});
      if (isWorkerJob(job) && job.status !== before) refreshSoon(); // a hand-over, a requeue or the end
    });
    stream.addEventListener('timeline', (e) => {
      const entry = JSON.parse(e.data);
      addEvent(entry);
      if (entry.type === 'validation') gallery.reload();
    });
    stream.addEventListener('job_deleted', () => { location.hash = '#/jobs'; });
    const ticker = setInterval(() => {
      if (!job || job.status !== 'running') return;
      const { elapsed, cost } = live(job);
      const el = document.getElementById('elapsed');
      if (el) el.textContent = duration(elapsed);
      const c = document.getElementById('cost');
      if (c) c.firstChild.textContent = money(cost);
    }, 1000);
    closers.push(() => clearInterval(ticker));
    // Why a worker job waits changes with the workers, which send the job no update: ask again.
    const waitPoll = setInterval(() => { if (waitsForWorker(job)) refresh().catch(() => {}); }, WAIT_POLL_MS);
    closers.push(() => { clearInterval(waitPoll); clearTimeout(refreshTimer); });
  }

  /** The live stream has the job's state, not its attempts or worker: ask for those when it changes. */
  let refreshTimer = null;
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => { if (!left) refresh().catch(() => {}); }, 300);
  }

  load();
  return () => {
    left = true;
    closers.forEach((fn) => fn());
    if (logStream) logStream.close();
    if (chart) chart.destroy();
  };
}
