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

/** A pool plus its dialect: the only way the stores talk to the database. */
public final class Db {
  private final Pool pool;
  private final Dialect dialect;

  Db(Pool pool, Dialect dialect) {
    this.pool = pool;
    this.dialect = dialect;
  }

  public Dialect dialect() {
    return dialect;
  }

  Future<RowSet<Row>> query(String sql, Object... args) {
    return query(pool, sql, args);
  }

  Future<RowSet<Row>> query(SqlClient client, String sql, Object... args) {
    return client.preparedQuery(dialect.sql(sql)).execute(Tuple.wrap(args));
  }

  Future<RowSet<Row>> batch(String sql, List<Tuple> rows) {
    return pool.preparedQuery(dialect.sql(sql)).executeBatch(rows);
  }

  <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    if (dialect == Dialect.POSTGRES) {
      return pool.withTransaction(work);
    }
    // The JDBC client leaves connections in manual-commit mode after a transaction, and the SQLite
    // driver then opens the next transaction at once and holds it while the connection idles in
    // the pool, blocking every other writer. Explicit statements keep autocommit on between
    // transactions; IMMEDIATE takes the write lock up front so writers queue instead of failing.
    return pool.withConnection(conn -> conn.query("BEGIN IMMEDIATE").execute()
        .compose(begun -> work.apply(conn)
            .compose(result -> conn.query("COMMIT").execute().map(result))
            .recover(e -> conn.query("ROLLBACK").execute().transform(x -> Future.<T>failedFuture(e)))));
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
    return pool.close();
  }
}
