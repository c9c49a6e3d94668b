// A job's delivery: where the trained model went (per target, live) and the files the trainer sent
// back to this machine, with download links.
import { get, post } from './api.js';
import { bytes, clear, h, label, toast, when } from './dom.js';

const STATUS_TEXT = {
  delegated: 'Trainer publishes',
  delivering: 'Delivering',
};
const STATUS_HELP = {
  pending: 'Waits for the job to finish and its files to arrive.',
  delegated: 'The trainer publishes there itself; this server only records it.',
  skipped: 'The job did not complete, so nothing was delivered.',
};

/** The folder a file:// output URL names, for a job that ran on this machine; else null. */
export function localFolder(job) {
  const url = job?.output_url;
  if (typeof url !== 'string' || !url.startsWith('file://')) return null;
  try { return decodeURIComponent(new URL(url).pathname); } catch { return null; }
}

/**
 * Where a job's model stands, in one word for the job list: the worst of its targets (a failure
 * first), or "On this machine" for a local job whose model sits in its output folder. Null while
 * there is nothing to say (no targets and not finished).
 */
export function deliveryState(job) {
  const list = job.delivery || [];
  const has = (s) => list.some((d) => d.status === s);
  if (has('failed')) return { key: 'failed', text: 'Delivery failed' };
  if (has('delivering')) return { key: 'delivering', text: 'Delivering' };
  if (job.status === 'completed' && has('pending')) return { key: 'pending', text: 'Delivery pending' };
  if (list.length && list.every((d) => d.status === 'delivered' || d.status === 'delegated')) {
    return has('delivered') ? { key: 'delivered', text: 'Delivered' } : { key: 'delegated', text: 'Trainer publishes' };
  }
  if (job.status !== 'completed') return null;
  if (localFolder(job)) return { key: 'here', text: 'On this machine' };
  return list.length ? null : { key: 'none', text: 'Not delivered' };
}

/** The delivery chip next to a job's status (the list and the job page). */
export function deliveryChip(job) {
  const s = deliveryState(job);
  if (!s) return null;
  const names = (job.delivery || []).map((d) => `${d.name || d.target}: ${d.status}`).join(', ');
  return h('span.chip.delivery-chip', { class: `chip delivery-chip delivery-${s.key}`, dataset: { delivery: s.key },
    title: names || (s.key === 'here' ? localFolder(job) : 'No delivery target for this job') }, s.text);
}

/** Only http(s) links leave the app; other URLs are shown as text. */
function externalUrl(url) {
  return typeof url === 'string' && /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
}

/** A path on this server (not protocol-relative), for download links. */
function localPath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : null;
}

function externalLink(url, text) {
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text || url);
}

function shortSha(sha) {
  return sha ? h('span.mono', { title: sha }, `${sha.slice(0, 12)}…`) : h('span.muted', {}, '—');
}

/**
 * The Delivery panel of a job page. update(job) re-renders when the job's delivery changed and
 * reloads the received files when something that can change them happened.
 */
