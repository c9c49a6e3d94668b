// Key/value rows for worker labels: the labels a worker is created with, and the ones a job asks for.
import { h } from './dom.js';

/**
 * labelsEditor({ name, legend, valuePlaceholder, hint }) -> { wrap, error, read() }. read() returns
 * the labels as an object, or shows at the editor which row is incomplete and throws.
 */
export function labelsEditor({ name, legend = 'Labels', valuePlaceholder = 'value', hint } = {}) {
  const rows = h('div.label-rows');
  const error = h('div.error', { 'aria-live': 'polite' });
  const hintId = `${name}-hint`;
  const add = h('button.link-button', { type: 'button', dataset: { addLabel: name }, onclick: () => addRow('', '', true) },
    '+ Add label');
  const wrap = h('fieldset.field.labels-editor', { dataset: { labels: name }, 'aria-describedby': hint ? hintId : null },
    h('legend', {}, legend), rows, add, hint ? h('div.hint', { id: hintId }, hint) : null, error);

  function addRow(key, value, focus) {
    const n = rows.children.length + 1;
    const keyInput = h('input.label-key', { 'aria-label': `Label ${n} name`, placeholder: 'name, e.g. gpu_type', value: key,
      autocomplete: 'off', spellcheck: 'false' });
    const valueInput = h('input.label-value', { 'aria-label': `Label ${n} value`, placeholder: valuePlaceholder, value,
      autocomplete: 'off', spellcheck: 'false' });
    const row = h('div.label-row', {}, keyInput, valueInput,
      h('button.icon-button', { type: 'button', 'aria-label': `Remove label ${n}`, title: 'Remove',
        onclick: () => { row.remove(); add.focus(); } }, '×'));
    rows.append(row);
    if (focus) keyInput.focus();
  }

  function read() {
    error.textContent = '';
    const labels = Object.create(null); // a label may be called "constructor" or "__proto__"
    for (const row of rows.children) {
      const key = row.querySelector('.label-key').value.trim();
      const value = row.querySelector('.label-value').value.trim();
      if (!key && !value) continue; // an empty row is no label
      const problem = !key ? `The label with value "${value}" needs a name.`
        : !value ? `The label ${key} needs a value.` : Object.hasOwn(labels, key) ? `The label ${key} is there twice.` : null;
      if (problem) {
        error.textContent = problem;
        (key ? row.querySelector('.label-value') : row.querySelector('.label-key')).focus();
        throw new Error(problem);
      }
      labels[key] = value;
    }
    return labels;
  }

  addRow('', '', false);
  return { wrap, error, read };
}
