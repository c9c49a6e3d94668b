package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A database a backup is loaded into: a fresh SQLite file or an empty PostgreSQL database, never
 * a running server's. It gets the schema the backup was saved in, then the rows in one
 * transaction (all or nothing); the server that later starts on it applies newer migrations.
 */
public final class RestoreTarget {
  private final Db db;

  private RestoreTarget(Db db) {
    this.db = db;
  }

  /** PostgreSQL at {@code databaseUrl}, else SQLite at {@code sqliteFile} (created when missing). */
  public static RestoreTarget open(Vertx vertx, String databaseUrl, Path sqliteFile) {
    return new RestoreTarget(Store.connect(vertx, databaseUrl == null ? null
        : Store.postgresOptions(databaseUrl).addProperty("application_name", "simpletuner-restore"), sqliteFile));
  }

  public Dialect dialect() {
    return db.dialect();
  }

  /** The applied schema version, 0 when there is none. */
  public Future<Integer> schemaVersion() {
    return db.snapshot(conn -> Tables.version(db, conn));
  }

  /** Rows in each of {@code tables} that exists; a missing table counts 0. */
  public Future<Map<String, Long>> counts(Collection<String> tables) {
    return db.snapshot(conn -> Tables.list(db, conn).compose(present -> {
      List<String> existing = present.stream().map(Tables.Table::name).filter(tables::contains).toList();
      return Tables.counts(db, conn, existing).map(found -> {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        tables.forEach(t -> out.put(t, found.getOrDefault(t, 0L)));
        present.stream().map(Tables.Table::name).filter(t -> !tables.contains(t) && !out.containsKey(t))
            .forEach(t -> out.put(t, found.getOrDefault(t, 0L)));
        return out;
      });
    }));
  }

  /** Creates the schema as of {@code version}. */
  public Future<Void> migrate(int version) {
    return Migrations.apply(db, version);
  }

  /** Loads the rows in one transaction: {@code work} inserts through the {@link Loader} it gets. */
  public <T> Future<T> load(Function<Loader, Future<T>> work) {
    return db.transaction(conn -> Tables.list(db, conn).compose(tables -> {
      Map<String, Tables.Table> byName = new HashMap<>();
      tables.forEach(t -> byName.put(t.name(), t));
      Future<Void> clear = Future.succeededFuture();
      for (String seeded : Tables.SEEDED) {
        if (byName.containsKey(seeded)) {
          clear = clear.compose(v -> db.query(conn, "DELETE FROM " + seeded).mapEmpty());
        }
      }
      return clear.compose(v -> work.apply(new Loader(conn, byName)));
    }));
  }

  public Future<Void> close() {
    return db.close();
  }

  /** Inserts rows into the target's tables, inside {@link #load}'s transaction. */
  public final class Loader {
    private final SqlConnection conn;
    private final Map<String, Tables.Table> tables;

    private Loader(SqlConnection conn, Map<String, Tables.Table> tables) {
      this.conn = conn;
      this.tables = tables;
    }

    /** The target's columns of {@code table}, or null when the target has no such table. */
    public List<String> columns(String table) {
      Tables.Table t = tables.get(table);
      return t == null ? null : t.columns();
    }

    /**
     * Inserts {@code rows} (values in the order of {@code columns}); each value is converted to
     * its target column's type, as SQLite keeps what it is given and PostgreSQL's types are strict.
     */
    public Future<Void> insert(String table, List<String> columns, List<JsonArray> rows) {
      Tables.Table t = tables.get(table);
      if (rows.isEmpty() || t == null) {
        return Future.succeededFuture();
      }
      List<String> types = new ArrayList<>();
      for (String c : columns) {
        int i = t.columns().indexOf(c);
        types.add(i < 0 ? null : t.types().get(i));
      }
      List<Tuple> tuples = new ArrayList<>(rows.size());
      for (JsonArray row : rows) {
        Tuple tuple = Tuple.tuple();
        for (int i = 0; i < columns.size(); i++) {
          tuple.addValue(convert(row.getValue(i), types.get(i)));
        }
        tuples.add(tuple);
      }
      String sql = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
          + String.join(", ", java.util.Collections.nCopies(columns.size(), "?")) + ")";
      return conn.preparedQuery(db.dialect().sql(sql)).executeBatch(tuples).mapEmpty();
    }

    /**
     * PostgreSQL: every sequence moves past the numbers in use and past its value in the source
     * ({@code saved}), so new rows never collide with restored ones. SQLite derives them itself.
     */
    public Future<Void> sequences(Map<String, Long> saved) {
      if (db.dialect() != Dialect.POSTGRES) {
        return Future.succeededFuture();
      }
      return db.query(conn, "SELECT table_name, column_name, column_default FROM information_schema.columns "
          + "WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'").compose(rows -> {
            Future<Void> chain = Future.succeededFuture();
            for (Row r : rows) {
              String def = r.getString(2);
              String sequence = def.substring(def.indexOf('\'') + 1, def.indexOf('\'', def.indexOf('\'') + 1));
              long floor = saved.getOrDefault(sequence, 0L);
              chain = chain.compose(v -> db.query(conn, "SELECT setval('" + sequence + "', GREATEST(COALESCE((SELECT "
                  + "MAX(" + r.getString(1) + ") FROM " + r.getString(0) + "), 0), ?) + 1, false)", floor).mapEmpty());
            }
            return chain;
          });
    }
  }

  private static Object convert(Object value, String type) {
    if (value == null || type == null) {
      return value;
    }
    String t = type.toUpperCase(Locale.ROOT);
    if (t.contains("INT")) {
      return value instanceof Number n ? (Object) n.longValue() : Long.valueOf(value.toString());
    }
    if (t.contains("DOUBLE") || t.contains("REAL") || t.contains("FLOAT") || t.contains("NUMERIC")) {
      return value instanceof Number n ? (Object) n.doubleValue() : Double.valueOf(value.toString());
    }
    if (t.contains("TEXT") || t.contains("CHAR")) {
      return value.toString();
    }
    return value;
  }
}
