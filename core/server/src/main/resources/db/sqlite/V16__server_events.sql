-- Events of the server itself rather than of a job (a worker went silent, the audit chain failed
-- verification), for notifications. One row per occurrence: dedupe_key names it (the worker and
-- its last heartbeat, the broken entry), so finding it again on any instance adds nothing. Read
-- by the notifications' 'server' cursor; its ids share the outbox's event_id column with the job
-- timeline's, told apart by the event type.
CREATE TABLE server_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX server_events_created ON server_events (created_at);
CREATE INDEX notification_outbox_created ON notification_outbox (created_at);

INSERT INTO notification_cursor (name, last_event_id) VALUES ('server', 0);
