package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.function.Function;

/**
 * The database's pools plus its dialect: the only way the stores talk to the database. SQLite has
 * one writer at a time: its writes queue for {@link SqliteWriter}, while reads use a pool of their
 * own (WAL lets them run beside the writer). Writers on several connections would instead wait for
 * the lock in SQLite's busy handler, which sleeps, and stall whoever is behind them.
 */
public final class Db {
  private final Pool pool;
  private final SqliteWriter sqliteWriter;
  private final Dialect dialect;

  private Db(Pool pool, SqliteWriter sqliteWriter, Dialect dialect) {
    this.pool = pool;
    this.sqliteWriter = sqliteWriter;
    this.dialect = dialect;
  }

  static Db postgres(Pool pool) {
    return new Db(pool, null, Dialect.POSTGRES);
  }

  static Db sqlite(Pool readers, SqliteWriter writer) {
    return new Db(readers, writer, Dialect.SQLITE);
  }

  public Dialect dialect() {
    return dialect;
  }

  Future<RowSet<Row>> query(String sql, Object... args) {
    if (sqliteWriter != null && !isRead(sql)) {
      return sqliteWriter.query(dialect.sql(sql), Tuple.wrap(args));
    }
    return query(pool, sql, args);
  }

  Future<RowSet<Row>> query(SqlClient client, String sql, Object... args) {
    return client.preparedQuery(dialect.sql(sql)).execute(Tuple.wrap(args));
  }

  Future<RowSet<Row>> batch(String sql, List<Tuple> rows) {
    return sqliteWriter != null ? sqliteWriter.batch(dialect.sql(sql), rows)
        : pool.preparedQuery(dialect.sql(sql)).executeBatch(rows);
  }

  <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    return sqliteWriter != null ? sqliteWriter.transaction(work) : pool.withTransaction(work);
  }

  /**
   * Runs {@code work} on one read connection inside one snapshot: every query it makes sees the
   * database as of its first read (PostgreSQL REPEATABLE READ; SQLite a WAL read transaction), while
   * writers go on beside it. Nothing is written, so the transaction simply ends.
   */
  <T> Future<T> snapshot(Function<SqlConnection, Future<T>> work) {
    if (dialect == Dialect.POSTGRES) {
      return pool.withConnection(conn -> conn.begin().compose(tx -> conn
          .query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute()
          .compose(v -> work.apply(conn))
          .eventually(tx::rollback)));
    }
    return pool.withConnection(conn -> conn.query("BEGIN").execute()
        .compose(v -> work.apply(conn))
        .eventually(() -> conn.query("COMMIT").execute()));
  }

  private static boolean isRead(String sql) {
    return sql.regionMatches(true, 0, "SELECT", 0, 6);
  }

  /**
   * The SQL that gives a new row of {@code table} its number (the integer ids the reference's CLI
   * names rows by): the next value of {@code sequence} on PostgreSQL; on SQLite, with its one
   * writer, the largest number plus one.
   */
  String nextNumber(String table, String column, String sequence) {
    return dialect == Dialect.POSTGRES ? "nextval('" + sequence + "')"
        : "(SELECT COALESCE(MAX(" + column + "), 0) + 1 FROM " + table + ")";
  }

  /** A path's reference read as a row number when it is all digits, else null (then it is an id). */
  public static Long number(String ref) {
    return ref != null && ref.matches("[0-9]{1,18}") ? Long.valueOf(ref) : null;
  }

  Future<Void> close() {
    return sqliteWriter == null ? pool.close() : Future.join(pool.close(), sqliteWriter.close()).mapEmpty();
  }
}
