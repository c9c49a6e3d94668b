// Model, Training, Dataloader and Publishing tabs: they edit one named config (saved with the configs API).
import { get } from './api.js';
import { clear, field, h, toast } from './dom.js';
import { can, editor } from './store.js';
import { deliveryPanels, homePanel } from './publishing.js';

const FAMILIES = ['flux', 'sdxl', 'sd3', 'sd2x', 'sd1x', 'pixart_sigma', 'kolors', 'auraflow', 'hidream', 'qwen_image',
  'wan', 'ltxvideo', 'cosmos2image', 'lumina2', 'omnigen', 'sana', 'chroma'];

/** Config keys each tab edits: [key, label, kind, options/hint]. */
const TABS = {
  model: { title: 'Model', fields: [
    ['--model_family', 'Model family', 'select', FAMILIES],
    ['--model_type', 'Model type', 'select', ['lora', 'full']],
    ['--pretrained_model_name_or_path', 'Base model', 'text', 'Hugging Face id or local path, e.g. black-forest-labs/FLUX.1-dev'],
    ['--output_dir', 'Output directory', 'text', 'Where the trainer writes checkpoints'],
  ] },
  training: { title: 'Training', fields: [
    ['--max_train_steps', 'Max steps', 'int', 'Total optimisation steps'],
    ['--lora_rank', 'LoRA rank', 'int', 'For LoRA training, e.g. 16'],
    ['--learning_rate', 'Learning rate', 'number', 'e.g. 0.0001'],
    ['--train_batch_size', 'Batch size', 'int', ''],
    ['--seed', 'Seed', 'int', ''],
  ] },
};