export function deliverySection(jobId, { canRetry, refresh }) {
  const targets = h('ul.delivery-list', { 'aria-label': 'Delivery targets' });
  const files = h('div#job-files', { 'aria-live': 'polite' });
  const el = h('section.panel#delivery', {}, h('h2', {}, 'Delivery'), targets,
    h('div.row', {}, h('h3.sub', {}, 'Files'), h('div.spacer'),
      h('button.link-button#refresh-files', { type: 'button', onclick: () => loadFiles(true) }, 'Refresh')),
    files);
  const encoded = encodeURIComponent(jobId);
  let shown = null;
  let filesKey = null;
  let filesLoadedAt = 0;
  let loading = null;
  let job = null;

  function entry(d) {
    const url = externalUrl(d.url);
    const dest = externalUrl(d.destination);
    const comesHere = d.url && localPath(d.url) && d.url.includes('/outputs');
    const where = url ? externalLink(url)
      : comesHere ? h('span', {}, 'This machine — see the files below')
        : d.url ? h('span.mono', {}, d.url)
          : dest ? externalLink(dest) : d.destination ? h('span.mono', {}, d.destination) : null;
    const total = d.bytes_total ?? null;
    const done = d.bytes_done ?? 0;
    const pct = total ? Math.min(100, (100 * done) / total) : null;
    const count = d.files != null ? `${d.files} file${d.files === 1 ? '' : 's'}` : null;
    const facts = [
      d.bytes != null ? bytes(d.bytes) : null,
      count,
      d.finished_at && d.status !== 'delivering' ? `finished ${when(d.finished_at)}` : null,
    ].filter(Boolean);
    const retry = canRetry() && d.mode === 'server' && d.status === 'failed' && job?.status === 'completed'
      ? h('button', { type: 'button', dataset: { retry: d.target }, onclick: (e) => retryTarget(d, e.currentTarget) }, 'Retry')
      : null;
    return h('li', { dataset: { target: d.target, status: d.status } },
      h('div.row', {},
        h('strong', {}, d.name || d.target),
        h('span', { class: `chip ${d.status}`, title: STATUS_HELP[d.status] }, STATUS_TEXT[d.status] || label(d.status || 'pending')),
        h('span.muted', {}, d.mode === 'trainer' ? 'by the trainer' : 'by this server'),
        h('div.spacer'), retry),
      where ? h('div.where', {}, where) : null,
      d.status === 'delivering' ? h('div', {},
        h('div.progress', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
          'aria-valuenow': Math.round(pct || 0), 'aria-label': `Delivery to ${d.name || d.target}` },
        h('span', { style: `width:${pct || 0}%` })),
        h('div.progress-label.num', {}, total ? `${bytes(done)} of ${bytes(total)} · ${pct.toFixed(0)}%` : 'starting…')) : null,
      facts.length ? h('div.muted.num', {}, facts.join(' · ')) : null,
      d.sha256 ? h('div.muted', {}, 'SHA-256 ', shortSha(d.sha256)) : null,
      d.note && d.note !== count ? h('div.muted', {}, d.note) : null,
      d.error ? h('div.notice.bad', {}, d.error) : null);
  }

  function renderTargets() {
    const list = job.delivery || [];
    const folder = localFolder(job);
    clear(targets,
      folder ? h('li#model-folder', { dataset: { target: 'folder' } },
        h('div.row', {}, h('strong', {}, 'This machine'), h('span.chip.delivered', {}, 'In its output folder'), h('div.spacer'),
          h('button.link-button', { type: 'button', onclick: () => navigator.clipboard?.writeText(folder)
            .then(() => toast('Folder path copied'), () => toast('Copy it from the page', true)) }, 'Copy path')),
        h('div.where.mono', {}, folder),
        h('div.muted', {}, 'The trainer wrote the model and its checkpoints here; they are listed below with downloads.'))
        : null,
      list.map(entry),
      // One line: where a model could have gone, and where that is set.
      !list.length && !folder ? h('li.muted.one-line', {}, job.is_terminal ? 'Not delivered anywhere — ' : 'No delivery targets — ',
        h('a', { href: '#/publishing' }, 'set up delivery')) : null);
  }

  async function retryTarget(d, button) {
    button.disabled = true;
    try {
      await post(`/api/cloud/jobs/${encoded}/delivery/${encodeURIComponent(d.target)}/retry`);
      toast(`Delivering to ${d.name || d.target} again`);
      await refresh();
    } catch (e) {
      toast(e.message, true);
      button.disabled = false;
    }
  }

  function renderFiles(out) {
    const list = out.files || [];
    if (!list.length) {
      clear(files, h('p.muted', {}, job.is_terminal ? 'No files came back to this machine.'
        : 'Files the trainer sends back to this machine appear here.'));
      return;
    }
    clear(files, h('div.table-scroll', {}, h('table#files-table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Size'), h('th.hide-narrow', {}, 'SHA-256'), h('th', {}, ''))),
      h('tbody', {}, list.map((f) => {
        const href = localPath(f.download_url);
        const inFolder = f.source === 'folder';
        return h('tr', { dataset: { path: f.path, source: f.source || 'received' } },
          h('td.mono.path', {}, f.path, inFolder ? h('span.muted.file-source', {}, ' · output folder') : null),
          h('td.num', { title: `${f.size} bytes` }, bytes(f.size)),
          h('td.hide-narrow', {}, shortSha(f.sha256)),
          h('td', {}, href ? h('a.download', { href, download: f.path.split('/').pop(), 'aria-label': `Download ${f.path}` },
            'Download') : null));
      })))),
    h('p.muted.num#files-total', {}, `${list.length} file${list.length === 1 ? '' : 's'}, ${bytes(out.total_bytes)} in total`,
      out.folder?.truncated ? ' (the output folder has more; only the first are listed)' : ''));
  }

  async function loadFiles(force) {
    if (loading && !force) return loading;
    filesLoadedAt = Date.now();
    loading = get(`/api/cloud/jobs/${encoded}/outputs`)
      .then(renderFiles)
      .catch((e) => clear(files, h('p.muted', {}, e.message)))
      .finally(() => { loading = null; });
    return loading;
  }

  /** Called with every version of the job the page sees (first load, live updates). */
  function update(next) {
    job = next;
    const delivery = JSON.stringify(job.delivery || []);
    const key = `${job.status}|${delivery}`;
    if (key !== shown) { // not on every progress tick: keeps focus on the Retry button
      shown = key;
      renderTargets();
    }
    // Files change when the trainer uploads (while it runs, and just after) and when a delivery moves on.
    const fk = `${job.status}|${job.output_url}|${(job.delivery || []).map((d) => d.status).join(',')}`;
    if (fk !== filesKey) {
      filesKey = fk;
      loadFiles(true);
    } else if (job.is_active && Date.now() - filesLoadedAt > 15000) {
      loadFiles(false); // checkpoints arrive without a job change of their own: look again now and then
    }
  }

  return { el, update };
}

/** A timeline line for a delivery event. */
export function deliveryEventText(data) {
  return `Delivery to ${data.target}: ${data.status}${data.error ? ' — ' + data.error : ''}`;
}
