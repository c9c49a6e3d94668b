// A settings form drawn from the settings a plugin declares (GET .../<id> answers setting_specs):
// every provider and delivery target, built in or third party, gets one without the UI knowing its
// settings. Secrets are password fields that are only sent when something new was typed; settings
// only the operator may change are shown read-only with where they come from.
import { get, put } from './api.js';
import { clear, field, h, toast } from './dom.js';
import { can } from './store.js';

/** "request_timeout_seconds" -> "Request timeout seconds". */
function labelOf(name) {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** How a spec is edited: secret | bool | select | int | number | url | text. */
function kindOf(spec) {
  if (spec.secret) return 'secret';
  if (spec.type === 'boolean') return 'bool';
  if (spec.choices?.length) return 'select';
  if (spec.type === 'integer') return 'int';
  if (spec.type === 'number') return 'number';
  return spec.type === 'url' ? 'url' : 'text';
}

/**
 * path: the plugin part's settings resource, e.g. /api/cloud/delivery/s3 (GET shows, PUT saves,
 * GET <path>/validate checks). prefix names the inputs (<prefix>-<setting>) and buttons
 * (save-<prefix>, validate-<prefix> unless validateId is given). Returns { box, reload() }.
 */
export function specForm(path, prefix, { saveLabel, validateId, onSaved, validate: canValidate = true, ownSave = true } = {}) {
  const box = h('div', { 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });
  const formError = h('div.form-error', { role: 'alert' });
  const editable = can('settings.edit');
  let part = null;
  let inputs = {};

  function sourceHint(spec) {
    const source = part.setting_sources?.[spec.name];
    if (!spec.api_writable) return `Set in the server's configuration${spec.env ? ` or with ${spec.env}` : ''}.`;
    if (source === 'env') return `Comes from ${spec.env} in the server's environment, which overrides what is saved here.`;
    if (source === 'file') return 'Comes from the server\'s config file unless saved here.';
    return null;
  }

  function control(spec, kind) {
    const value = part.settings?.[spec.name];
    const source = part.setting_sources?.[spec.name];
    const disabled = !editable || !spec.api_writable;
    const name = `${prefix}-${spec.name}`;
    if (kind === 'bool') return h('input', { type: 'checkbox', name, checked: value === 'true' || value === true, disabled });
    if (kind === 'select') {
      return h('select', { name, disabled }, spec.choices.map((o) => h('option', { value: o, selected: o === (value ?? spec.default) }, o)));
    }
    if (kind === 'secret') {
      const placeholder = source === 'env' ? `from ${spec.env}` : value ? `saved: ${value}` : 'not set';
      return h('input', { type: 'password', name, autocomplete: 'new-password', spellcheck: 'false', placeholder, disabled });
    }
    const numeric = kind === 'int' || kind === 'number';
    return h('input', { type: kind === 'url' ? 'url' : numeric ? 'number' : 'text', name,
      step: kind === 'int' ? '1' : kind === 'number' ? 'any' : undefined, value: value ?? '',
      placeholder: spec.default ?? '', autocomplete: 'off', spellcheck: 'false', disabled });
  }

  function fieldOf(spec) {
    const kind = kindOf(spec);
    const el = control(spec, kind);
    const hints = [spec.description, sourceHint(spec)].filter(Boolean);
    const f = field(`${labelOf(spec.name)}${spec.required ? ' (required)' : ''}`, el,
      hints.length ? hints.flatMap((x, i) => (i ? [' ', x] : [x])) : null);
    f.wrap.dataset.setting = spec.name;
    if (kind === 'bool') { // checkbox first, label beside it
      f.wrap.classList.add('check');
      f.wrap.prepend(el);
    }
    if (kind === 'secret' && editable && part.setting_sources?.[spec.name] === 'saved') {
      f.wrap.append(h('button.link-button', { type: 'button', onclick: () => save({ [spec.name]: null }, 'Saved secret removed') },
        'Remove the saved value'));
    }
    inputs[spec.name] = { kind, el, error: f.error };
    return f.wrap;
  }

  function draw() {
    inputs = {};
    const specs = part.setting_specs || [];
    clear(box, specs.length ? h('div.grid2', {}, specs.map(fieldOf)) : h('p.muted', {}, 'Nothing to set.'),
      formError,
      h('div.row', {},
        ownSave && editable && specs.some((s) => s.api_writable)
          ? h('button.primary', { type: 'button', id: `save-${prefix}`, onclick: () => save(changes()) },
            saveLabel || `Save ${part.name} settings`) : null,
        canValidate ? h('button', { type: 'button', id: validateId || `validate-${prefix}`, onclick: validate }, 'Validate') : null,
        editable ? null : h('span.muted', {}, 'Your role can view these settings but not change them.')),
      result);
  }

  function current(kind, el) {
    if (kind === 'bool') return el.checked;
    if (kind === 'int' || kind === 'number') return el.value === '' ? null : Number(el.value);
    return el.value.trim() === '' ? null : el.value.trim();
  }

  /** What differs from what the server showed; secrets only when something new was typed. */
  function changes() {
    const out = {};
    for (const [name, { kind, el }] of Object.entries(inputs)) {
      if (el.disabled) continue;
      const now = current(kind, el);
      if (kind === 'secret') {
        if (now !== null) out[name] = now;
        continue;
      }
      const before = part.settings?.[name] ?? null;
      const same = kind === 'bool' ? now === (before === 'true')
        : kind === 'number' && now !== null && before !== null ? now === Number(before)
          : String(now ?? '') === String(before ?? '');
      if (!same) out[name] = now;
    }
    return out;
  }

  async function save(body, message) {
    Object.values(inputs).forEach((i) => { i.error.textContent = ''; });
    formError.textContent = '';
    clear(result);
    if (!Object.keys(body).length) { toast('Nothing changed'); return; }
    try {
      part = await put(path, body);
      draw(); // fresh inputs: typed secrets are gone from the page
      toast(message || `${part.name} settings saved`);
      onSaved?.(part);
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
      const v = await get(`${path}/validate`);
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
      part = await get(path);
      draw();
    } catch (e) {
      clear(box, h('div.notice', {}, e.message));
    }
  }

  /** For a page with one Save for everything: saves what changed, resolves whether it all went in. */
  async function saveChanges() {
    const body = changes();
    if (!Object.keys(body).length) return { changed: false, ok: true };
    const before = part;
    await save(body, `${part.name} settings saved`);
    return { changed: true, ok: part !== before };
  }

  reload();
  return { box, reload, saveChanges, dirty: () => !!part && Object.keys(changes()).length > 0 };
}
