// Shared state: the signed-in user and the named config being edited in the Model/Training/Dataloader/Publishing tabs.
import { get, put } from './api.js';

export const session = { user: null, singleUser: false };

export const editor = {
  name: '',
  description: '',
  config: {},
  dataloader: [],
  dirty: false,
  listeners: new Set(),
  changed() { this.dirty = true; this.listeners.forEach((fn) => fn()); },
  async load(name) {
    const saved = await get(`/api/configs/${encodeURIComponent(name)}`);
    this.name = saved.name;
    this.description = saved.description || '';
    this.config = saved.config || {};
    this.dataloader = saved.dataloader_config || [];
    this.dirty = false;
    this.listeners.forEach((fn) => fn());
  },
  async save() {
    const saved = await put(`/api/configs/${encodeURIComponent(this.name)}`,
      { description: this.description, config: this.config, dataloader_config: this.dataloader });
    this.dirty = false;
    return saved;
  },
};

export function can(permission) {
  return !!session.user && session.user.permissions.includes(permission);
}
