package dev.simpletuner.cloud.server.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The two SQL backends. Statements are written once with {@code ?} placeholders; PostgreSQL gets
 * them rewritten to {@code $1, $2, ...}.
 */
public enum Dialect {
  SQLITE("sqlite"),
  POSTGRES("postgres");

  private final String folder;
  private final Map<String, String> rewritten = new ConcurrentHashMap<>();

  Dialect(String folder) {
    this.folder = folder;
  }

  /** Resource folder with this dialect's migrations. */
  public String migrationsFolder() {
    return "db/" + folder;
  }

  public String sql(String statement) {
    if (this == SQLITE) {
      return statement;
    }
    return rewritten.computeIfAbsent(statement, Dialect::numberPlaceholders);
  }

  private static String numberPlaceholders(String sql) {
    StringBuilder out = new StringBuilder(sql.length() + 16);
    boolean quoted = false;
    int n = 0;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      }
      if (c == '?' && !quoted) {
        out.append('$').append(++n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
