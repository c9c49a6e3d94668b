package dev.simpletuner.cloud.server.job;

import java.util.Locale;

/** Where a job runs: on this machine or with a cloud provider. */
public enum JobType {
  LOCAL, CLOUD;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static JobType parse(String value) {
    for (JobType t : values()) {
      if (t.wireName().equals(value)) {
        return t;
      }
    }
    return null;
  }
}
