// Small DOM helpers: build elements without innerHTML (no injection from job data), format values.

/** h('div.card#x', {onclick: f, 'aria-label': 'y'}, child, ...) */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...rest] = spec.split(/(?=[.#])/);
  const el = document.createElement(tag || 'div');
  for (const part of rest) {
    if (part.startsWith('.')) el.classList.add(part.slice(1));
    else if (part.startsWith('#')) el.id = part.slice(1);
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = !!value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function money(usd) {
  if (usd === null || usd === undefined) return '—';
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  const hrs = Math.floor(s / 3600), min = Math.floor((s % 3600) / 60), sec = s % 60;
  if (hrs) return `${hrs}h ${String(min).padStart(2, '0')}m`;
  if (min) return `${min}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "12 s ago", "3 min ago": for heartbeats, where the distance from now matters more than the time. */
export function ago(iso) {
  if (!iso) return 'never';
  const seconds = Math.round((Date.now() - new Date(iso)) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return when(iso);
}

export function label(status) {
  return { pending_approval: 'Awaiting approval' }[status] || (status.charAt(0).toUpperCase() + status.slice(1));
}

export function toast(message, bad = false) {
  const el = h('div.toast', { role: 'status' }, message);
  if (bad) el.classList.add('bad');
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), 5000);
}

/** A labelled form field; returns {wrap, input, error} so callers can show errors next to it. */
export function field(labelText, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const error = h('div.error', { 'aria-live': 'polite' });
  input.setAttribute('aria-describedby', `${id}-hint`);
  const wrap = h('div.field', {}, h('label', { for: id }, labelText), input,
    hint ? h('div.hint', { id: `${id}-hint` }, hint) : null, error);
  return { wrap, input, error };
}
