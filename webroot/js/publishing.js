// The Publishing tab's server-wide delivery settings: the Hugging Face account, the S3 bucket and
// the local download. They are saved with the delivery API (secrets encrypted on the server, shown
// masked), never in a config: only "Push to Hub" and the repository travel with the config.
import { get, put } from './api.js';
import { clear, field, h, toast } from './dom.js';
import { can } from './store.js';

const S3_MODES = {
  server: 'The trainer sends its files to this server, which uploads them to the bucket: your S3 keys never leave '
    + 'this machine (cloud jobs need the Webhook URL).',
  trainer: 'The trainer gets these S3 keys and uploads to the bucket itself: no Webhook URL needed, but the keys '
    + 'are sent to the training provider.',
};

/**
 * A form bound to one delivery target's settings. defs: [{name, label, kind, hint, options}] with
 * kind text | url | secret | bool | select | int. Only changed fields are sent; a secret only when
 * a new one was typed. Returns {panel parts, reload()}.
 */
function targetForm(targetId, defs, { saveLabel, saveId, validateId, onLoaded } = {}) {
  const box = h('div', { 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });
  const formError = h('div.form-error', { role: 'alert' });
  const editable = can('settings.edit');
  let target = null;
  let inputs = {};

  function sourceHint(spec) {
    const source = target.setting_sources?.[spec.name];
    if (!spec.api_writable) return `Set in the server's configuration${spec.env ? ` or with ${spec.env}` : ''}.`;
    if (source === 'env') return `Comes from ${spec.env} in the server's environment, which overrides what is saved here.`;
    if (source === 'file') return 'Comes from the server\'s config file unless saved here.';
    return null;
  }

  function control(def, spec) {
    const value = target.settings?.[def.name];
    const source = target.setting_sources?.[def.name];
    const disabled = !editable || !spec?.api_writable;
    const name = `${targetId}-${def.name}`;
    if (def.kind === 'bool') {
      return h('input', { type: 'checkbox', name, checked: value === 'true' || value === true, disabled });
    }
    if (def.kind === 'select') {
      return h('select', { name, disabled }, def.options.map((o) => h('option', { value: o, selected: o === (value ?? spec?.default) }, o)));
    }
    if (def.kind === 'secret') {
      const placeholder = source === 'env' ? `from ${spec.env}` : value ? `saved: ${value}` : 'not set';
      return h('input', { type: 'password', name, autocomplete: 'new-password', spellcheck: 'false', placeholder, disabled });
    }
    return h('input', { type: def.kind === 'url' ? 'url' : def.kind === 'int' ? 'number' : 'text', name,
      min: def.kind === 'int' ? '1' : undefined, step: def.kind === 'int' ? '1' : undefined,
      value: value ?? '', placeholder: def.placeholder, autocomplete: 'off', spellcheck: 'false', disabled });
  }

  function draw() {
    inputs = {};
    const specs = Object.fromEntries((target.setting_specs || []).map((s) => [s.name, s]));
    const fieldOf = (def) => {
      const spec = specs[def.name];
      if (!spec) return null;
      const el = control(def, spec);
      const hints = [typeof def.hint === 'function' ? def.hint(el) : def.hint, sourceHint(spec)].filter(Boolean);
      const f = field(def.label, el, hints.length ? hints.flatMap((x, i) => (i ? [' ', x] : [x])) : null);
      if (def.kind === 'bool') { // checkbox first, label beside it
        f.wrap.classList.add('check');
        f.wrap.prepend(el);
      }
      if (def.kind === 'secret' && editable && target.setting_sources?.[def.name] === 'saved') {
        f.wrap.append(h('button.link-button', { type: 'button', onclick: () => save({ [def.name]: null }, 'Saved secret removed') },
          'Remove the saved value'));
      }
      inputs[def.name] = { def, el, error: f.error, wrap: f.wrap };
      return f.wrap;
    };
    clear(box, h('div.grid2', {}, defs.filter((d) => !d.group).map(fieldOf)),
      defs.filter((d) => d.group).map((d) => h('details.more', {}, h('summary', {}, d.group),
        h('div.grid2', {}, d.defs.map(fieldOf)))),
      formError,
      h('div.row', {},
        editable ? h('button.primary', { type: 'button', id: saveId, onclick: () => save(changes()) }, saveLabel) : null,
        h('button', { type: 'button', id: validateId, onclick: validate }, 'Validate'),
        editable ? null : h('span.muted', {}, 'Your role can view these settings but not change them.')),
      result);
    onLoaded?.(target, inputs);
  }

  function current(def, el) {
    if (def.kind === 'bool') return el.checked;
    if (def.kind === 'int') return el.value === '' ? null : Number(el.value);
    return el.value.trim() === '' ? null : el.value.trim();
  }

  /** What differs from what the server showed; secrets only when something new was typed. */
  function changes() {
    const out = {};
    for (const [name, { def, el }] of Object.entries(inputs)) {
      if (el.disabled) continue;
      const now = current(def, el);
      if (def.kind === 'secret') {
        if (now !== null) out[name] = now;
        continue;
      }
      const before = target.settings?.[name] ?? null;
      if (def.kind === 'bool' ? now !== (before === 'true') : String(now ?? '') !== String(before ?? '')) out[name] = now;
    }
    return out;
  }

  async function save(body, message) {
    Object.values(inputs).forEach((i) => { i.error.textContent = ''; });
    formError.textContent = '';
    clear(result);
    if (!Object.keys(body).length) { toast('Nothing changed'); return; }
    try {
      target = await put(`/api/cloud/delivery/${encodeURIComponent(targetId)}`, body);
      draw(); // fresh inputs: typed secrets are gone from the page
      toast(message || `${target.name} settings saved`);
    } catch (e) {
      const at = inputs[e.details?.field];
      (at ? at.error : formError).textContent = e.message;
      if (at) at.el.focus();
    }
  }

  async function validate() {
    const dirty = Object.keys(changes()).length > 0;
    clear(result, h('p.muted', {}, 'Checking…'));
    try {
      const v = await get(`/api/cloud/delivery/${encodeURIComponent(targetId)}/validate`);
      clear(result, v.valid ? h('div.notice.ok', { dataset: { valid: 'true' } }, 'Works',
        v.username ? ` — signed in as ${v.username}` : '', '.')
        : h('div.notice.bad', { dataset: { valid: 'false' } }, v.error || 'Not valid.'),
      dirty ? h('p.muted', {}, 'Validate checks the saved settings: save your changes first.') : null);
    } catch (e) {
      clear(result, h('div.notice.bad', {}, e.message));
    }
  }

  async function reload() {
    try {
      target = await get(`/api/cloud/delivery/${encodeURIComponent(targetId)}`);
      draw();
    } catch (e) {
      clear(box, h('div.notice', {}, e.status === 404 ? `The ${targetId} delivery target is not installed on this server.`
        : e.message));
    }
  }

  reload();
  return { box };
}