export function renderConfigTab(main, tab) {
  const body = h('div');
  const status = h('span.muted#config-state', { 'aria-live': 'polite' });
  const picker = h('select#config-picker', { 'aria-label': 'Config to edit' });
  const nameInput = h('input#config-name', { placeholder: 'my-training-config', value: editor.name });
  const nameField = field('Config name', nameInput, 'Letters, digits, spaces, . _ -');
  const publishing = tab === 'publishing';
  // The Publishing tab has one Save: the server's delivery settings and (when named) this config.
  const saveButton = h('button.primary#save-config', { type: 'button', onclick: publishing ? savePublishing : save,
    disabled: !can('config.edit') && !(publishing && can('settings.edit')) }, publishing ? 'Save' : 'Save config');
  // The saved config's versions, side by side (#/diff): what changed between two saves.
  const history = h('a#config-history', { hidden: true }, 'Versions');
  let targets = null;
  const errors = {};

  clear(main,
    h('h1', {}, tab === 'publishing' ? 'Publishing' : TABS[tab]?.title || 'Dataloader'),
    h('div.panel', { class: publishing ? 'panel sticky-save' : 'panel' }, h('div.row', {}, h('div.field', {}, h('label', { for: 'config-picker' }, 'Edit config'), picker),
      nameField.wrap, h('div.spacer'), history, status, saveButton)),
    body);

  async function fillPicker() {
    const { configs } = await get('/api/configs').catch(() => ({ configs: [] }));
    clear(picker, h('option', { value: '' }, 'New config…'),
      configs.map((c) => h('option', { value: c.name, selected: c.name === editor.name }, c.name)));
    syncHistory();
  }

  function syncHistory() {
    history.hidden = !picker.value;
    if (picker.value) history.href = `#/diff/${encodeURIComponent(picker.value)}`;
  }
  picker.addEventListener('change', async () => {
    if (editor.dirty && !confirm('Discard unsaved changes?')) { picker.value = editor.name; return; }
    if (picker.value) await editor.load(picker.value);
    else Object.assign(editor, { name: '', description: '', config: {}, dataloader: [], dirty: false });
    nameInput.value = editor.name;
    syncHistory();
    draw();
  });
  nameInput.addEventListener('input', () => { editor.name = nameInput.value.trim(); editor.changed(); });

  function setKey(key, value) {
    if (value === '' || value === null || value === undefined || Number.isNaN(value)) delete editor.config[key];
    else editor.config[key] = value;
    editor.changed();
  }

  function input(key, kind, options) {
    const value = editor.config[key];
    let el;
    if (kind === 'select') {
      el = h('select', { name: key }, h('option', { value: '' }, '—'),
        options.map((o) => h('option', { value: o, selected: o === value }, o)));
    } else if (kind === 'bool') {
      el = h('input', { type: 'checkbox', name: key, checked: !!value });
      el.addEventListener('change', () => setKey(key, el.checked || undefined));
      return el;
    } else {
      el = h('input', { name: key, type: kind === 'text' ? 'text' : 'number', step: kind === 'int' ? '1' : 'any',
        min: kind === 'text' ? undefined : '0', value: value ?? '' });
    }
    el.addEventListener('change', () => setKey(key, kind === 'int' ? parseInt(el.value, 10)
      : kind === 'number' ? parseFloat(el.value) : el.value.trim()));
    return el;
  }

  function drawFields(defs) {
    return h('div.panel', {}, h('div.grid2', {}, defs.map(([key, labelText, kind, extra]) => {
      const f = field(labelText, input(key, kind, extra), kind === 'select' ? null : extra);
      errors[key] = f.error;
      return f.wrap;
    })));
  }

  function drawDataloader() {
    const cards = editor.dataloader.map((d, i) => {
      const set = (k, v) => { if (v === '' || v === undefined) delete d[k]; else d[k] = v; editor.changed(); };
      const text = (k, labelText, hint) => {
        const el = h('input', { name: `dataset-${i}-${k}`, value: d[k] ?? '' });
        el.addEventListener('change', () => set(k, el.value.trim()));
        const f = field(labelText, el, hint);
        errors[`dataloader_config[${i}].${k}`] = f.error;
        return f.wrap;
      };
      const choice = (k, labelText, options) => {
        const el = h('select', { name: `dataset-${i}-${k}` }, options.map((o) => h('option', { value: o, selected: (d[k] ?? options[0]) === o }, o)));
        el.addEventListener('change', () => set(k, el.value));
        if (d[k] === undefined) d[k] = options[0];
        return field(labelText, el).wrap;
      };
      const res = h('input', { type: 'number', min: '64', step: '64', name: `dataset-${i}-resolution`, value: d.resolution ?? '' });
      res.addEventListener('change', () => set('resolution', res.value ? parseInt(res.value, 10) : undefined));
      return h('div.dataset', {}, h('div.grid2', {},
        text('id', 'Dataset id'), choice('type', 'Type', ['local', 'aws', 'csv', 'huggingface']),
        choice('dataset_type', 'Dataset type', ['image', 'video', 'conditioning']),
        text('instance_data_dir', 'Directory', 'Folder with the images (and caption files)'),
        choice('caption_strategy', 'Caption strategy', ['textfile', 'filename', 'instanceprompt', 'parquet']),
        field('Resolution', res).wrap),
      h('div.row', {}, h('div.spacer'), h('button.danger', { type: 'button', onclick: () => {
        editor.dataloader.splice(i, 1); editor.changed(); draw();
      } }, 'Remove dataset')));
    });
    return h('div.panel', {}, h('h2', {}, 'Datasets'),
      cards.length ? cards : h('div.empty', {}, h('strong', {}, 'No datasets'), 'Add the folder your images are in.'),
      h('button#add-dataset', { type: 'button', onclick: () => {
        editor.dataloader.push({ id: `dataset-${editor.dataloader.length + 1}`, type: 'local', dataset_type: 'image',
          caption_strategy: 'textfile', resolution: 1024 });
        editor.changed(); draw();
      } }, 'Add dataset'));
  }

  function drawPublishing() {
    // S3 and the Hugging Face token are server settings (secrets never live in a config).
    const legacy = editor.config['--publishing_config'] !== undefined;
    const push = field('Push to Hub', input('--push_to_hub', 'bool'));
    const repo = field('Repository', input('--hub_model_id', 'text'), 'e.g. your-name/flux-lora');
    errors['--push_to_hub'] = push.error;
    errors['--hub_model_id'] = repo.error;
    return [
      legacy ? h('div.notice.warn#legacy-publishing', {}, 'This config still carries a --publishing_config, which may hold '
        + 'storage credentials. S3 settings now live on the server (below). ',
      h('button.link-button', { type: 'button', onclick: () => { setKey('--publishing_config', undefined); draw(); } },
        'Remove it from the config'), ' (then save the config).') : null,
      h('section.panel#publishing-config', {}, h('h2', {}, 'Trainer publishing (this config)'),
        h('div.grid2', {}, push.wrap, repo.wrap),
        h('p.muted', {}, 'Push to Hub and the repository are saved with the config. When on, the model goes to the '
          + 'repository through the delivery target that serves Push to Hub, set up below.')),
      homePanel(),
      (targets = deliveryPanels()).box];
  }

  function draw() {
    Object.keys(errors).forEach((k) => delete errors[k]);
    if (tab === 'dataloader') clear(body, drawDataloader());
    else if (tab === 'publishing') clear(body, drawPublishing());
    else clear(body, drawFields(TABS[tab].fields));
    status.textContent = editor.dirty ? 'Unsaved changes' : editor.name ? 'Saved' : '';
  }

  function validate() {
    const problems = {};
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,199}$/.test(editor.name)) problems.name = 'Give the config a name (letters, digits, spaces, . _ -).';
    const steps = editor.config['--max_train_steps'];
    if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) problems['--max_train_steps'] = 'A whole number above 0.';
    const rank = editor.config['--lora_rank'];
    if (rank !== undefined && !(Number.isInteger(rank) && rank > 0)) problems['--lora_rank'] = 'A whole number above 0.';
    if (editor.config['--push_to_hub'] && !editor.config['--hub_model_id']) {
      problems['--hub_model_id'] = 'Push to Hub needs a repository, e.g. your-name/flux-lora.';
    }
    const ids = new Set();
    editor.dataloader.forEach((d, i) => {
      if (!d.id) problems[`dataloader_config[${i}].id`] = 'Every dataset needs an id.';
      else if (ids.has(d.id)) problems[`dataloader_config[${i}].id`] = 'Ids must differ.';
      ids.add(d.id);
      if (d.type === 'local' && !d.instance_data_dir) problems[`dataloader_config[${i}].instance_data_dir`] = 'Where are the images?';
    });
    return problems;
  }

  async function save() {
    Object.values(errors).forEach((e) => { e.textContent = ''; });
    nameField.error.textContent = '';
    const problems = validate();
    if (Object.keys(problems).length) {
      Object.entries(problems).forEach(([k, msg]) => { (k === 'name' ? nameField.error : errors[k])?.append(msg); });
      const hidden = Object.keys(problems).filter((k) => k !== 'name' && !errors[k]);
      if (hidden.length) toast(`Fix the other tabs too: ${hidden.map((k) => problems[k]).join(' ')}`, true);
      return;
    }
    try {
      await editor.save();
      toast(`Saved ${editor.name}`);
      status.textContent = 'Saved';
      fillPicker();
    } catch (e) {
      const key = (e.details?.field || '').replace(/^config\./, '');
      (errors[key] || nameField.error).textContent = e.message;
    }
  }

  async function savePublishing() {
    const results = targets ? await targets.saveAll() : [];
    const configToo = !!editor.name || editor.dirty;
    if (configToo) await save();
    else if (!results.some((r) => r.changed)) toast('Nothing changed');
  }

  const onChange = () => { status.textContent = editor.dirty ? 'Unsaved changes' : 'Saved'; };
  editor.listeners.add(onChange);
  fillPicker();
  draw();
  return () => editor.listeners.delete(onChange);
}
