// The Publishing tab's server-wide delivery settings: one panel per delivery target the server
// runs (built in or a plugin's), each form drawn from the settings the target declares. They are
// saved with the delivery API (secrets encrypted on the server, shown masked), never in a config.
import { get } from './api.js';
import { clear, h } from './dom.js';
import { specForm } from './settings-form.js';

/**
 * Every delivery target's settings, in the server's order, without buttons of their own: the tab's
 * one Save calls saveAll(). Returns { box, saveAll() -> [{changed, ok}] }.
 */
export function deliveryPanels() {
  const box = h('div#delivery-targets', { 'aria-live': 'polite' });
  const forms = [];
  get('/api/cloud/delivery').then(({ targets }) => clear(box, targets.map((t) => {
    const form = specForm(`/api/cloud/delivery/${encodeURIComponent(t.id)}`, t.id, { ownSave: false });
    forms.push(form);
    return h(`section.panel#publishing-${t.id}`, { dataset: { target: t.id } }, h('h2', {}, t.name),
      t.plugin?.name ? h('p.muted', {}, `From the ${t.plugin.name} plugin${t.plugin.version ? ` ${t.plugin.version}` : ''}.`) : null,
      form.box);
  }))).catch((e) => clear(box, h('div.notice.bad', {}, e.message)));
  const saveAll = () => Promise.all(forms.map((f) => f.saveChanges()));
  return { box, saveAll, dirty: () => forms.some((f) => f.dirty()) };
}

/** Whether models can come back to this machine: cloud jobs need a public (tunnel) URL. */
export function homePanel() {
  const status = h('div');
  get('/api/cloud/providers').then(({ providers }) => {
    const url = providers.map((p) => p.settings?.webhook_url).find(Boolean);
    clear(status, url ? h('div.notice.ok', {}, `Cloud jobs can send their model back to this machine through ${url}.`)
      : h('div.notice', {}, 'Cloud jobs can send their model back to this machine once a public URL (a tunnel such as '
        + 'ngrok or cloudflared) is set as the Webhook URL in Settings.'),
    h('p.muted', {}, 'Received files are listed on the job\'s page, with download links.'));
  }).catch(() => {});
  return h('section.panel#publishing-home', {}, h('h2', {}, 'Outputs back to this machine'), status);
}
