package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Job log lines, kept apart from the job row. Lines are numbered from 1 per job; only the newest
 * lines are kept (see {@link #trim}).
 */
public final class LogStore {
  private final Db db;

  LogStore(Db db) {
    this.db = db;
  }

  /** One stored line. */
  public record Line(long seq, String text) {
  }

  public Future<Void> append(String jobId, long firstSeq, List<String> lines, long now) {
    List<Tuple> rows = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      rows.add(Tuple.of(jobId, firstSeq + i, now, lines.get(i)));
    }
    return db.batch("INSERT INTO job_logs (job_id, seq, created_at, line) VALUES (?, ?, ?, ?)", rows).mapEmpty();
  }

  /** Drops lines numbered {@code seq} or lower. */
  public Future<Void> trim(String jobId, long seq) {
    return db.query("DELETE FROM job_logs WHERE job_id = ? AND seq <= ?", jobId, seq).mapEmpty();
  }

  /** Number of the last line stored for the job; 0 when there is none. */
  public Future<Long> lastSeq(String jobId) {
    return db.query("SELECT MAX(seq) FROM job_logs WHERE job_id = ?", jobId).map(rows -> {
      Long max = rows.iterator().next().getLong(0);
      return max == null ? 0L : max;
    });
  }

  /** Up to {@code limit} lines after {@code afterSeq}, oldest first. */
  public Future<List<Line>> after(String jobId, long afterSeq, int limit) {
    return db.query("SELECT seq, line FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?", jobId,
        afterSeq, limit).map(LogStore::lines);
  }

  /** The last {@code limit} lines, oldest first. */
  public Future<List<Line>> tail(String jobId, int limit) {
    return db.query("SELECT seq, line FROM job_logs WHERE job_id = ? ORDER BY seq DESC LIMIT ?", jobId, limit)
        .map(rows -> {
          List<Line> lines = lines(rows);
          java.util.Collections.reverse(lines);
          return lines;
        });
  }

  private static List<Line> lines(Iterable<Row> rows) {
    List<Line> out = new ArrayList<>();
    for (Row row : rows) {
      out.add(new Line(row.getLong(0), row.getString(1)));
    }
    return out;
  }
}
