-- Server instances sharing this database (heartbeats) and the leases through which they divide
-- background work: one owner at a time, a token that grows with every change of owner (fencing),
-- and an expiry that lets another instance take over from one that died.
CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  url TEXT NOT NULL,
  version TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  token BIGINT NOT NULL,
  acquired_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
