package dev.simpletuner.cloud.spi.delivery;

import dev.simpletuner.cloud.spi.CredentialStatus;
import io.vertx.core.Future;

/**
 * One configured delivery target. Methods run on Vert.x event-loop threads and must not block.
 *
 * <p>A target works in one of two ways for a job, decided by {@link #plan}: the trainer publishes
 * to it itself (the plan adds what the trainer needs to its config), or the trainer sends its
 * outputs home to this server and the host later calls {@link #deliver} with the received files,
 * so that credentials never leave this machine.
 */
public interface DeliveryTarget extends AutoCloseable {

  /** Checks the configured settings against the real service (credentials valid, bucket writable, ...). */
  default Future<CredentialStatus> validate() {
    return Future.succeededFuture(CredentialStatus.ok(null));
  }

  /**
   * Decides how this target serves one job, at submit time. Fails with
   * {@link IllegalArgumentException} (its message shown to the user, nothing submitted) when the
   * job cannot be served, e.g. a repo name is missing.
   */
  Future<DeliveryPlan> plan(DeliveryRequest request);

  /**
   * Delivers the files the host holds for a completed job (only called when the plan said
   * {@link DeliveryPlan#serverDelivers()}). Stream files, never read one into memory whole; retry
   * transient failures; a call for a job that was partly delivered before (a restart) should
   * resume rather than start over where the service allows it. Fails with a message the user sees.
   */
  default Future<DeliveryResult> deliver(DeliveryJob job, DeliveryProgress progress) {
    return Future.failedFuture(new UnsupportedOperationException("this target only publishes through the trainer"));
  }

  @Override
  default void close() {
  }
}
