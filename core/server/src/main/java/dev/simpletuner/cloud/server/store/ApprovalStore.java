package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Approval rules and the requests they raise. */
public final class ApprovalStore {
  private static final String RULE_COLUMNS = "rule_id, name, condition_type, threshold, exempt_role, is_active, "
      + "created_by, created_at";
  private static final String REQUEST_COLUMNS = "request_id, job_id, rule_ids, reason, status, requested_by, "
      + "reviewed_by, reviewed_at, notes, created_at, expires_at";

  private final Db db;

  ApprovalStore(Db db) {
    this.db = db;
  }

  /** A rule: when {@code conditionType} holds for {@code threshold}, a job needs approval. */
  public record Rule(String ruleId, String name, String conditionType, String threshold, String exemptRole,
                     boolean active, String createdBy, long createdAt, long number) {
  }

  /** A request for approval of one job. Status: pending, approved, rejected, expired. */
  public record Request(String requestId, String jobId, List<String> ruleIds, String reason, String status,
                        String requestedBy, String reviewedBy, Long reviewedAt, String notes, long createdAt,
                        long expiresAt, long number) {
  }

  /** The column to match a path's reference against, and its value: the number when it is all digits. */
  private static Object[] ref(String ref, String idColumn, String numberColumn) {
    Long number = Db.number(ref);
    return number != null ? new Object[] {numberColumn, number} : new Object[] {idColumn, ref};
  }

  /** Stores a rule; the rule as stored, with its number. */
  public Future<Rule> addRule(Rule r) {
    return db.query("INSERT INTO approval_rules (" + RULE_COLUMNS + ", rule_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            + db.nextNumber("approval_rules", "rule_number", "approval_rule_numbers") + ") RETURNING rule_number",
            r.ruleId(), r.name(), r.conditionType(), r.threshold(), r.exemptRole(), r.active() ? 1 : 0, r.createdBy(),
            r.createdAt())
        .map(rows -> new Rule(r.ruleId(), r.name(), r.conditionType(), r.threshold(), r.exemptRole(), r.active(),
            r.createdBy(), r.createdAt(), rows.iterator().next().getLong(0)));
  }

  public Future<List<Rule>> rules(boolean activeOnly) {
    return db.query("SELECT " + RULE_COLUMNS + ", rule_number FROM approval_rules"
        + (activeOnly ? " WHERE is_active = 1" : "") + " ORDER BY created_at").map(rows -> {
          List<Rule> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new Rule(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                r.getLong(5) != 0, r.getString(6), r.getLong(7), r.getLong(8) == null ? 0 : r.getLong(8)));
          }
          return out;
        });
  }

  /** @param ruleRef the rule's id or number */
  public Future<Boolean> deleteRule(String ruleRef) {
    Object[] by = ref(ruleRef, "rule_id", "rule_number");
    return db.query("DELETE FROM approval_rules WHERE " + by[0] + " = ?", by[1]).map(rows -> rows.rowCount() == 1);
  }

  public Future<Void> addRequest(Request q) {
    return db.query("INSERT INTO approval_requests (" + REQUEST_COLUMNS + ", request_number) VALUES (?, ?, ?, ?, ?, "
            + "?, NULL, NULL, NULL, ?, ?, " + db.nextNumber("approval_requests", "request_number", "approval_request_numbers")
            + ")", q.requestId(), q.jobId(), new JsonArray(q.ruleIds()).encode(), q.reason(), q.status(),
        q.requestedBy(), q.createdAt(), q.expiresAt()).mapEmpty();
  }

  /** @param requestRef the request's id or number */
  public Future<Optional<Request>> request(String requestRef) {
    Object[] by = ref(requestRef, "request_id", "request_number");
    return db.query("SELECT " + REQUEST_COLUMNS + ", request_number FROM approval_requests WHERE " + by[0] + " = ?",
        by[1]).map(rows -> requests(rows).stream().findFirst());
  }

  public Future<List<Request>> requests(String status, int limit, int offset) {
    return status == null
        ? db.query("SELECT " + REQUEST_COLUMNS + ", request_number FROM approval_requests ORDER BY created_at DESC "
            + "LIMIT ? OFFSET ?", limit, offset).map(ApprovalStore::requests)
        : db.query("SELECT " + REQUEST_COLUMNS + ", request_number FROM approval_requests WHERE status = ? "
            + "ORDER BY created_at DESC "
            + "LIMIT ? OFFSET ?", status, limit, offset).map(ApprovalStore::requests);
  }

  /** Decides a pending request; false when it was not pending any more. */
  public Future<Boolean> decide(String requestId, String status, String reviewer, String notes, long now) {
    return db.query("UPDATE approval_requests SET status = ?, reviewed_by = ?, reviewed_at = ?, notes = ? "
        + "WHERE request_id = ? AND status = 'pending'", status, reviewer, now, notes, requestId)
        .map(rows -> rows.rowCount() == 1);
  }

  /** Pending requests past their expiry. */
  public Future<List<Request>> expired(long now) {
    return db.query("SELECT " + REQUEST_COLUMNS + ", request_number FROM approval_requests WHERE status = 'pending' "
        + "AND expires_at < ?", now).map(ApprovalStore::requests);
  }

  private static List<Request> requests(Iterable<Row> rows) {
    List<Request> out = new ArrayList<>();
    for (Row r : rows) {
      List<String> ids = new ArrayList<>();
      new JsonArray(r.getString("rule_ids")).forEach(x -> ids.add(String.valueOf(x)));
      out.add(new Request(r.getString("request_id"), r.getString("job_id"), ids, r.getString("reason"),
          r.getString("status"), r.getString("requested_by"), r.getString("reviewed_by"), r.getLong("reviewed_at"),
          r.getString("notes"), r.getLong("created_at"), r.getLong("expires_at"),
          r.getLong("request_number") == null ? 0 : r.getLong("request_number")));
    }
    return out;
  }
}
