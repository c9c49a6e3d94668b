// Settings, Notifications: channels (signed webhook, Slack, e-mail), the user's own preferences and the
// delivery history, over /api/cloud/notifications/*. Secrets are typed in, never shown back.
import { del, get, post } from './api.js';
import { clear, field, h, toast, when } from './dom.js';
import { can } from './store.js';

const TYPES = { webhook: 'Signed webhook', slack: 'Slack', email: 'E-mail (SMTP)' };

/** Draws the Notifications section into box (and again after each change). */
export async function notificationsPanel(box) {
  const manage = can('notifications.manage');
  const [{ channels }, { event_types: events }, { preferences }, { entries }] = await Promise.all([
    get('/api/cloud/notifications/channels'), get('/api/cloud/notifications/events'),
    get('/api/cloud/notifications/preferences'), get('/api/cloud/notifications/history?limit=20')]);
  const redraw = () => notificationsPanel(box).catch((e) => toast(e.message, true));
  const made = h('div#notify-made', { 'aria-live': 'polite' });
  const testResult = h('div', { 'aria-live': 'polite' });
  const channelName = (id) => (channels.find((c) => c.id === id) || { name: `#${id}` }).name;

  const channelRows = channels.map((c) => h('tr', {}, h('td', {}, c.name), h('td', {}, TYPES[c.channel_type] || c.channel_type),
    h('td.mono', {}, c.smtp_host ? `${c.smtp_host}:${c.smtp_port}` : c.webhook_url || ''),
    h('td', {}, c.is_enabled ? 'on' : 'off'),
    h('td', {}, manage ? [
      h('button', { type: 'button', 'aria-label': `Test ${c.name}`, onclick: async () => {
        clear(testResult, h('p.muted', {}, `Sending a test to ${c.name}…`));
        const r = await post(`/api/cloud/notifications/channels/${c.id}/test`);
        clear(testResult, r.success ? h('div.notice.ok', {}, `${c.name}: delivered in ${Math.round(r.latency_ms)} ms.`)
          : h('div.notice.bad', {}, `${c.name}: ${r.error}`));
        redraw();
      } }, 'Test'),
      h('button.danger', { type: 'button', 'aria-label': `Delete ${c.name}`, onclick: async () => {
        if (!confirm(`Delete the channel ${c.name} and everyone's preferences for it?`)) return;
        await del(`/api/cloud/notifications/channels/${c.id}`); toast('Channel deleted'); redraw();
      } }, 'Delete')] : null)));

  const prefRows = preferences.map((p) => h('tr', {}, h('td.mono', {}, p.event_type), h('td', {}, channelName(p.channel_id)),
    h('td', {}, p.min_severity), h('td', {}, h('button.danger', { type: 'button', 'aria-label': `Remove ${p.event_type}`,
      onclick: async () => { await del(`/api/cloud/notifications/preferences/${p.id}`); redraw(); } }, 'Remove'))));
  const eventSelect = h('select#notify-event', {}, events.map((e) => h('option', { value: e.id }, `${e.category}: ${e.name}`)));
  const channelSelect = h('select#notify-channel', {}, channels.map((c) => h('option', { value: c.id }, c.name)));

  const historyRows = entries.map((e) => h('tr', { class: e.dead_letter ? 'bad' : '' }, h('td', {}, when(e.sent_at)),
    h('td.mono', {}, e.event_type), h('td', {}, channelName(e.channel_id)), h('td', {}, e.recipient || ''),
    h('td', {}, e.dead_letter ? 'dead letter' : e.delivery_status), h('td.num', {}, e.attempts),
    h('td', {}, e.error_message || '')));

  clear(box, h('section.panel#notification-settings', {}, h('h2', {}, 'Notifications'),
    h('p.muted', {}, 'Job and server events (a worker offline, a broken audit chain) sent to webhooks, Slack or e-mail. Each message is tried again with growing waits; '
      + 'the history shows every attempt.'),
    h('h3', {}, 'Channels'),
    channelRows.length ? h('table#notify-channels', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Type'),
      h('th', {}, 'Target'), h('th', {}, 'Enabled'), h('th', {}, ''))), h('tbody', {}, channelRows))
      : h('p.muted', {}, 'No channels yet.'),
    testResult,
    manage ? addForm(redraw) : h('p.muted', {}, 'Channels are added by an admin (notifications.manage).'),
    made,
    h('h3', {}, 'What I am told'),
    prefRows.length ? h('table#notify-preferences', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Event'), h('th', {}, 'Channel'),
      h('th', {}, 'At least'), h('th', {}, ''))), h('tbody', {}, prefRows)) : h('p.muted', {}, 'Nothing yet.'),
    channels.length ? h('div.row', {}, field('Event', eventSelect).wrap, field('Channel', channelSelect).wrap,
      h('button#notify-add-preference', { type: 'button', onclick: async () => {
        try {
          await post('/api/cloud/notifications/preferences', { event_type: eventSelect.value,
            channel_id: parseInt(channelSelect.value, 10) });
          redraw();
        } catch (e) { toast(e.message, true); }
      } }, 'Add')) : null,
    h('h3', {}, 'History'),
    historyRows.length ? h('table#notify-history', {}, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Event'),
      h('th', {}, 'Channel'), h('th', {}, 'Recipient'), h('th', {}, 'Status'), h('th', {}, 'Attempts'), h('th', {}, 'Last error'))),
    h('tbody', {}, historyRows)) : h('p.muted', {}, 'Nothing sent yet.')));
}

