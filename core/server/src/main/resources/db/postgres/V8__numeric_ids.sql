-- Numbers beside the string ids of users, approval rules and approval requests: the reference's
-- CLI names them by integer (argparse type=int). Numbered in creation order; new rows take the
-- next value of a sequence, so simultaneous inserts from several instances never collide.
ALTER TABLE users ADD COLUMN user_number BIGINT;
UPDATE users SET user_number = n.rn FROM (SELECT user_id, ROW_NUMBER() OVER (ORDER BY created_at, user_id) AS rn
  FROM users) n WHERE n.user_id = users.user_id;
CREATE SEQUENCE user_numbers;
SELECT setval('user_numbers', COALESCE((SELECT MAX(user_number) FROM users), 0) + 1, false);
ALTER TABLE users ALTER COLUMN user_number SET DEFAULT nextval('user_numbers');
CREATE UNIQUE INDEX users_number ON users (user_number);
ALTER TABLE users ADD COLUMN display_name TEXT;

ALTER TABLE approval_rules ADD COLUMN rule_number BIGINT;
UPDATE approval_rules SET rule_number = n.rn FROM (SELECT rule_id, ROW_NUMBER() OVER (ORDER BY created_at, rule_id) AS rn
  FROM approval_rules) n WHERE n.rule_id = approval_rules.rule_id;
CREATE SEQUENCE approval_rule_numbers;
SELECT setval('approval_rule_numbers', COALESCE((SELECT MAX(rule_number) FROM approval_rules), 0) + 1, false);
ALTER TABLE approval_rules ALTER COLUMN rule_number SET DEFAULT nextval('approval_rule_numbers');
CREATE UNIQUE INDEX approval_rules_number ON approval_rules (rule_number);

ALTER TABLE approval_requests ADD COLUMN request_number BIGINT;
UPDATE approval_requests SET request_number = n.rn FROM (SELECT request_id,
  ROW_NUMBER() OVER (ORDER BY created_at, request_id) AS rn FROM approval_requests) n
  WHERE n.request_id = approval_requests.request_id;
CREATE SEQUENCE approval_request_numbers;
SELECT setval('approval_request_numbers', COALESCE((SELECT MAX(request_number) FROM approval_requests), 0) + 1, false);
ALTER TABLE approval_requests ALTER COLUMN request_number SET DEFAULT nextval('approval_request_numbers');
CREATE UNIQUE INDEX approval_requests_number ON approval_requests (request_number);
