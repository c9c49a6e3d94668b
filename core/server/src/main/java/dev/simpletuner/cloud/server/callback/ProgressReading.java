package dev.simpletuner.cloud.server.callback;

import io.vertx.core.json.JsonObject;

/**
 * One observation of training progress, from a trainer callback or a log line. Null fields were
 * not observed and keep their previous values when merged.
 */
public record ProgressReading(String stage, Long current, Long total, Double percent, Double etaSeconds, Double loss,
                              Double learningRate, Double epoch) {

  public boolean isEmpty() {
    return stage == null && current == null && total == null && percent == null && etaSeconds == null && loss == null
        && learningRate == null && epoch == null;
  }

  /**
   * This reading updated by a later one: the later one's values where it has them, except that
   * steps never go back.
   */
  public ProgressReading followedBy(ProgressReading later) {
    boolean back = later.current != null && current != null && later.current < current;
    return new ProgressReading(later.stage != null ? later.stage : stage,
        back || later.current == null ? current : later.current, later.total != null ? later.total : total,
        back || later.percent == null ? percent : later.percent,
        back || later.etaSeconds == null ? etaSeconds : later.etaSeconds,
        back || later.loss == null ? loss : later.loss,
        back || later.learningRate == null ? learningRate : later.learningRate,
        later.epoch != null ? later.epoch : epoch);
  }

  /**
   * Merges this reading into the stored progress. Step counts never go backwards, so a late,
   * duplicated or reordered report cannot rewind the job.
   *
   * @param startedAt when the job started running, for an ETA estimate; may be null
   */
  public JsonObject mergeInto(JsonObject stored, String source, long now, Long startedAt) {
    JsonObject p = stored == null ? new JsonObject() : stored.copy();
    Long prevCurrent = p.getLong("current");
    if (current != null && prevCurrent != null && current < prevCurrent) {
      return p;
    }
    putIfSet(p, "stage", stage);
    putIfSet(p, "current", current);
    putIfSet(p, "total", total);
    putIfSet(p, "loss", finite(loss));
    putIfSet(p, "learning_rate", finite(learningRate));
    putIfSet(p, "epoch", finite(epoch));
    Long cur = p.getLong("current");
    Long tot = p.getLong("total");
    Double pct = percent != null ? percent : cur != null && tot != null && tot > 0 ? 100.0 * cur / tot : null;
    if (pct != null) {
      p.put("percent", Math.round(Math.max(0, Math.min(100, pct)) * 10) / 10.0);
    }
    Double eta = etaSeconds;
    if (eta == null && startedAt != null && cur != null && tot != null && cur > 0 && tot >= cur) {
      eta = (now - startedAt) / 1000.0 / cur * (tot - cur);
    }
    if (eta != null && Double.isFinite(eta)) {
      p.put("eta_seconds", Math.max(0, Math.round(eta)));
    }
    p.put("source", source);
    p.put("updated_at", now);
    return p;
  }

  private static Double finite(Double d) {
    return d == null || !Double.isFinite(d) ? null : d;
  }

  private static void putIfSet(JsonObject p, String key, Object value) {
    if (value != null) {
      p.put(key, value);
    }
  }
}
