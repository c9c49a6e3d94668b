package dev.simpletuner.cloud.server.delivery;

/** The states of one delivery target of a job (the {@code status} of each entry in {@code job.delivery}). */
public final class DeliveryStatus {
  /** Waits for the job to complete and its outputs to arrive. */
  public static final String PENDING = "pending";
  public static final String DELIVERING = "delivering";
  public static final String DELIVERED = "delivered";
  public static final String FAILED = "failed";
  /** The trainer publishes there itself; this server cannot observe it. */
  public static final String DELEGATED = "delegated";
  /** The job did not complete, so there was nothing to deliver. */
  public static final String SKIPPED = "skipped";

  private DeliveryStatus() {
  }
}
