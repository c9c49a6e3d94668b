// A job's validation images: thumbnails grouped by step (newest step first), each opening full size,
// with the space they take against the per-job cap.
import { get } from './api.js';
import { bytes, clear, h } from './dom.js';

/** A path on this server (not protocol-relative): the only URLs put into src and href. */
function localPath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : null;
}

function thumbnail(a) {
  const url = localPath(a.url);
  const text = a.label || a.prompt || 'Validation image';
  const media = (a.content_type || '').startsWith('video/')
    ? h('video', { src: url, controls: true, preload: 'metadata', 'aria-label': text })
    : h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', title: 'Open full size' },
      h('img', { src: url, alt: text, loading: 'lazy', decoding: 'async' }));
  return h('li', { dataset: { artifact: a.artifact_id } }, h('figure', {}, media,
    h('figcaption', {}, a.label ? h('strong', {}, a.label) : null, a.prompt ? h('span.prompt', {}, a.prompt) : null)));
}

/** Groups by step, newest first; images without a step come last. */
function byStep(items) {
  const groups = new Map();
  for (const a of items) {
    const key = a.step ?? null;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  return [...groups.entries()].sort(([x], [y]) => (x === null ? 1 : y === null ? -1 : y - x));
}

/**
 * The Validation images panel of a job page. update(job) follows the job (shown while it runs,
 * hidden once it ended without images); reload() after a validation event on its timeline.
 */
export function validationGallery(jobId) {
  const body = h('div#validation-images', { 'aria-live': 'polite' });
  const usage = h('span.muted.num#validation-usage');
  const el = h('section.panel#validation', { hidden: true },
    h('div.row', {}, h('h2', {}, 'Validation images'), h('div.spacer'), usage), body);
  const path = `/api/cloud/jobs/${encodeURIComponent(jobId)}/artifacts`;
  let job = null;
  let listed = null;
  let status = null;
  let loading = null;
  let again = false;

  function render() {
    if (!job || !listed) return;
    const items = listed.artifacts.filter((a) => a.kind === 'validation_image');
    if (!items.length) {
      el.hidden = !job.is_active;
      usage.textContent = '';
      clear(body, h('p.muted', {}, 'No validation images yet'));
      return;
    }
    el.hidden = false;
    usage.textContent = `${bytes(listed.total_bytes)} of ${bytes(listed.limit_bytes)} kept`;
    clear(body, byStep(items).map(([step, group]) => h('section.step-group', { dataset: { step: step ?? 'none' } },
      h('h3.sub', {}, step === null ? 'Without a step' : `Step ${step}`),
      h('ul.gallery', {}, group.map(thumbnail)))));
  }

  /** Loads the list again; calls during a load make one more load after it. */
  function reload() {
    if (loading) { again = true; return loading; }
    loading = get(path)
      .then((out) => { listed = out; render(); })
      .catch((e) => { if (e.status !== 404) clear(body, h('p.muted', {}, e.message)); })
      .finally(() => {
        loading = null;
        if (again) { again = false; reload(); }
      });
    return loading;
  }

  /**
   * Called with every version of the job the page sees. Only a new status reads the list again (the
   * last images arrive as a run ends); progress ticks leave the gallery, and its images, alone.
   */
  function update(next) {
    job = next;
    if (job.status !== status) {
      status = job.status;
      reload();
    }
  }

  return { el, update, reload };
}

/** A timeline line for a validation event. */
export function validationEventText(data) {
  const count = (data.artifact_ids || []).length;
  const what = `${count} validation image${count === 1 ? '' : 's'}`;
  return `${what}${data.step != null ? ` at step ${data.step}` : ''}${data.label ? ` (${data.label})` : ''}`
    + `${data.message ? ' — ' + data.message : ''}`;
}
