package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every table of the database as rows of plain values (numbers, text, null), for a backup: the
 * same shape on both backends, so a backup of one loads into the other.
 */
public final class Tables {
  /**
   * Not backed up: the migration ledger (the manifest carries the version) and which instances are
   * alive and hold which lease; a restored server registers itself afresh.
   */
  public static final Set<String> SKIPPED = Set.of("schema_migrations", "instances", "leases");
  /** Rows the migrations themselves insert: a fresh database has them; a restore replaces them. */
  public static final Set<String> SEEDED = Set.of("notification_cursor");
  private static final int PAGE = 1000;

  /**
   * One table's columns with their declared types, in order.
   *
   * @param order a total order of its rows (SQLite's paging): its rowid, or its primary key
   */
  public record Table(String name, List<String> columns, List<String> types, String order) {
  }

  /** Receives a table's description, then its rows page by page; each future paces the export. */
  public interface Sink {
    Future<Void> table(Table table);

    Future<Void> rows(String table, List<JsonArray> rows);
  }

  /** What the export read besides rows: the schema version and each sequence's last value. */
  public record Exported(int schemaVersion, Map<String, Long> sequences) {
  }

  private final Db db;

  Tables(Db db) {
    this.db = db;
  }

  public Dialect dialect() {
    return db.dialect();
  }

  /** The newest schema version this server knows (what a fresh database is migrated to). */
  public static int latestVersion() {
    return Migrations.latest();
  }

  /** Streams every table into {@code sink} from one snapshot while writers go on. */
  public Future<Exported> export(Sink sink) {
    return db.snapshot(conn -> version(db, conn).compose(version -> list(db, conn)
        .compose(tables -> {
          Future<Void> chain = Future.succeededFuture();
          for (Table t : tables) {
            chain = chain.compose(v -> sink.table(t)).compose(v -> db.dialect() == Dialect.POSTGRES
                ? cursor(conn, t, sink) : pages(conn, t, sink));
          }
          return chain;
        })
        .compose(v -> sequences(conn))
        .map(seq -> new Exported(version, seq))));
  }

  /** Rows per backed-up table, now. */
  public Future<Map<String, Long>> counts() {
    return db.snapshot(conn -> list(db, conn).compose(tables -> counts(db, conn, tables.stream()
        .map(Table::name).toList())));
  }

  static Future<Map<String, Long>> counts(Db db, SqlConnection conn, List<String> names) {
    Map<String, Long> out = new LinkedHashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (String name : names) {
      chain = chain.compose(v -> db.query(conn, "SELECT COUNT(*) FROM " + name)
          .map(rows -> {
            out.put(name, rows.iterator().next().getLong(0));
            return null;
          }));
    }
    return chain.map(out);
  }

  /** The applied schema version; 0 when the database has none yet. */
  static Future<Integer> version(Db db, SqlConnection conn) {
    String exists = db.dialect() == Dialect.POSTGRES
        ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() "
            + "AND table_name = 'schema_migrations'"
        : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
    return db.query(conn, exists).compose(rows -> rows.iterator().next().getLong(0) == 0
        ? Future.succeededFuture(0)
        : db.query(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .map(r -> r.iterator().next().getInteger(0)));
  }

  /** Our tables (all but {@link #SKIPPED}) with their columns, by name. */
  static Future<List<Table>> list(Db db, SqlConnection conn) {
    String sql = db.dialect() == Dialect.POSTGRES
        ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            + "AND table_type = 'BASE TABLE' ORDER BY table_name"
        : "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
    return db.query(conn, sql).compose(rows -> {
      List<Table> out = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (Row row : rows) {
        String name = row.getString(0);
        boolean rowid = db.dialect() == Dialect.SQLITE && !row.getString(1).toUpperCase().contains("WITHOUT ROWID");
        if (!SKIPPED.contains(name)) {
          chain = chain.compose(v -> columns(db, conn, name, rowid).map(t -> out.add(t)).mapEmpty());
        }
      }
      return chain.map(out);
    });
  }

  private static Future<Table> columns(Db db, SqlConnection conn, String table, boolean rowid) {
    String sql = db.dialect() == Dialect.POSTGRES
        ? "SELECT column_name, data_type, 0 FROM information_schema.columns WHERE table_schema = current_schema() "
            + "AND table_name = ? ORDER BY ordinal_position"
        : "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid";
    return db.query(conn, sql, table).map(rows -> {
      List<String> names = new ArrayList<>();
      List<String> types = new ArrayList<>();
      java.util.TreeMap<Integer, String> key = new java.util.TreeMap<>();
      for (Row r : rows) {
        names.add(r.getString(0));
        types.add(r.getString(1));
        if (r.getInteger(2) > 0) {
          key.put(r.getInteger(2), r.getString(0));
        }
      }
      return new Table(table, names, types, rowid || key.isEmpty() ? "rowid" : String.join(", ", key.values()));
    });
  }

  /** PostgreSQL: a server-side cursor, read a page at a time, inside the snapshot's transaction. */
  private static Future<Void> cursor(SqlConnection conn, Table t, Sink sink) {
    return conn.prepare("SELECT * FROM " + t.name()).compose(ps -> {
      Cursor cursor = ps.cursor(Tuple.tuple());
      return readAll(cursor, t, sink).eventually(() -> cursor.close().eventually(ps::close));
    });
  }

  private static Future<Void> readAll(Cursor cursor, Table t, Sink sink) {
    return cursor.read(PAGE).compose(rows -> sink.rows(t.name(), values(rows))
        .compose(v -> cursor.hasMore() ? readAll(cursor, t, sink) : Future.succeededFuture()));
  }

  /**
   * SQLite (the JDBC client has no cursors): pages in a total order (rowid or primary key).
   * OFFSET, not a key range, keeps one query for composite keys; SQLite skips rows cheaply.
   */
  private Future<Void> pages(SqlConnection conn, Table t, Sink sink) {
    return page(conn, t, sink, 0);
  }

  private Future<Void> page(SqlConnection conn, Table t, Sink sink, long offset) {
    return db.query(conn, "SELECT * FROM " + t.name() + " ORDER BY " + t.order() + " LIMIT ? OFFSET ?", PAGE, offset)
        .compose(rows -> sink.rows(t.name(), values(rows))
            .compose(v -> rows.size() == PAGE ? page(conn, t, sink, offset + PAGE) : Future.succeededFuture()));
  }

  private static List<JsonArray> values(RowSet<Row> rows) {
    List<JsonArray> out = new ArrayList<>(rows.size());
    for (Row row : rows) {
      JsonArray values = new JsonArray();
      for (int i = 0; i < row.size(); i++) {
        values.add(row.getValue(i));
      }
      out.add(values);
    }
    return out;
  }

  /** PostgreSQL's sequences and their last values (SQLite has none: numbers come from the rows). */
  private Future<Map<String, Long>> sequences(SqlConnection conn) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (db.dialect() != Dialect.POSTGRES) {
      return Future.succeededFuture(out);
    }
    return db.query(conn, "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() "
        + "ORDER BY sequencename").map(rows -> {
          for (Row r : rows) {
            out.put(r.getString(0), r.getLong(1) == null ? 0L : r.getLong(1));
          }
          return out;
        });
  }
}
