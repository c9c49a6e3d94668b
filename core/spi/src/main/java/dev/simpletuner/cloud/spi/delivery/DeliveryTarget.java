package dev.simpletuner.cloud.spi.delivery;

import dev.simpletuner.cloud.spi.CredentialStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * One configured delivery target. The host calls its methods that return a {@code Future} on
 * Vert.x event-loop threads, so they must not block (do blocking work with {@code vertx.executeBlocking}); a call that does not answer
 * within the server's plugin call timeout fails ({@link #deliver} excepted), and a target that
 * keeps failing is paused for a while.
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
   * True when this target serves a job whose submission names no targets: it is switched on for
   * every job in its settings, or the trainer config asks for it (e.g. {@code --push_to_hub} for a
   * model hub). Answer from memory: this is asked at every submission.
   *
   * @param config the trainer config as submitted (CLI-style keys); read only
   */
  default boolean servesByDefault(JsonObject config) {
    return false;
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
