// Creating a worker, and the one look at a worker's token. The token lives only in the dialog that
// shows it: it is not kept in any variable, storage or URL after the dialog closes (the server keeps
// only its hash, so a lost token is replaced by rotating it).
import { post } from './api.js';
import { field, h, toast } from './dom.js';
import { labelsEditor } from './labels-editor.js';

/** Opens the "Create worker" form; calls created(worker) once the server made it (after the token is shown). */
export function openCreateWorker(created) {
  const name = h('input#worker-name', { name: 'name', required: true, maxlength: 200, autocomplete: 'off',
    placeholder: 'gpu-box-1' });
  const type = h('select#worker-type', { name: 'worker_type' },
    h('option', { value: 'persistent' }, 'Persistent: stays connected and waits for jobs'),
    h('option', { value: 'ephemeral' }, 'Ephemeral: leaves when no waiting job fits it'));
  const f = {
    name: field('Name', name, 'Shown in the worker list and on the jobs it runs.'),
    worker_type: field('Type', type, 'The command shown next starts its agent to match.'),
  };
  const labels = labelsEditor({ name: 'worker-labels', valuePlaceholder: 'value, e.g. a100-80g',
    hint: 'Jobs choose workers by these labels (e.g. gpu_type = a100-80g, team = nlp).' });
  const formError = h('div.form-error', { role: 'alert' });
  const submit = h('button.primary#create-worker-submit', { type: 'submit' }, 'Create worker');
  const dialog = h('dialog#worker-dialog', { 'aria-labelledby': 'worker-dialog-title' },
    h('form', { method: 'dialog', onsubmit },
      h('header', {}, h('h2#worker-dialog-title', {}, 'Create worker')),
      h('div.body', {}, h('div.grid2', {}, f.name.wrap, f.worker_type.wrap), labels.wrap, formError),
      h('footer', {}, h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'), submit)));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  name.focus();

  async function onsubmit(e) {
    e.preventDefault();
    Object.values(f).forEach((x) => { x.error.textContent = ''; });
    formError.textContent = '';
    let chosen;
    try { chosen = labels.read(); } catch { return; }
    submit.disabled = true;
    try {
      const r = await post('/api/admin/workers', { name: name.value.trim(), worker_type: type.value, labels: chosen });
      dialog.close();
      showToken(r, `Worker ${r.name || name.value.trim()} created`, type.value);
      created(r.worker);
    } catch (err) {
      const where = err.details?.field === 'labels' ? labels : f[err.details?.field];
      (where ? where.error : formError).textContent = err.message;
      submit.disabled = false;
    }
  }
}

/**
 * Shows a token and the agent's command, once. answer: {worker_id, token, connection_command};
 * workerType: the server's command has no --persistent, which a persistent worker's agent needs.
 */
export function showToken(answer, title, workerType) {
  const command = workerType === 'persistent' && !/\s--persistent\b/.test(answer.connection_command)
    ? `${answer.connection_command} --persistent` : answer.connection_command;
  const done = h('button.primary', { type: 'button', onclick: () => dialog.close() }, 'Done');
  const dialog = h('dialog#worker-token-dialog', { 'aria-labelledby': 'worker-token-title' },
    h('header', {}, h('h2#worker-token-title', {}, title)),
    h('div.body', {},
      h('div.notice.warn', { role: 'note' }, h('strong', {}, 'This token will not be shown again. '),
        'Copy it now: the server keeps only a hash of it. If it is lost, rotate the token.'),
      h('h3.sub', {}, 'Token'),
      secret('worker-token', answer.token, 'Copy token'),
      h('h3.sub', {}, 'Start the agent on the GPU machine'),
      h('p.muted', {}, 'With SimpleTuner installed there. The agent reconnects by itself after a restart of this server.'),
      secret('worker-command', command, 'Copy command')),
    h('footer', {}, done));
  // Removed on close, so the token is gone from the page as well.
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  done.focus();
}

function secret(id, text, copyLabel) {
  const code = h(`code#${id}`, {}, text);
  return h('div.secret-box', {}, code, h('button', { type: 'button', 'aria-label': copyLabel, onclick: async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast('Copied');
    } catch {
      // The clipboard API needs a secure context (https or localhost): select it for Ctrl+C instead.
      getSelection().selectAllChildren(code);
      toast('Selected: press Ctrl+C to copy.');
    }
  } }, 'Copy'));
}
