// The gear: provider credentials, public URL, network, cost limit, hardware prices and API keys (delivery: Publishing tab).
import { del, get, post, put } from './api.js';
import { clear, field, h, money, toast, when } from './dom.js';
import { can, session } from './store.js';
import { specForm } from './settings-form.js';
import { networkPanel } from './network-settings.js';
import { scopeText } from './scopes.js';
import { notificationsPanel } from './notification-settings.js';

export async function openSettings() {
  const { providers } = await get('/api/cloud/providers');
  const providerSelect = h('select#settings-provider', {}, providers.map((p) => h('option', { value: p.id,
    selected: p.is_default }, p.name)));
  const providerBox = h('div');
  const keysBox = h('div');
  const notifyBox = h('div');
  const dialog = h('dialog#settings-dialog', { 'aria-labelledby': 'settings-title' },
    h('header', {}, h('h2#settings-title', {}, 'Settings'), h('div.spacer'),
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Close')),
    h('div.body', {}, h('div.field', {}, h('label', { for: 'settings-provider' }, 'Provider'), providerSelect),
      providerBox,
      h('section.panel', {}, h('h2', {}, 'Model delivery'), h('p.muted#delivery-settings-link', {},
        'Where finished models go (each delivery target and its settings) is set in the ',
        h('a', { href: '#/publishing', onclick: () => dialog.close() }, 'Publishing tab'), '.')),
      keysBox, notifyBox));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  providerSelect.addEventListener('change', () => drawProvider(providerSelect.value));
  drawProvider(providerSelect.value);
  drawKeys();
  notificationsPanel(notifyBox).catch(() => {});
  dialog.showModal();

  async function drawProvider(id) {
    const p = await get(`/api/cloud/providers/${id}`);
    const editable = can('settings.edit');
    // The provider's own settings, drawn from what its plugin declares (its token among them).
    const account = specForm(`/api/cloud/providers/${encodeURIComponent(id)}`, `provider-${id}`,
      { validateId: 'validate-provider', validate: p.job_type === 'cloud' });
    const webhook = h('input#webhook-url', { type: 'url', placeholder: 'https://abc123.ngrok.io', value: p.settings.webhook_url || '' });
    const webhookResult = h('div', { 'aria-live': 'polite' });
    const limitEnabled = h('input', { type: 'checkbox', checked: p.settings.cost_limit_enabled === 'true' });
    const limitAmount = h('input', { type: 'number', min: '0', step: '0.01', value: p.settings.cost_limit_amount || '' });
    const limitPeriod = h('select', {}, ['daily', 'weekly', 'monthly'].map((x) => h('option', { value: x,
      selected: x === (p.settings.cost_limit_period || 'monthly') }, x)));
    const limitAction = h('select', {}, ['warn', 'block'].map((x) => h('option', { value: x,
      selected: x === (p.settings.cost_limit_action || 'warn') }, x)));
    const network = p.job_type === 'cloud' ? await networkPanel(id, editable, () => drawProvider(id)) : null;
    const limitStatus = h('div');
    const loadLimit = () => get(`/api/cloud/metrics/cost-limit?provider=${id}`).then((s) => clear(limitStatus,
      h('div', { class: `notice ${s.is_exceeded ? 'bad' : s.is_warning ? 'warn' : ''}` }, s.message))).catch(() => {});
    const saveSettings = async (changes, what) => {
      try {
        await put(`/api/cloud/providers/${id}`, changes);
        toast(`${what} saved`);
        drawProvider(id);
      } catch (e) { toast(e.message, true); }
    };
    // This machine has no account to sign in to: its panel shows only what it declares, without Validate.
    const hasAccount = p.job_type === 'cloud';
    clear(providerBox,
      hasAccount || (p.setting_specs || []).length
        ? h('section.panel#provider-settings', {}, h('h2', {}, hasAccount ? `${p.name} account` : `${p.name} settings`), account.box)
        : null,
      p.job_type === 'cloud' ? h('section.panel', {}, h('h2', {}, 'Webhook URL'),
        h('p.muted', {}, 'The public (tunnel) URL of this server, e.g. from ngrok or cloudflared. Cloud jobs report progress and send models here.'),
        h('div.row', {}, field('Public URL', webhook).wrap,
          h('button', { type: 'button', disabled: !editable, onclick: () => saveSettings({ webhook_url: webhook.value || null }, 'Webhook URL') }, 'Save'),
          h('button#test-webhook', { type: 'button', disabled: !editable, onclick: async () => {
            clear(webhookResult, h('p.muted', {}, 'Calling this server through the URL…'));
            const r = await post(`/api/cloud/providers/${id}/test-webhook`, webhook.value ? { webhook_url: webhook.value } : {});
            clear(webhookResult, r.success ? h('div.notice.ok', {}, `Reached this server in ${r.latency_ms} ms.`)
              : h('div.notice.bad', {}, r.error));
          } }, 'Test')), webhookResult) : null,
      network,
      h('section.panel', {}, h('h2', {}, 'Cost limit'), limitStatus,
        h('div.grid2', {}, field('Enabled', limitEnabled).wrap, field('Amount (USD)', limitAmount).wrap,
          field('Period (rolling)', limitPeriod).wrap, field('When reached', limitAction).wrap),
        h('button', { type: 'button', disabled: !editable, onclick: () => saveSettings({ cost_limit_enabled: limitEnabled.checked,
          cost_limit_amount: limitAmount.value ? parseFloat(limitAmount.value) : 0, cost_limit_period: limitPeriod.value,
          cost_limit_action: limitAction.value }, 'Cost limit') }, 'Save cost limit')),
      h('section.panel', {}, h('h2', {}, 'Hardware'), h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'GPU'),
        h('th', {}, 'Profile'), h('th', {}, 'Per hour'))), h('tbody', {}, (p.hardware || []).map((hw) => h('tr', {},
        h('td', {}, hw.name), h('td.mono', {}, hw.id), h('td.num', {}, money(hw.cost_per_hour))))))));
    loadLimit();
  }

  async function drawKeys() {
    if (session.singleUser || !can('api_key.own')) {
      clear(keysBox, h('section.panel', {}, h('h2', {}, 'API keys'),
        h('p.muted', {}, session.singleUser ? 'API keys belong to accounts: create the admin account first.'
          : 'Your role cannot create API keys.')));
      return;
    }
    const { keys } = await get('/api/cloud/auth/api-keys');
    const name = h('input#key-name', { placeholder: 'ci-pipeline' });
    const days = h('input', { type: 'number', min: '1', max: '3650', value: '90' });
    const scopes = session.user.permissions.map((perm) => {
      const [text, help] = scopeText(perm);
      return h('label', { title: perm }, h('input', { type: 'checkbox', value: perm, checked: ['job.submit', 'job.view.own'].includes(perm) }),
        h('span', {}, text, help ? h('small', {}, help) : null));
    });
    const created = h('div', { 'aria-live': 'polite' });
    const rows = keys.map((k) => h('tr', {}, h('td', {}, k.name), h('td.mono', {}, `${k.key_prefix}…`),
      h('td', {}, k.scoped_permissions.map((x) => scopeText(x)[0]).join(', ') || 'All of yours'), h('td', {}, when(k.last_used_at)), h('td', {}, when(k.expires_at)),
      h('td', {}, k.is_active ? h('button.danger', { type: 'button', 'aria-label': `Revoke ${k.name}`, onclick: async () => {
        await del(`/api/cloud/auth/api-keys/${k.id}`); toast('Key revoked'); drawKeys();
      } }, 'Revoke') : h('span.muted', {}, 'revoked'))));
    clear(keysBox, h('section.panel', {}, h('h2', {}, 'API keys'),
      rows.length ? h('table#api-keys', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Key'),
        h('th', {}, 'Scopes'), h('th', {}, 'Last used'), h('th', {}, 'Expires'), h('th', {}, ''))), h('tbody', {}, rows))
        : h('p.muted', {}, 'No keys yet.'),
      h('h3', {}, 'Create a key'), h('div.grid2', {}, field('Name', name).wrap, field('Expires after (days)', days).wrap),
      h('fieldset.labels-editor#key-scopes', {}, h('legend', {}, 'Scopes'),
        h('p.muted', {}, 'What the key may do: a key never does more than your account can. Ticked by default: submit jobs and see your own.'),
        h('div.scope-list', {}, scopes)),
      h('button.primary#create-key', { type: 'button', onclick: async () => {
        try {
          const chosen = scopes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
          const r = await post('/api/cloud/auth/api-keys', { name: name.value || 'key', expires_days: parseInt(days.value, 10) || 90,
            scoped_permissions: chosen });
          const code = h('code#new-key', {}, r.key);
          await drawKeys();
          clear(created, h('div.secret-box', {}, code, h('button', { type: 'button', onclick: async () => {
            await navigator.clipboard.writeText(r.key).catch(() => {}); toast('Copied');
          } }, 'Copy')), h('p.muted', {}, 'This is the only time the full key is shown.'));
          keysBox.querySelector('section').append(created);
        } catch (e) { toast(e.message, true); }
      } }, 'Create key'), created));
  }
}
