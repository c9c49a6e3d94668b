package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** User accounts. */
public final class UserStore {
  private static final String COLUMNS = "user_id, username, email, password_hash, role, is_active, failed_logins, "
      + "locked_until, max_concurrent_jobs, cost_limit_amount, cost_limit_period, session_epoch, created_at, "
      + "last_login_at, user_number, display_name";
  private final Db db;

  UserStore(Db db) {
    this.db = db;
  }

  /**
   * One account. {@code maxConcurrentJobs}, {@code costLimitAmount}: the user's quota, null for none.
   * {@code number}: the account's integer id (given by the store when it is created).
   */
  public record User(String userId, String username, String email, String passwordHash, String role, boolean active,
                     int failedLogins, Long lockedUntil, Integer maxConcurrentJobs, Double costLimitAmount,
                     String costLimitPeriod, long sessionEpoch, long createdAt, Long lastLoginAt, long number,
                     String displayName) {
  }

  /** What an update may change; null leaves a value as it is. */
  public record Change(String username, String email, String displayName, String role, Boolean active,
                       String passwordHash, Integer maxConcurrentJobs, Double costLimitAmount, String costLimitPeriod,
                       boolean clearQuota) {
  }

  /** How an update went: the account afterwards, or which unique field another account holds. */
  public record Updated(Optional<User> user, String takenField) {
  }

  public Future<Long> count() {
    return db.query("SELECT COUNT(*) FROM users").map(rows -> rows.iterator().next().getLong(0));
  }

  /** How many accounts there are, and how many of them are active admins. */
  public record Counts(long users, long activeAdmins) {
  }

  public Future<Counts> counts() {
    return db.query("SELECT COUNT(*), COALESCE(SUM(CASE WHEN role = 'admin' AND is_active = 1 THEN 1 ELSE 0 END), 0) "
        + "FROM users").map(rows -> {
          Row r = rows.iterator().next();
          return new Counts(r.getLong(0), r.getLong(1));
        });
  }

