// Login and first-run setup pages.
import { post } from './api.js';
import { clear, field, h } from './dom.js';

function form(main, title, intro, fields, submitLabel, submit) {
  const error = h('div.form-error', { role: 'alert' });
  const button = h('button.primary', { type: 'submit' }, submitLabel);
  const el = h('form.panel.auth-card', {
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      fields.forEach((f) => { f.error.textContent = ''; });
      button.disabled = true;
      try {
        await submit();
      } catch (err) {
        const target = fields.find((f) => f.input.name === err.details?.field);
        (target ? target.error : error).textContent = err.message;
      } finally {
        button.disabled = false;
      }
    },
  }, h('h1', {}, title), intro ? h('p.muted', {}, intro) : null, fields.map((f) => f.wrap), error,
  h('div.row', {}, h('div.spacer'), button));
  clear(main, el);
  fields[0].input.focus();
  return () => {};
}

export function renderLogin(main, done) {
  const username = field('Username or e-mail', h('input', { name: 'username', autocomplete: 'username', required: true }));
  const password = field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }));
  return form(main, 'Sign in', null, [username, password], 'Sign in', async () => {
    await post('/api/auth/login', { username: username.input.value, password: password.input.value });
    done();
  });
}

export function renderSetup(main, done) {
  const username = field('Admin username', h('input', { name: 'username', autocomplete: 'username', required: true }));
  const email = field('E-mail (optional)', h('input', { name: 'email', type: 'email', autocomplete: 'email' }));
  const password = field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
    'At least 8 characters.');
  return form(main, 'Create the admin account',
    'Until an account exists, only this machine can use the server. After this, everyone signs in.',
    [username, email, password], 'Create account', async () => {
      await post('/api/auth/setup/first-admin',
        { username: username.input.value, email: email.input.value || undefined, password: password.input.value });
      done();
    });
}
