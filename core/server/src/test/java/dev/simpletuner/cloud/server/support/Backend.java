package dev.simpletuner.cloud.server.support;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;
import java.util.UUID;

/**
 * The two store backends tests run against. PostgreSQL is the real server on 127.0.0.1:5432
 * (started by .ci/run); each test server gets a database of its own, dropped afterwards.
 */
public enum Backend {
  SQLITE, POSTGRES;

  private static final String ADMIN_URL = System.getProperty("test.postgres.url",
      "postgresql://postgres@127.0.0.1:5432/postgres");

  /** A fresh database URL, or null for SQLite (the server then uses its state directory). */
  public String newDatabase() {
    if (this == SQLITE) {
      return null;
    }
    String name = "st_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    admin("CREATE DATABASE " + name);
    PgConnectOptions admin = PgConnectOptions.fromUri(ADMIN_URL);
    return "postgresql://" + admin.getUser() + "@" + admin.getHost() + ":" + admin.getPort() + "/" + name;
  }

  public void dropDatabase(String url) {
    if (url == null) {
      return;
    }
    String name = url.substring(url.lastIndexOf('/') + 1);
    admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static void admin(String sql) {
    Vertx vertx = Vertx.vertx();
    try {
      SqlConnection conn = PgConnection.connect(vertx, PgConnectOptions.fromUri(ADMIN_URL)).await();
      try {
        conn.query(sql).execute().await();
      } finally {
        conn.close().await();
      }
    } finally {
      vertx.close().await();
    }
  }
}
