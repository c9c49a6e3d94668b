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
  /**
   * Some outputs arrived but not the final weights (checkpoints only, or a job that did not
   * complete): nothing was sent to remote targets; what arrived is on this server.
   */
  public static final String INCOMPLETE = "incomplete";
  /** The job did not complete, so there was nothing to deliver. */
  public static final String SKIPPED = "skipped";

  private DeliveryStatus() {
  }
}
