// "Train in Cloud": choose the config, provider and hardware, review the upload summary and the
// estimate, then submit. Server errors appear next to the field they are about.
// "Run again…" (prefill.parent: a job) opens it on the job's resolved config, editable, shows what
// differs from the job as it is edited, and submits through POST /api/cloud/jobs/{id}/clone.
import { get, post } from './api.js';
import { bytes, clear, field, h, money, toast } from './dom.js';
import { labelsEditor } from './labels-editor.js';
import { changesTable, diffConfigs, overridesFor } from './changes.js';

// The fleet's provider: its jobs choose a worker by labels and GPU count (refused for any other provider).
const WORKERS = 'worker';

export async function openSubmit(prefill = {}) {
  const parent = prefill.parent || null;
  if (parent) {
    Object.assign(prefill, { config: parent.config, dataloader: parent.dataloader_config, provider: parent.provider,
      hardware: parent.hardware_profile, runName: parent.tracker_run_name, configName: parent.config_name });
  }
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
  const configText = h('textarea.code#run-again-config', { name: 'config', rows: 10, spellcheck: 'false' });
  configText.value = JSON.stringify(prefill.config || {}, null, 2);
  const datasetsText = h('textarea.code#run-again-datasets', { name: 'dataloader_config', rows: 6, spellcheck: 'false' });
  datasetsText.value = JSON.stringify(prefill.dataloader || [], null, 2);
  const changes = h('div#clone-changes', { 'aria-live': 'polite' });
  const f = {
    config_name_to_load: field('Config', configSelect),
    config: field('Config (JSON)', configText, 'Trainer settings; a key removed here is removed from the run.'),
    dataloader_config: field('Datasets (JSON)', datasetsText, 'Entries by id: changed, added or removed.'),
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
      h('header', {}, h('h2#submit-title', {}, parent ? 'Run again' : 'Train in Cloud')),
      h('div.body', {}, h('div.grid2', {}, parent ? null : f.config_name_to_load.wrap, f.provider.wrap,
        f.hardware_profile.wrap, f.tracker_run_name.wrap), parent ? [f.config.wrap, f.dataloader_config.wrap,
        h('h3', {}, `Changes from job ${parent.job_id.slice(0, 8)}`), changes] : null,
      workerBox, h('h3', {}, 'Where the model goes'), plan, h('h3', {}, 'Upload summary'), summary, formError),
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
    // A clone keeps its parent's worker labels; the clone route takes no others.
    workerBox.hidden = providerSelect.value !== WORKERS || !!parent;
  }

  /** The edited JSON of a Run again… field, or an error next to it (thrown). */
  function parsed(name, text, kind) {
    f[name].error.textContent = '';
    let v;
    try { v = JSON.parse(text.value); } catch (e) { v = e; }
    if (v instanceof Error || (kind === 'array' ? !Array.isArray(v) : (!v || typeof v !== 'object' || Array.isArray(v)))) {
      f[name].error.textContent = `Not a JSON ${kind === 'array' ? 'list of datasets' : 'object'}.`;
      throw new Error(f[name].error.textContent);
    }
    return v;
  }

  /** What the run would change, as edited: settings, datasets, provider and hardware. */
  function showChanges() {
    let diff;
    try {
      diff = diffConfigs(parent.config, parent.dataloader_config, parsed('config', configText, 'object'),
        parsed('dataloader_config', datasetsText, 'array'));
    } catch { clear(changes, h('p.muted', {}, 'Fix the JSON above to see the changes.')); return; }
    const hardware = hardwareSelect.disabled ? parent.hardware_profile : hardwareSelect.value || null;
    clear(changes, changesTable(diff, { provider: { old: parent.provider, new: providerSelect.value },
      hardware_profile: { old: parent.hardware_profile ?? null, new: hardware ?? null } },
    { none: 'No changes: the job runs again as it was.' }));
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
    if (parent) {
      b.config = parsed('config', configText, 'object');
      b.dataloader_config = parsed('dataloader_config', datasetsText, 'array');
    } else if (configSelect.value) b.config_name_to_load = configSelect.value;
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
      const r = parent ? await post(`/api/cloud/jobs/${encodeURIComponent(parent.job_id)}/clone`, cloneBody(submission))
        : await post(`/api/cloud/jobs/submit?provider=${encodeURIComponent(providerSelect.value)}`, submission);
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

  /** The clone's overrides: only what differs from the parent. */
  function cloneBody(submission) {
    const b = overridesFor(parent.config, parent.dataloader_config, submission.config, submission.dataloader_config);
    if (providerSelect.value !== parent.provider) b.provider = providerSelect.value;
    if (submission.hardware_profile) b.hardware = submission.hardware_profile;
    if (submission.tracker_run_name) b.tracker_run_name = submission.tracker_run_name;
    return b;
  }

  if (parent) {
    let typing = null;
    [configText, datasetsText].forEach((t) => t.addEventListener('input', () => {
      showChanges();
      clearTimeout(typing);
      typing = setTimeout(review, 600); // the datasets are scanned again once typing stops
    }));
    providerSelect.addEventListener('change', showChanges);
    hardwareSelect.addEventListener('change', showChanges);
  }
  providerSelect.addEventListener('change', () => { fillHardware(); review(); });
  configSelect.addEventListener('change', review);
  hardwareSelect.addEventListener('change', review);
  fillHardware();
  if (parent) showChanges();
  dialog.showModal();
  review();
}
