package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/** The aggregate reads behind the Prometheus gauges: one query per metric family. */
public final class TelemetryStore {
  private final Db db;

  TelemetryStore(Db db) {
    this.db = db;
  }

  /** How many jobs have this status at this provider. */
  public record Count(String status, String provider, long jobs) {
  }

  public Future<List<Count>> jobCounts() {
    return db.query("SELECT status, provider, COUNT(*) FROM jobs GROUP BY status, provider").map(rows -> {
      List<Count> out = new ArrayList<>();
      rows.forEach(r -> out.add(new Count(r.getString(0), r.getString(1), r.getLong(2))));
      return out;
    });
  }

  /** A provider's queue: how many jobs wait and since when the oldest does. */
  public record Queue(String provider, long depth, long oldestSince) {
  }

  public Future<List<Queue>> queues() {
    return db.query("SELECT provider, COUNT(*), MIN(created_at) FROM jobs WHERE status = ? GROUP BY provider",
        "queued").map(rows -> {
          List<Queue> out = new ArrayList<>();
          rows.forEach(r -> out.add(new Queue(r.getString(0), r.getLong(1), r.getLong(2))));
          return out;
        });
  }
}
