-- Every save of a named config is kept as an immutable version, numbered from 1 per name. The
-- numbering goes on after a config is deleted and made again, so a job's recorded version never
-- comes to mean another config. Configs saved before versions existed become their version 1.
CREATE TABLE config_versions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  description TEXT,
  config TEXT NOT NULL,
  dataloader_config TEXT NOT NULL,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  message TEXT,
  restored_from INTEGER,
  PRIMARY KEY (name, version)
);
INSERT INTO config_versions (name, version, description, config, dataloader_config, created_by, created_at, message)
  SELECT name, 1, description, config, dataloader_config, owner_id, updated_at, 'Saved before configs had versions'
  FROM configs;
