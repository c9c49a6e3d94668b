package dev.simpletuner.cloud.spi;

/** A provider's view of a job, in the host's words. The host maps it onto its own state machine. */
public enum ProviderStatus {
  QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