/** The Hugging Face panel: the config's Push to Hub and repository, then the server's account settings. */
export function huggingFacePanel(pushField, repoField) {
  const warning = h('div.notice.warn', { hidden: true },
    'Your token leaves this machine: it is sent to the training provider and kept there while the job runs. '
    + 'Leave this off unless this server cannot receive the files (no Webhook URL).');
  const form = targetForm('huggingface', [
    { name: 'token', label: 'Access token', kind: 'secret', hint: 'A token with write permission, from huggingface.co/settings/tokens.' },
    { name: 'private', label: 'Create new repositories as private', kind: 'bool' },
    { name: 'token_to_provider', label: 'Let the trainer push with my token (the token leaves this machine)', kind: 'bool' },
  ], { saveLabel: 'Save Hugging Face settings', saveId: 'save-huggingface', validateId: 'validate-huggingface',
    onLoaded: (target, inputs) => {
      const box = inputs.token_to_provider;
      if (!box) return;
      box.wrap.append(warning);
      const sync = () => { warning.hidden = !box.el.checked; };
      box.el.addEventListener('change', sync);
      sync();
    } });
  return h('section.panel#publishing-huggingface', {}, h('h2', {}, 'Hugging Face Hub'),
    h('div.grid2', {}, pushField, repoField),
    h('p.muted', {}, 'Push to Hub and the repository are saved with the config above. When on, this server pushes '
      + 'the finished model to the repository, so the token stays on this machine.'),
    h('h3.sub', {}, 'Account (every job on this server)'), form.box);
}