function addForm(redraw) {
  const type = h('select#notify-type', {}, Object.entries(TYPES).map(([v, t]) => h('option', { value: v }, t)));
  const name = field('Name', h('input#notify-name', { placeholder: 'ops alerts', maxlength: '100' }));
  const inputs = {
    webhook_url: field('URL', h('input#notify-url', { type: 'url', placeholder: 'https://example.org/hooks/simpletuner' })),
    webhook_secret: field('Secret', h('input#notify-secret', { type: 'password', autocomplete: 'off', placeholder: 'whsec_…' }),
      'Standard Webhooks secret; leave empty and one is made and shown once.'),
    smtp_host: field('SMTP host', h('input#notify-smtp-host', { placeholder: 'smtp.example.org' })),
    smtp_port: field('Port', h('input#notify-smtp-port', { type: 'number', min: '1', max: '65535', value: '587' })),
    smtp_username: field('User name', h('input#notify-smtp-user', { autocomplete: 'off' })),
    smtp_password: field('Password', h('input#notify-smtp-password', { type: 'password', autocomplete: 'new-password' })),
    smtp_from_address: field('From address', h('input#notify-smtp-from', { type: 'email', placeholder: 'trainer@example.org' })),
    smtp_use_tls: field('STARTTLS', h('input#notify-smtp-tls', { type: 'checkbox', checked: true })),
    smtp_use_ssl: field('TLS from the start (port 465)', h('input#notify-smtp-ssl', { type: 'checkbox' })),
  };
  const shown = { webhook: ['webhook_url', 'webhook_secret'], slack: ['webhook_url'],
    email: ['smtp_host', 'smtp_port', 'smtp_username', 'smtp_password', 'smtp_from_address', 'smtp_use_tls', 'smtp_use_ssl'] };
  const show = () => Object.entries(inputs).forEach(([k, f]) => { f.wrap.hidden = !shown[type.value].includes(k); });
  type.addEventListener('change', show);
  show();
  const add = async () => {
    Object.values(inputs).forEach((f) => { f.error.textContent = ''; });
    const body = { channel_type: type.value, name: name.input.value };
    for (const key of shown[type.value]) {
      const input = inputs[key].input;
      if (input.type === 'checkbox') body[key] = input.checked;
      else if (input.type === 'number') body[key] = parseInt(input.value, 10);
      else if (input.value) body[key] = input.value;
    }
    try {
      const c = await post('/api/cloud/notifications/channels', body);
      toast('Channel added');
      await redraw();
      if (c.webhook_secret) {
        clear(document.getElementById('notify-made'), h('div.secret-box', {}, h('code#notify-new-secret', {}, c.webhook_secret)),
          h('p.muted', {}, 'The signing secret of this webhook: give it to the receiver. It is not shown again.'));
      }
    } catch (e) {
      const at = inputs[e.details && e.details.field];
      if (at) at.error.textContent = e.message;
      toast(e.message, true);
    }
  };
  return h('div#notify-add', {}, h('h3', {}, 'Add a channel'), h('div.grid2', {}, field('Type', type).wrap, name.wrap,
    Object.values(inputs).map((f) => f.wrap)), h('button.primary#notify-add-channel', { type: 'button', onclick: add }, 'Add channel'));
}
