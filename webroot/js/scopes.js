// What an API key's scopes let it do, in words (the ids are the server's permission names).
const LABELS = {
  'job.submit': ['Submit jobs', 'Start training runs (they may cost money).'],
  'job.view.own': ['See own jobs', 'Status, progress, logs and outputs of jobs you started.'],
  'job.view.all': ["See everyone's jobs", 'Every job on this server.'],
  'job.cancel.own': ['Cancel own jobs', 'Stop runs you started.'],
  'job.cancel.all': ["Cancel anyone's jobs", 'Stop any run.'],
  'job.delete.own': ['Delete own jobs', 'Remove your ended jobs from the history.'],
  'job.delete.all': ["Delete anyone's jobs", 'Remove any ended job from the history.'],
  'config.view': ['Read configs', 'The named training configs.'],
  'config.edit': ['Edit configs', 'Create, change and delete named configs.'],
  'settings.view': ['Read settings', 'Provider and delivery settings (secrets stay masked).'],
  'settings.edit': ['Change settings', 'Provider and delivery settings, cost limits.'],
  'metrics.view': ['Read metrics', 'Spending and job statistics.'],
  'api_key.own': ['Manage own keys', 'Create and revoke your API keys.'],
  'api_key.all': ['Manage all keys', "See and revoke everyone's API keys."],
  'users.manage': ['Manage accounts', 'Create, change and delete users.'],
  'audit.view': ['Read the audit log', 'And verify its chain.'],
  'approval.review': ['Review approvals', 'Approve or reject jobs waiting for approval.'],
  'approval.manage': ['Manage approval rules', 'Create and change the rules.'],
  'cluster.view': ['See the cluster', 'The server instances sharing the database.'],
  'workers.manage': ['Manage workers', 'Add, drain and remove self-hosted GPU workers.'],
  'server.shutdown': ['Shut down the server', 'Over the API, when the server allows it.'],
  'admin.backup': ['Back up and restore', 'Take, list and delete backups; restore one into a fresh target.'],
};

/** [label, explanation] for a permission id; an unknown id is shown as it is. */
export function scopeText(id) {
  return LABELS[id] || [id, ''];
}
