package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema migrations, applied at start-up in one transaction each. PostgreSQL takes an
 * advisory lock so instances starting together apply each version once.
 */
final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  /**
   * In order; each one's number is in its name. A released migration is never edited; add a new
   * one. Numbers may have gaps (work on separate branches takes numbers ahead): every one not yet
   * applied is applied, so a number merged in later still runs.
   */
  static final List<String> VERSIONS = List.of("V1__jobs_configs_settings", "V2__users_keys_audit_approvals",
      "V3__job_metrics", "V4__outputs_and_delivery", "V5__cluster", "V6__job_artifacts",
      "V7__workers", "V8__numeric_ids", "V9__config_versions_and_sweeps", "V10__retention",
      "V11__storage_object_files_and_attributes", "V12__notifications", "V14__sweep_keys",
      "V15__completed_upload_purge", "V16__server_events", "V18__upload_part_checksums",
      "V19__upload_part_offsets");
  private static final long PG_LOCK_KEY = 0x53544d4947L; // "STMIG"

  private Migrations() {
  }

  static Future<Void> apply(Db db) {
    return apply(db, latest());
  }

  /** The newest version this server knows. */
  static int latest() {
    return number(VERSIONS.get(VERSIONS.size() - 1));
  }

  /** Applies the versions up to {@code upTo} only (a restore loads rows in the schema they were saved in). */
  static Future<Void> apply(Db db, int upTo) {
    return db.transaction(conn -> lock(db, conn)
        .compose(v -> db.query(conn, "CREATE TABLE IF NOT EXISTS schema_migrations "
            + "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"))
        .compose(v -> db.query(conn, "SELECT version FROM schema_migrations"))
        .compose(rows -> {
          java.util.Set<Integer> applied = new java.util.HashSet<>();
          for (Row row : rows) {
            applied.add(row.getInteger(0));
          }
          int newest = applied.stream().mapToInt(Integer::intValue).max().orElse(0);
          if (newest > latest()) {
            return Future.failedFuture(new IllegalStateException("The database schema (version " + newest
                + ") is newer than this server knows (" + latest() + "). Upgrade the server."));
          }
          Future<Void> chain = Future.succeededFuture();
          for (String name : VERSIONS) {
            if (!applied.contains(number(name)) && number(name) <= upTo) {
              chain = chain.compose(x -> applyOne(db, conn, name));
            }
          }
          return chain;
        }));
  }

  private static Future<Void> lock(Db db, SqlConnection conn) {
    if (db.dialect() != Dialect.POSTGRES) {
      return Future.succeededFuture();
    }
    return db.query(conn, "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(?)) AS l", PG_LOCK_KEY).mapEmpty();
  }

  /** The number of a migration: {@code V10__retention} is 10. */
  static int number(String name) {
    return Integer.parseInt(name.substring(1, name.indexOf("__")));
  }

  private static Future<Void> applyOne(Db db, SqlConnection conn, String name) {
    int version = number(name);
    Future<Void> chain = Future.succeededFuture();
    for (String statement : statements(db.dialect().migrationsFolder() + "/" + name + ".sql")) {
      chain = chain.compose(v -> conn.query(statement).execute().mapEmpty());
    }
    return chain
        .compose(v -> db.query(conn, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            version, name, System.currentTimeMillis()))
        .onSuccess(v -> LOG.info("Applied database migration {} ({})", version, name))
        .mapEmpty();
  }

  private static List<String> statements(String resource) {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Missing migration " + resource);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> out = new ArrayList<>();
      for (String part : text.split(";\\s*(\\n|$)")) {
        String stripped = stripComments(part).strip();
        if (!stripped.isEmpty()) {
          out.add(stripped);
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String stripComments(String sql) {
    StringBuilder out = new StringBuilder();
    for (String line : sql.split("\n")) {
      if (!line.strip().startsWith("--")) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }
}