/** The S3 panel: the global s3 target's settings. */
export function s3Panel() {
  const modeHint = h('span');
  const form = targetForm('s3', [
    { name: 'endpoint_url', label: 'Endpoint', kind: 'url', placeholder: 'https://s3.us-east-1.amazonaws.com',
      hint: 'Empty means AWS. MinIO, Backblaze B2, Cloudflare R2: their S3 endpoint.' },
    { name: 'bucket', label: 'Bucket', kind: 'text' },
    { name: 'region', label: 'Region', kind: 'text' },
    { name: 'prefix', label: 'Key prefix', kind: 'text', hint: 'Files go to <prefix><job id>/<path>.' },
    { name: 'access_key', label: 'Access key', kind: 'text' },
    { name: 'secret_key', label: 'Secret key', kind: 'secret' },
    { name: 'mode', label: 'Who uploads', kind: 'select', options: ['server', 'trainer'], hint: () => modeHint },
    { name: 'enabled', label: 'Deliver every completed job here', kind: 'bool' },
    { group: 'Advanced', defs: [
      { name: 'addressing', label: 'Addressing', kind: 'select', options: ['auto', 'path', 'virtual'],
        hint: 'auto: virtual-host style for amazonaws.com, path style otherwise.' },
      { name: 'multipart_threshold_mb', label: 'Multipart from (MiB)', kind: 'int' },
      { name: 'part_size_mb', label: 'Part size (MiB)', kind: 'int' },
      { name: 'parallel_parts', label: 'Parallel parts', kind: 'int' },
      { name: 'request_timeout_seconds', label: 'Request timeout (s)', kind: 'int' },
    ] },
  ], { saveLabel: 'Save S3 settings', saveId: 'save-s3', validateId: 'validate-s3',
    onLoaded: (target, inputs) => {
      const mode = inputs.mode?.el;
      if (!mode) return;
      const sync = () => { modeHint.textContent = S3_MODES[mode.value] || ''; };
      mode.addEventListener('change', sync);
      sync();
    } });
  return h('section.panel#publishing-s3', {}, h('h2', {}, 'S3-compatible storage'),
    h('p.muted', {}, 'AWS S3, MinIO, Backblaze B2, Cloudflare R2. Saved on this server (the secret encrypted), '
      + 'not in the config.'), form.box);
}

/** Download to this machine: needs the public (tunnel) URL for cloud jobs. */
export function localPanel() {
  const status = h('div');
  Promise.all([get('/api/cloud/providers/replicate').catch(() => null), get('/api/cloud/delivery/local').catch(() => null)])
    .then(([provider, local]) => {
      const url = provider?.settings?.webhook_url;
      const copyTo = local?.settings?.copy_to;
      clear(status,
        url ? h('div.notice.ok', {}, `Local download is on: cloud jobs send their model back through ${url}.`)
          : h('div.notice', {}, 'Local download needs a public URL (a tunnel such as ngrok or cloudflared). Set the '
            + 'Webhook URL in Settings.'),
        h('p.muted', {}, 'Received files are listed on the job\'s page, with download links',
          copyTo ? `, and copied to ${copyTo}` : '', '.'));
    });
  return h('section.panel#publishing-local', {}, h('h2', {}, 'Download to this machine'), status);
}
