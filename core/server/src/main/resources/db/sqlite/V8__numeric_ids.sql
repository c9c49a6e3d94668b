-- Numbers beside the string ids of users, approval rules and approval requests: the reference's
-- CLI names them by integer (argparse type=int). Numbered in creation order; new rows take the
-- next number (SQLite has one writer, so MAX + 1 inside the insert cannot collide).
ALTER TABLE users ADD COLUMN user_number INTEGER;
UPDATE users SET user_number = (SELECT COUNT(*) FROM users u WHERE u.created_at < users.created_at
  OR (u.created_at = users.created_at AND u.user_id <= users.user_id));
CREATE UNIQUE INDEX users_number ON users (user_number);
ALTER TABLE users ADD COLUMN display_name TEXT;

ALTER TABLE approval_rules ADD COLUMN rule_number INTEGER;
UPDATE approval_rules SET rule_number = (SELECT COUNT(*) FROM approval_rules r WHERE r.created_at < approval_rules.created_at
  OR (r.created_at = approval_rules.created_at AND r.rule_id <= approval_rules.rule_id));
CREATE UNIQUE INDEX approval_rules_number ON approval_rules (rule_number);

ALTER TABLE approval_requests ADD COLUMN request_number INTEGER;
UPDATE approval_requests SET request_number = (SELECT COUNT(*) FROM approval_requests r
  WHERE r.created_at < approval_requests.created_at
  OR (r.created_at = approval_requests.created_at AND r.request_id <= approval_requests.request_id));
CREATE UNIQUE INDEX approval_requests_number ON approval_requests (request_number);
