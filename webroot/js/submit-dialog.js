// "Train in Cloud": choose the config, provider and hardware, review the upload summary and the
// estimate, then submit. Server errors appear next to the field they are about.
import { get, post } from './api.js';
import { bytes, clear, field, h, money, toast } from './dom.js';
import { labelsEditor } from './labels-editor.js';

// The fleet's provider: its jobs choose a worker by labels and GPU count (refused for any other provider).
const WORKERS = 'worker';

export async function openSubmit(prefill = {}) {
  const [configs, providers] = await Promise.all([get('/api/configs'), get('/api/cloud/providers')]);
  const configSelect = h('select', { name: 'config_name_to_load' },
    prefill.config ? h('option', { value: '' }, `This job's config (${prefill.configName || 'snapshot'})`) : null,
    configs.configs.map((c) => h('option', { value: c.name }, c.name)));
  if (!prefill.config && configs.configs.length === 0) {
    toast('Save a config in the Model tab first.', true);
    location.hash = '#/model';
    return;
  }
  const providerSelect = h('select', { name: 'provider' }, providers.providers.map((p) =>
    h('option', { value: p.id, selected: prefill.provider ? p.id === prefill.provider : p.is_default }, `${p.name}${p.configured ? '' : ' (not configured)'}`)));
  const hardwareSelect = h('select', { name: 'hardware_profile' });
  const runName = h('input', { name: 'tracker_run_name', placeholder: 'optional', value: prefill.runName || '' });
  const gpuCount = h('input', { name: 'gpu_count', type: 'number', min: '0', max: '1024', step: '1', placeholder: 'optional',
    inputmode: 'numeric' });
  const workerLabels = labelsEditor({ name: 'worker_labels', legend: 'Worker labels', valuePlaceholder: 'pattern, e.g. a100*',
    hint: 'A worker must have every label. Values are glob patterns: a100* matches a100-80g and a100-sxm4, ? any one character.' });
  const f = {
    config_name_to_load: field('Config', configSelect),
    provider: field('Provider', providerSelect),
    hardware_profile: field('Hardware', hardwareSelect),
    tracker_run_name: field('Run name', runName, 'Shown in the job list and passed to your tracker.'),
    gpu_count: field('GPUs', gpuCount, "The GPUs a worker must have. Empty: the config's --num_processes, else any."),
    worker_labels: workerLabels,
  };
  const workerBox = h('fieldset.worker-choice#worker-choice', { hidden: true },
    h('legend', {}, 'Which worker'), workerLabels.wrap, f.gpu_count.wrap);
  const summary = h('div', { 'aria-live': 'polite' });
  const plan = h('div#delivery-plan', { 'aria-live': 'polite' });
  const formError = h('div.form-error', { role: 'alert' });
  const submit = h('button.primary#submit-job', { type: 'submit' }, 'Submit');
  const dialog = h('dialog#submit-dialog', { 'aria-labelledby': 'submit-title' },
    h('form', { method: 'dialog', onsubmit: onSubmit },
      h('header', {}, h('h2#submit-title', {}, 'Train in Cloud')),
      h('div.body', {}, h('div.grid2', {}, f.config_name_to_load.wrap, f.provider.wrap, f.hardware_profile.wrap,
        f.tracker_run_name.wrap), workerBox, h('h3', {}, 'Where the model goes'), plan, h('h3', {}, 'Upload summary'), summary, formError),
      h('footer', {}, h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'), submit)));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);

  function provider() { return providers.providers.find((p) => p.id === providerSelect.value); }

  function fillHardware() {
    const p = provider();
    clear(hardwareSelect, (p?.hardware || []).map((hw) => h('option', {
      value: hw.id, selected: hw.id === (prefill.hardware || p.settings.hardware_profile),
    }, `${hw.name} — ${money(hw.cost_per_hour)}/h`)));
    hardwareSelect.disabled = !(p?.hardware || []).length || p.job_type === 'local';
    workerBox.hidden = providerSelect.value !== WORKERS;
  }

  /** The submission; for workers with the labels and GPU count (read() shows a bad label row and throws). */
  function body(forSubmit) {
    const b = { tracker_run_name: runName.value || undefined };
    if (forSubmit && providerSelect.value === WORKERS) {
      const labels = workerLabels.read();
      if (Object.keys(labels).length) b.worker_labels = labels;
      if (gpuCount.value !== '') b.gpu_count = Number(gpuCount.value);
    }
    if (hardwareSelect.value && !hardwareSelect.disabled) b.hardware_profile = hardwareSelect.value;
    if (configSelect.value) b.config_name_to_load = configSelect.value;
    else { b.config = prefill.config; b.dataloader_config = prefill.dataloader; }
    return b;
  }

  let check = 0;
  async function review() {
    const mine = ++check;
    clear(summary, h('p.muted', {}, 'Checking datasets…'));
    try {
      const s = await post(`/api/cloud/jobs/upload-summary?provider=${encodeURIComponent(providerSelect.value)}`, body());
      if (mine !== check) return;
      const rows = s.datasets.map((d) => h('tr', {}, h('td', {}, d.id), h('td.num', {}, d.file_count),
        h('td.num', {}, bytes(d.total_bytes)), h('td', {}, [...d.errors, ...d.warnings].join(' ') || 'OK')));
      clear(summary,
        s.note ? h('div.notice', {}, s.note) : null,
        rows.length ? h('table#upload-summary', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Dataset'), h('th', {}, 'Files'),
          h('th', {}, 'Size'), h('th', {}, 'Notes'))), h('tbody', {}, rows)) : h('p.muted', {}, 'No local datasets to upload.'),
        s.requires_upload ? h('p.muted', {}, `About ${bytes(s.archive_estimate_bytes)} will be uploaded` +
          (s.upload_limit_bytes ? ` (limit ${bytes(s.upload_limit_bytes)}).` : '.')) : null,
        s.estimate?.estimated_cost_usd != null ? h('div.notice.ok#estimate', {},
          `Estimated cost: ${money(s.estimate.estimated_cost_usd)} (${s.estimate.basis}).`) : null,
        s.errors.map((e) => h('div.notice.bad', {}, e)),
        s.warnings.map((w) => h('div.notice.warn', {}, w)));
      renderPlan(s.delivery_plan);
      submit.disabled = s.errors.length > 0;
    } catch (e) {
      if (mine === check) { clear(summary, h('div.notice.bad', {}, e.message)); clear(plan); }
    }
  }

  /** The server's dry run of the delivery plan: each target, and what is missing before submit. */
  function renderPlan(p) {
    if (!p) { clear(plan); return; }
    const targets = p.targets || [];
    const home = targets.some((t) => t.target === 'local');
    clear(plan,
      h('ul.plan-list', {},
        p.runs_here ? h('li', { dataset: { plan: 'folder' } }, h('strong', {}, 'This machine'),
          h('span.muted', {}, '— the model stays in the job\'s output folder')) : null,
        targets.map((t) => h('li', { dataset: { plan: t.target } }, h('strong', {}, t.name || t.target),
          h('span', { class: `chip ${t.status}` }, t.mode === 'trainer' ? 'by the trainer' : 'by this server'),
          t.destination ? h('span.mono.muted', {}, t.destination) : t.target === 'local' && !p.runs_here
            ? h('span.muted', {}, 'files come back to this machine') : null)),
        !p.runs_here && !targets.length && !p.problem ? h('li.muted', { dataset: { plan: 'none' } },
          'Nowhere: the model stays with the provider. ', h('a', { href: '#/publishing', onclick: () => dialog.close() },
            'Set up delivery')) : null),
      p.problem ? h('div.notice.bad#plan-problem', {}, p.problem) : null,
      !p.runs_here && !p.public_url_set ? h('div.notice.warn#plan-no-url', {}, 'No public URL is set: this job cannot '
        + 'report steps, loss or logs, and its files cannot come back to this machine. Set the Webhook URL in Settings (the gear).')
        : null,
      !p.runs_here && p.public_url_set && home ? h('p.muted', {}, 'Files come back through the public URL.') : null,
      (p.warnings || []).map((w) => h('div.notice.warn', {}, w)));
  }

  async function onSubmit(e) {
    e.preventDefault();
    Object.values(f).forEach((x) => { x.error.textContent = ''; });
    formError.textContent = '';
    let submission;
    try { submission = body(true); } catch { return; }
    submit.disabled = true;
    try {
      const r = await post(`/api/cloud/jobs/submit?provider=${encodeURIComponent(providerSelect.value)}`, submission);
      dialog.close();
      toast(r.idempotent_hit ? 'That job was already submitted.' : `Submitted (${r.status}).`);
      (r.warnings || []).slice(0, 2).forEach((w) => toast(w));
      location.hash = `#/job/${encodeURIComponent(r.job_id)}`;
    } catch (err) {
      const target = f[err.details?.field] || (err.details?.field === 'dataloader_config' ? null : null);
      (target ? target.error : formError).textContent = err.message;
      submit.disabled = false;
    }
  }

  providerSelect.addEventListener('change', () => { fillHardware(); review(); });
  configSelect.addEventListener('change', review);
  hardwareSelect.addEventListener('change', review);
  fillHardware();
  dialog.showModal();
  review();
}
