// Boot: who is signed in, then route by the URL hash to a view.
import { get, post, onUnauthorized } from './api.js';
import { clear, h } from './dom.js';
import { can, session } from './store.js';
import { renderJobs } from './jobs.js';
import { renderJobDetails } from './job-details.js';
import { renderConfigTab } from './configs.js';
import { renderWorkers } from './workers.js';
import { renderSweep } from './sweep.js';
import { renderVersionDiff } from './version-diff.js';
import { openSettings } from './settings.js';
import { renderLogin, renderSetup } from './auth.js';

const main = document.getElementById('main');
let leave = null;

async function whoAmI() {
  const check = await get('/api/auth/check').catch(() => ({ authenticated: false }));
  session.user = check.authenticated ? check.user : null;
  session.singleUser = !!session.user?.single_user_mode;
  document.getElementById('whoami').textContent = session.user && !session.singleUser ? session.user.username : '';
  document.getElementById('logout-button').hidden = !session.user || session.singleUser;
  document.querySelector('.tabs a[data-tab="workers"]').hidden = !can('workers.manage');
  const banner = document.getElementById('banner');
  clear(banner, session.singleUser ? [
    'Single-user mode: only this machine can use the server. ',
    h('a', { href: '#/setup' }, 'Create an admin account'), ' to sign in from elsewhere and to create API keys.',
  ] : []);
}

async function route() {
  if (leave) { leave(); leave = null; }
  const hash = location.hash || '#/jobs';
  const [, view, arg, ...rest] = hash.split('/');
  document.querySelectorAll('.tabs a').forEach((a) => {
    if (a.dataset.tab === (['job', 'sweep', 'diff'].includes(view) ? 'jobs' : view)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  // Sections and the gear mean nothing before signing in.
  document.body.classList.toggle('signed-out', view === 'login' || view === 'setup' || !session.user);
  if (view === 'login') { leave = renderLogin(main, () => start('#/jobs')); return; }
  if (view === 'setup') { leave = renderSetup(main, () => start('#/jobs')); return; }
  if (!session.user) { location.hash = '#/login'; return; }
  if (view === 'job' && arg) leave = renderJobDetails(main, decodeURIComponent(arg));
  else if (view === 'sweep' && arg) leave = renderSweep(main, decodeURIComponent(arg));
  else if (view === 'diff' && arg) leave = renderVersionDiff(main, decodeURIComponent(arg), rest[0], rest[1]);
  else if (['model', 'training', 'dataloader', 'publishing'].includes(view)) leave = renderConfigTab(main, view);
  else if (view === 'workers') leave = renderWorkers(main);
  else leave = renderJobs(main);
  window.scrollTo(0, 0);
  main.focus({ preventScroll: true });
}

async function start(target) {
  await whoAmI();
  if (!session.user && location.hash !== '#/setup') {
    const status = await get('/api/auth/setup/status').catch(() => ({ needs_setup: false }));
    if (status.needs_setup) { location.hash = '#/setup'; return; }
  }
  else if (target && location.hash !== target) { location.hash = target; return; }
  route();
}

onUnauthorized(() => {
  if (!location.hash.startsWith('#/login') && !location.hash.startsWith('#/setup')) {
    session.user = null;
    location.hash = '#/login';
  }
});

window.addEventListener('hashchange', route);
// Sticky things below the header (the Publishing tab's Save, scroll padding) need its height, which wraps on a phone.
const topbar = document.querySelector('.topbar');
new ResizeObserver(() => document.documentElement.style.setProperty('--topbar-h', `${topbar.offsetHeight}px`)).observe(topbar);
document.getElementById('settings-button').addEventListener('click', () => openSettings());
document.getElementById('logout-button').addEventListener('click', async () => {
  await post('/api/auth/logout').catch(() => {});
  session.user = null;
  await whoAmI();
  location.hash = '#/login';
});
start();
