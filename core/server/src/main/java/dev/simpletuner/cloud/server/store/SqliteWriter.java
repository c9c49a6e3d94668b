package dev.simpletuner.cloud.server.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * SQLite's one writer, with group commit. Every write waits for the writer anyway; through the SQL
 * client each one also costs two thread hand-offs (to a worker and back, then the pool hands the
 * connection to the next writer), and on a busy machine each hand-off waits for a CPU. Here the
 * writes that queue up while one batch runs go together as the next: one hand-off, one
 * transaction, prepared statements kept. Each write is answered when its batch has committed; a
 * write that fails fails alone (the batch is rolled back and run again without it).
 *
 * <p>Transactions of the stores (several statements with work in between) still run on the SQL
 * client's writer connection, one at a time in the same queue, so the two connections never
 * write at once and never wait for each other's lock.
 */
final class SqliteWriter {
  private static final int MAX_BATCH = 256;
  private static final int MAX_PREPARED = 128;

  private final Vertx vertx;
  private final String url;
  private final Pool transactions;
  private final WorkerExecutor thread;
  private final ArrayDeque<Object> queue = new ArrayDeque<>(); // Write or Transaction; guarded by this
  private boolean busy; // guarded by this
  // Touched by the writer thread only.
  private Connection conn;
  private final Map<String, PreparedStatement> prepared = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
      if (size() <= MAX_PREPARED) {
        return false;
      }
      closeQuietly(eldest.getValue());
      return true;
    }
  };

  /** @param transactions the SQL client's writer pool, for {@link #transaction} */
  SqliteWriter(Vertx vertx, String url, Pool transactions, String name) {
    this.vertx = vertx;
    this.url = url;
    this.transactions = transactions;
    this.thread = vertx.createSharedWorkerExecutor(name, 1);
  }

  private record Write(String sql, List<Tuple> rows, boolean batch, Promise<RowSet<Row>> promise, Context context) {
  }

  private record Transaction<T>(Function<SqlConnection, Future<T>> work, Promise<T> promise, Context context) {
  }

  Future<RowSet<Row>> query(String sql, Tuple args) {
    return enqueue(sql, List.of(args), false);
  }

  Future<RowSet<Row>> batch(String sql, List<Tuple> rows) {
    return enqueue(sql, rows, true);
  }

  private Future<RowSet<Row>> enqueue(String sql, List<Tuple> rows, boolean batch) {
    Promise<RowSet<Row>> promise = Promise.promise();
    offer(new Write(sql, rows, batch, promise, vertx.getOrCreateContext()));
    return promise.future();
  }

  /** Runs {@code work} inside BEGIN IMMEDIATE ... COMMIT, alone: no other write runs meanwhile. */
  <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    Promise<T> promise = Promise.promise();
    Context context = vertx.getOrCreateContext();
    offer(new Transaction<>(work, promise, context));
    return promise.future();
  }

  private void offer(Object item) {
    synchronized (this) {
      queue.add(item);
    }
    next();
  }

  /** Starts the next batch or transaction unless one is running. */
  private void next() {
    Object head;
    synchronized (this) {
      if (busy || queue.isEmpty()) {
        return;
      }
      busy = true;
      head = queue.peek();
      if (head instanceof Transaction) {
        queue.poll();
      }
    }
    if (head instanceof Transaction<?> tx) {
      tx.context().runOnContext(v -> runTransaction(tx));
    } else {
      thread.executeBlocking(() -> {
        drain();
        return null;
      }, false).onFailure(e -> done());
    }
  }

  /** On the writer thread: batch after batch, until the queue is empty or a transaction is next. */
  private void drain() {
    while (true) {
      List<Write> batch = new ArrayList<>();
      Transaction<?> tx = null;
      synchronized (this) {
        while (batch.size() < MAX_BATCH && queue.peek() instanceof Write w) {
          batch.add(w);
          queue.poll();
        }
        if (batch.isEmpty()) {
          if (!(queue.peek() instanceof Transaction<?> t)) {
            busy = false;
            return;
          }
          queue.poll();
          tx = t;
        }
      }
      if (tx != null) {
        Transaction<?> t = tx;
        t.context().runOnContext(v -> runTransaction(t));
        return;
      }
      run(batch);
    }
  }

  private void done() {
    synchronized (this) {
      busy = false;
    }
    next();
  }

  private <T> void runTransaction(Transaction<T> tx) {
    // The SQL client leaves connections in manual-commit mode after a transaction, and SQLite's
    // driver then opens the next transaction at once and holds it while the connection idles:
    // explicit statements keep autocommit on between transactions.
    Future<T> result;
    try {
      result = transactions.withConnection(c -> c.query("BEGIN IMMEDIATE").execute()
          .compose(begun -> tx.work().apply(c)
              .compose(value -> c.query("COMMIT").execute().map(value))
              .recover(e -> c.query("ROLLBACK").execute().transform(x -> Future.<T>failedFuture(e)))));
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      done();
      tx.promise().handle(ar);
    });
  }

  /** On the writer thread: the batch in one transaction; a write that fails is left out and the rest run again. */
  private void run(List<Write> batch) {
    List<Write> pending = new ArrayList<>(batch);
    List<RowSet<Row>> answers = new ArrayList<>();
    while (!pending.isEmpty()) {
      answers.clear();
      int failed = -1;
      SQLException failure = null;
      try {
        connection();
        execute("BEGIN IMMEDIATE");
        for (int i = 0; i < pending.size(); i++) {
          try {
            answers.add(execute(pending.get(i)));
          } catch (SQLException e) {
            failed = i;
            failure = e;
            break;
          }
        }
        if (failed < 0) {
          execute("COMMIT");
        } else {
          rollback();
        }
      } catch (SQLException | RuntimeException e) {
        rollback();
        for (Write w : pending) {
          answer(w, null, e);
        }
        return;
      }
      if (failed < 0) {
        for (int i = 0; i < pending.size(); i++) {
          answer(pending.get(i), answers.get(i), null);
        }
        return;
      }
      answer(pending.remove(failed), null, failure);
    }
  }

  private static void answer(Write w, RowSet<Row> rows, Throwable failure) {
    w.context().runOnContext(v -> {
      if (failure == null) {
        w.promise().complete(rows);
      } else {
        w.promise().fail(failure);
      }
    });
  }

  private PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = prepared.get(sql);
    if (ps == null) {
      ps = conn.prepareStatement(sql);
      prepared.put(sql, ps);
    }
    return ps;
  }

  private RowSet<Row> execute(Write w) throws SQLException {
    PreparedStatement ps = prepare(w.sql());
    if (w.batch()) {
      for (Tuple row : w.rows()) {
        bind(ps, row);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      return SqliteRows.updated(counts.length);
    }
    bind(ps, w.rows().get(0));
    boolean hasRows = ps.execute();
    int count = ps.getUpdateCount();
    if (!hasRows) {
      return SqliteRows.updated(count);
    }
    try (ResultSet rs = ps.getResultSet()) {
      return SqliteRows.read(count, rs);
    }
  }

  private static void bind(PreparedStatement ps, Tuple args) throws SQLException {
    ps.clearParameters();
    for (int i = 0; i < args.size(); i++) {
      Object value = args.getValue(i);
      ps.setObject(i + 1, value instanceof Buffer buffer ? buffer.getBytes() : value);
    }
  }

  private void connection() throws SQLException {
    if (conn == null || conn.isClosed()) {
      prepared.clear();
      conn = DriverManager.getConnection(url);
    }
  }

  private void execute(String sql) throws SQLException {
    prepare(sql).execute();
  }

  private void rollback() {
    try {
      if (conn != null) {
        execute("ROLLBACK");
      }
    } catch (SQLException ignored) {
      // Nothing was open (SQLite ends a transaction itself on some errors).
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // Closing a statement or connection that is gone anyway.
    }
  }

  Future<Void> close() {
    return thread.executeBlocking(() -> {
      prepared.values().forEach(SqliteWriter::closeQuietly);
      prepared.clear();
      if (conn != null) {
        closeQuietly(conn);
      }
      return null;
    }).<Void>mapEmpty().eventually(() -> thread.close());
  }
}
