// A provider's network settings (the reference's Advanced Configuration panel): proxy, CA bundle,
// TLS verification and timeout, read from and saved to GET/PATCH /api/cloud/providers/<id>/advanced.
import { get, patch } from './api.js';
import { field, h, toast } from './dom.js';

// The reference asks before verification is turned off (OPERATIONS_TUTORIAL.md, "SSL Verification Bypass").
const BYPASS_WARNING = 'Disabling SSL verification is a security risk. Only do this if you have a self-signed '
  + 'certificate or are behind a corporate proxy. Continue?';

export async function networkPanel(id, editable, saved) {
  const path = `/api/cloud/providers/${encodeURIComponent(id)}/advanced`;
  const now = await get(path);
  const proxy = field('Proxy URL', h('input#net-proxy', { placeholder: 'http://proxy.corp:3128', value: now.proxy_url || '' }),
    'http:// or socks5://host:port; a password in it is stored encrypted and shown as ****. Empty: HTTPS_PROXY, or direct.');
  const bundle = field('CA bundle path', h('input#net-ca-bundle', { placeholder: '/etc/ssl/certs/corporate-ca.pem',
    value: now.ssl_ca_bundle || '' }), 'A PEM file on the server for a private or corporate CA.');
  const verify = field('Verify TLS certificates', h('input#net-ssl-verify', { type: 'checkbox', checked: now.ssl_verify }));
  const timeout = field('HTTP timeout (seconds)', h('input#net-timeout', { type: 'number', min: '0', step: '1',
    value: now.http_timeout }), 'How long a call may wait for an answer; 0 goes back to the default.');
  verify.input.addEventListener('change', () => {
    if (!verify.input.checked && !confirm(BYPASS_WARNING)) verify.input.checked = true;
  });
  const fields = { proxy_url: proxy, ssl_ca_bundle: bundle, ssl_verify: verify, http_timeout: timeout };
  const save = async () => {
    Object.values(fields).forEach((f) => { f.error.textContent = ''; });
    // Only what was edited is sent: an untouched value may come from the environment (and the shown
    // proxy has its password masked), and saving it would pin it.
    const changes = {};
    if (proxy.input.value !== (now.proxy_url || '')) changes.proxy_url = proxy.input.value || null;
    if (bundle.input.value !== (now.ssl_ca_bundle || '')) changes.ssl_ca_bundle = bundle.input.value || null;
    if (verify.input.checked !== now.ssl_verify) changes.ssl_verify = verify.input.checked;
    if (timeout.input.value !== String(now.http_timeout)) {
      changes.http_timeout = timeout.input.value === '' ? null : parseFloat(timeout.input.value);
    }
    try {
      await patch(path, changes);
      toast('Network settings saved');
      saved();
    } catch (e) {
      const at = fields[e.details && e.details.field];
      if (at) at.error.textContent = e.message;
      toast(e.message, true);
    }
  };
  return h('section.panel#network-settings', {}, h('h2', {}, 'Network'),
    h('p.muted', {}, 'How this server calls the provider. Saved values win over the environment (HTTPS_PROXY, SIMPLETUNER_CA_BUNDLE, ...).'),
    h('div.grid2', {}, proxy.wrap, bundle.wrap, verify.wrap, timeout.wrap),
    h('button#save-network', { type: 'button', disabled: !editable, onclick: save }, 'Save network settings'));
}