  /**
   * Creates the account; false when the username or e-mail is taken. With {@code firstAdmin}, only
   * the very first account can be created this way: a unique marker row decides between
   * simultaneous attempts.
   */
  public Future<Boolean> create(User u, boolean firstAdmin) {
    return db.transaction(conn -> {
      Future<Boolean> allowed = !firstAdmin ? Future.succeededFuture(true)
          : db.query(conn, "INSERT INTO settings (scope, name, value, updated_at) VALUES ('server', 'first_admin', ?, ?) "
              + "ON CONFLICT (scope, name) DO NOTHING", u.userId(), u.createdAt()).map(rows -> rows.rowCount() == 1);
      return allowed.compose(ok -> !ok ? Future.succeededFuture(false)
          : db.query(conn, "INSERT INTO users (user_id, username, email, password_hash, role, is_active, created_at, "
                  + "display_name, user_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                  + db.nextNumber("users", "user_number", "user_numbers") + ") "
                  + "ON CONFLICT DO NOTHING", u.userId(), u.username(), u.email(), u.passwordHash(), u.role(),
              u.active() ? 1 : 0, u.createdAt(), u.displayName()).map(rows -> rows.rowCount() == 1));
    });
  }

  public Future<Optional<User>> byId(String userId) {
    return db.query("SELECT " + COLUMNS + " FROM users WHERE user_id = ?", userId).map(UserStore::first);
  }

  /** By id ({@code u_...}) or number ({@code 3}), as the API's paths name accounts. */
  public Future<Optional<User>> byRef(String ref) {
    Long number = Db.number(ref);
    if (number != null) {
      return db.query("SELECT " + COLUMNS + " FROM users WHERE user_number = ?", number).map(UserStore::first);
    }
    return byId(ref);
  }

  /** By username or e-mail, case-insensitively. */
  public Future<Optional<User>> byLogin(String login) {
    return db.query("SELECT " + COLUMNS + " FROM users WHERE LOWER(username) = LOWER(?) OR LOWER(email) = LOWER(?)",
        login, login).map(UserStore::first);
  }

  public Future<List<User>> list() {
    return db.query("SELECT " + COLUMNS + " FROM users ORDER BY created_at").map(UserStore::all);
  }

  /** A page of accounts in creation order, inactive ones only when asked. */
  public Future<List<User>> list(int limit, int offset, boolean includeInactive) {
    return db.query("SELECT " + COLUMNS + " FROM users" + (includeInactive ? "" : " WHERE is_active = 1")
        + " ORDER BY user_number LIMIT ? OFFSET ?", limit, offset).map(UserStore::all);
  }

  public Future<Void> recordLogin(String userId, long now) {
    return db.query("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE user_id = ?",
        now, userId).mapEmpty();
  }

  /** Counts a failed login; locks the account for {@code lockMillis} at {@code maxFailures}. */
  public Future<Void> recordFailure(String userId, int maxFailures, long lockMillis, long now) {
    return db.query("UPDATE users SET failed_logins = failed_logins + 1, locked_until = CASE WHEN failed_logins + 1 "
        + ">= ? THEN ? ELSE locked_until END WHERE user_id = ?", maxFailures, now + lockMillis, userId).mapEmpty();
  }

  /**
   * Changes an account. A new password or a deactivation ends its sessions; a username or e-mail
   * that another account holds changes nothing and is named in the result.
   */
  public Future<Updated> update(String userId, Change c) {
    return db.transaction(conn -> db.query(conn, "SELECT username, email FROM users WHERE user_id <> ? AND "
            + "(LOWER(username) = LOWER(?) OR LOWER(email) = LOWER(?))", userId, c.username(), c.email())
        .compose(taken -> {
          var holder = taken.iterator();
          if (holder.hasNext()) {
            Row r = holder.next();
            return Future.succeededFuture(new Updated(Optional.empty(),
                c.username() != null && c.username().equalsIgnoreCase(r.getString("username")) ? "username" : "email"));
          }
          return db.query(conn, "UPDATE users SET username = COALESCE(?, username), email = COALESCE(?, email), "
                  + "display_name = COALESCE(?, display_name), role = COALESCE(?, role), "
                  + "is_active = COALESCE(?, is_active), password_hash = COALESCE(?, password_hash), "
                  + "max_concurrent_jobs = CASE WHEN ? = 1 THEN NULL ELSE COALESCE(?, max_concurrent_jobs) END, "
                  + "cost_limit_amount = CASE WHEN ? = 1 THEN NULL ELSE COALESCE(?, cost_limit_amount) END, "
                  + "cost_limit_period = CASE WHEN ? = 1 THEN NULL ELSE COALESCE(?, cost_limit_period) END, "
                  + "session_epoch = session_epoch + CASE WHEN ? = 1 OR ? = 0 THEN 1 ELSE 0 END "
                  + "WHERE user_id = ? RETURNING " + COLUMNS,
              c.username(), c.email(), c.displayName(), c.role(), c.active() == null ? null : c.active() ? 1 : 0,
              c.passwordHash(), c.clearQuota() ? 1 : 0, c.maxConcurrentJobs(), c.clearQuota() ? 1 : 0,
              c.costLimitAmount(), c.clearQuota() ? 1 : 0, c.costLimitPeriod(), c.passwordHash() == null ? 0 : 1,
              c.active() == null ? 1 : c.active() ? 1 : 0, userId)
              .map(rows -> new Updated(first(rows), null));
        }));
  }

  /**
   * Deletes an account and revokes its API keys; its jobs, configs and audit entries stay (kept
   * under its id for admins).
   */
  public Future<Boolean> delete(String userId, long now) {
    return db.transaction(conn -> db.query(conn, "UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND "
            + "revoked_at IS NULL", now, userId)
        .compose(v -> db.query(conn, "DELETE FROM users WHERE user_id = ?", userId))
        .map(rows -> rows.rowCount() == 1));
  }

  /** Ends every session of the user (sessions carry the epoch they were issued in). */
  public Future<Void> endSessions(String userId) {
    return db.query("UPDATE users SET session_epoch = session_epoch + 1 WHERE user_id = ?", userId).mapEmpty();
  }

  private static Optional<User> first(RowSet<Row> rows) {
    List<User> all = all(rows);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  private static List<User> all(RowSet<Row> rows) {
    List<User> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(new User(r.getString("user_id"), r.getString("username"), r.getString("email"),
          r.getString("password_hash"), r.getString("role"), r.getLong("is_active") != 0,
          r.getLong("failed_logins").intValue(), r.getLong("locked_until"),
          r.getLong("max_concurrent_jobs") == null ? null : r.getLong("max_concurrent_jobs").intValue(),
          r.getDouble("cost_limit_amount"), r.getString("cost_limit_period"), r.getLong("session_epoch"),
          r.getLong("created_at"), r.getLong("last_login_at"),
          r.getLong("user_number") == null ? 0 : r.getLong("user_number"), r.getString("display_name")));
    }
    return out;
  }
}
