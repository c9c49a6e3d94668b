package dev.simpletuner.cloud.spi.delivery;

/** Lets a target report how far a delivery got; calls are cheap and may come from any thread. */
@FunctionalInterface
public interface DeliveryProgress {

  void bytesDone(long done, long total);

  DeliveryProgress NONE = (done, total) -> { };
}
