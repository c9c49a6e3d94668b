package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.store.WorkerStore.Worker;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a worker job asks of its worker: labels (values as glob patterns, {@code *}, {@code ?},
 * {@code [...]}, as WORKERS.md's {@code "a100*"}) and a number of GPUs. Labels come from the
 * worker's creation; GPUs from what its agent detected. Read from the job's metadata, where the
 * submit handler keeps {@code worker_labels} and {@code gpu_count}.
 */
record WorkerRequirements(Map<String, Pattern> labels, int gpus) {

  static WorkerRequirements of(Job job) {
    return of(job.metadata() == null ? new JsonObject() : job.metadata(), job.config());
  }

  /** From a job's metadata and config (null when there is none yet). */
  static WorkerRequirements of(JsonObject meta, JsonObject config) {
    Map<String, Pattern> labels = new LinkedHashMap<>();
    JsonObject wanted = meta.getJsonObject("worker_labels", new JsonObject());
    wanted.forEach(e -> labels.put(e.getKey(), glob(String.valueOf(e.getValue()))));
    Integer gpus = meta.getInteger("gpu_count");
    if (gpus == null && config != null) {
      gpus = processes(config.getValue("--num_processes"));
    }
    return new WorkerRequirements(labels, gpus == null ? 0 : gpus);
  }

  boolean matches(Worker worker) {
    for (Map.Entry<String, Pattern> label : labels.entrySet()) {
      Object value = worker.labels().getValue(label.getKey());
      if (value == null || !label.getValue().matcher(String.valueOf(value)).matches()) {
        return false;
      }
    }
    return gpus <= 0 || gpuCount(worker) >= gpus;
  }

  static int gpuCount(Worker worker) {
    Object count = worker.gpuInfo().getValue("count");
    return count instanceof Number n ? n.intValue() : 0;
  }

  private static Integer processes(Object value) {
    if (value instanceof Number n) {
      return n.intValue();
    }
    if (value instanceof String s && s.strip().matches("\\d{1,4}")) {
      return Integer.parseInt(s.strip());
    }
    return null;
  }

  /** fnmatch-style: {@code *} any run, {@code ?} one character, {@code [abc]}/{@code [!abc]} a set. */
  static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      int close = c == '[' ? pattern.indexOf(']', i + 2) : -1;
      if (c == '*') {
        regex.append(".*");
      } else if (c == '?') {
        regex.append('.');
      } else if (close > 0) {
        String set = pattern.substring(i + 1, close);
        boolean negated = set.startsWith("!");
        regex.append('[').append(negated ? "^" : "");
        for (char m : (negated ? set.substring(1) : set).toCharArray()) {
          regex.append("\\[]^&".indexOf(m) >= 0 ? "\\" + m : String.valueOf(m));
        }
        regex.append(']');
        i = close;
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    try {
      return Pattern.compile(regex.toString(), Pattern.DOTALL);
    } catch (java.util.regex.PatternSyntaxException e) {
      return Pattern.compile(Pattern.quote(pattern)); // an odd set such as "[!]": taken literally
    }
  }
}
