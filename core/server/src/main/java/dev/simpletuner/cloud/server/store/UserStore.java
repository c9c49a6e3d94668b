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
      + "last_login_at";
  private final Db db;

  UserStore(Db db) {
    this.db = db;
  }

  /** One account. {@code maxConcurrentJobs}, {@code costLimitAmount}: the user's quota, null for none. */
  public record User(String userId, String username, String email, String passwordHash, String role, boolean active,
                     int failedLogins, Long lockedUntil, Integer maxConcurrentJobs, Double costLimitAmount,
                     String costLimitPeriod, long sessionEpoch, long createdAt, Long lastLoginAt) {
  }

  public Future<Long> count() {
    return db.query("SELECT COUNT(*) FROM users").map(rows -> rows.iterator().next().getLong(0));
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
          : db.query(conn, "INSERT INTO users (user_id, username, email, password_hash, role, is_active, created_at) "
                  + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", u.userId(), u.username(), u.email(),
              u.passwordHash(), u.role(), u.active() ? 1 : 0, u.createdAt()).map(rows -> rows.rowCount() == 1));
    });
  }

  public Future<Optional<User>> byId(String userId) {
    return db.query("SELECT " + COLUMNS + " FROM users WHERE user_id = ?", userId).map(UserStore::first);
  }

  /** By username or e-mail, case-insensitively. */
  public Future<Optional<User>> byLogin(String login) {
    return db.query("SELECT " + COLUMNS + " FROM users WHERE LOWER(username) = LOWER(?) OR LOWER(email) = LOWER(?)",
        login, login).map(UserStore::first);
  }

  public Future<List<User>> list() {
    return db.query("SELECT " + COLUMNS + " FROM users ORDER BY created_at").map(UserStore::all);
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

  /** Changes role, active flag, password or quota; null leaves a value as it is. */
  public Future<Optional<User>> update(String userId, String role, Boolean active, String passwordHash,
                                       Integer maxConcurrentJobs, Double costLimitAmount, String costLimitPeriod,
                                       boolean clearQuota) {
    return db.query("UPDATE users SET role = COALESCE(?, role), is_active = COALESCE(?, is_active), "
            + "password_hash = COALESCE(?, password_hash), "
            + "max_concurrent_jobs = CASE WHEN ? = 1 THEN NULL ELSE COALESCE(?, max_concurrent_jobs) END, "
            + "cost_limit_amount = CASE WHEN ? = 1 THEN NULL ELSE COALESCE(?, cost_limit_amount) END, "
            + "cost_limit_period = CASE WHEN ? = 1 THEN NULL ELSE COALESCE(?, cost_limit_period) END, "
            + "session_epoch = session_epoch + CASE WHEN ? = 1 OR ? = 0 THEN 1 ELSE 0 END "
            + "WHERE user_id = ? RETURNING " + COLUMNS,
        role, active == null ? null : active ? 1 : 0, passwordHash, clearQuota ? 1 : 0, maxConcurrentJobs,
        clearQuota ? 1 : 0, costLimitAmount, clearQuota ? 1 : 0, costLimitPeriod, passwordHash == null ? 0 : 1,
        active == null ? 1 : active ? 1 : 0, userId)
        .map(UserStore::first);
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
          r.getLong("created_at"), r.getLong("last_login_at")));
    }
    return out;
  }
}
