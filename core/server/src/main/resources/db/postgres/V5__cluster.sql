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

-- Every change of a job row is announced to the other instances in the same transaction (so no
-- change can be committed without its notice): the writer's application_name is its instance id.
CREATE FUNCTION simpletuner_job_notify() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' THEN PERFORM pg_notify('simpletuner_jobs', json_build_object('o', current_setting('application_name'), 'job_id', OLD.job_id, 'deleted', true)::text); RETURN OLD; END IF; PERFORM pg_notify('simpletuner_jobs', json_build_object('o', current_setting('application_name'), 'job_id', NEW.job_id)::text); RETURN NEW; END; $$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OR DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION simpletuner_job_notify();
