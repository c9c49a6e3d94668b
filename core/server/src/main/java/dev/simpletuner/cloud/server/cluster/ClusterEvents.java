package dev.simpletuner.cloud.server.cluster;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/** Marks job events that another instance published (relayed through PostgreSQL notifications). */
public final class ClusterEvents {
  static final String ORIGIN_HEADER = "origin";

  private ClusterEvents() {
  }

  /** True for an event relayed from another instance: background work reacts to its own events only. */
  public static boolean isRemote(Message<?> message) {
    return message.headers().contains(ORIGIN_HEADER);
  }

  static DeliveryOptions from(String origin) {
    return new DeliveryOptions().addHeader(ORIGIN_HEADER, origin);
  }
}
