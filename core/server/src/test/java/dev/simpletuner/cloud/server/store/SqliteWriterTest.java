package dev.simpletuner.cloud.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit on SQLite's one writer: what each write is answered, and how transactions fit in. */
class SqliteWriterTest {
  @TempDir
  Path dir;
  private Vertx vertx;
  private Pool readers;
  private SqliteWriter writer;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    String url = "jdbc:sqlite:" + dir.resolve("db.sqlite") + "?journal_mode=WAL&busy_timeout=30000";
    readers = JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url), new PoolOptions().setMaxSize(2));
    writer = new SqliteWriter(vertx, url, JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url),
        new PoolOptions().setMaxSize(1)), "test-writer");
    await(writer.query("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)", Tuple.tuple()));
  }

  @AfterEach
  void close() throws Exception {
    await(writer.close());
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private List<String> keys() throws Exception {
    List<String> keys = new ArrayList<>();
    for (Row r : await(readers.query("SELECT k FROM t ORDER BY k").execute())) {
      keys.add(r.getString(0));
    }
    return keys;
  }

  @Test
  void aFailingWriteFailsAloneAndTheOthersOfItsBatchStay() throws Exception {
    await(writer.query("INSERT INTO t (k, v) VALUES (?, ?)", Tuple.of("taken", 0)));
    // Sent at once, so they queue behind each other and run as one batch.
    List<Future<RowSet<Row>>> writes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String key = i == 7 || i == 13 ? "taken" : "k" + (100 + i);
      writes.add(writer.query("INSERT INTO t (k, v) VALUES (?, ?)", Tuple.of(key, i)));
    }
    await(Future.join(writes).otherwiseEmpty());
    for (int i = 0; i < 20; i++) {
      assertThat(writes.get(i).failed()).as("write " + i).isEqualTo(i == 7 || i == 13);
    }
    assertThat(writes.get(7).cause()).hasMessageContaining("UNIQUE");
    assertThat(keys()).hasSize(19).contains("k100", "k106", "k108", "k119");
  }

  @Test
  void answersCarryUpdateCountsAndReturnedRows() throws Exception {
    await(writer.batch("INSERT INTO t (k, v) VALUES (?, ?)", List.of(Tuple.of("a", 1), Tuple.of("b", 2))));
    RowSet<Row> updated = await(writer.query("UPDATE t SET v = v + 10 WHERE k IN (?, ?)", Tuple.of("a", "b")));
    assertThat(updated.rowCount()).isEqualTo(2);
    RowSet<Row> returned = await(writer.query("UPDATE t SET v = v + 1 WHERE k = ? RETURNING v AS value, k",
        Tuple.of("a")));
    assertThat(returned.size()).isEqualTo(1);
    Row row = returned.iterator().next();
    assertThat(row.getLong("value")).isEqualTo(12L);
    assertThat(row.getString(1)).isEqualTo("a");
    assertThat(returned.columnsNames()).containsExactly("value", "k");
    assertThat(await(writer.query("UPDATE t SET v = 0 WHERE k = ?", Tuple.of("nobody"))).rowCount()).isZero();
  }

  @Test
  void aTransactionRunsAloneAndWritesSentMeanwhileFollowIt() throws Exception {
    Promise<Void> inside = Promise.promise();
    Future<Long> tx = writer.transaction(conn -> conn.preparedQuery("INSERT INTO t (k, v) VALUES (?, ?)")
        .execute(Tuple.of("tx-1", 1))
        .compose(v -> {
          inside.complete();
          // Work between statements: plain writes sent now must not land inside the transaction.
          Promise<Void> later = Promise.promise();
          vertx.setTimer(200, id -> later.complete());
          return later.future();
        })
        .compose(v -> conn.query("SELECT COUNT(*) FROM t").execute())
        .map(rows -> rows.iterator().next().getLong(0)));
    await(inside.future());
    Future<RowSet<Row>> during = writer.query("INSERT INTO t (k, v) VALUES (?, ?)", Tuple.of("plain", 2));
    assertThat(await(tx)).as("only the transaction's own row").isEqualTo(1L);
    await(during);
    assertThat(keys()).containsExactly("plain", "tx-1");

    Future<Object> failing = writer.transaction(conn -> conn.preparedQuery("INSERT INTO t (k, v) VALUES (?, ?)")
        .execute(Tuple.of("rolled-back", 3)).compose(v -> Future.failedFuture("no")));
    Future<RowSet<Row>> after = writer.query("INSERT INTO t (k, v) VALUES (?, ?)", Tuple.of("after", 4));
    await(failing.otherwiseEmpty());
    assertThat(failing.failed()).isTrue();
    await(after);
    assertThat(keys()).containsExactly("after", "plain", "tx-1");
  }
}
