package dev.simpletuner.cloud.server.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes a message between verticles of this process as the object it is, without copying: the
 * typed requests and answers of {@link Bus#ask} are records of immutable values. The event bus is
 * never clustered (instances share the database, not a bus), so there is no wire format.
 */
final class LocalCodec implements MessageCodec<Object, Object> {
  static final String NAME = "local-object";

  @Override
  public void encodeToWire(Buffer buffer, Object o) {
    throw new UnsupportedOperationException("typed messages stay in this process");
  }

  @Override
  public Object decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("typed messages stay in this process");
  }

  @Override
  public Object transform(Object o) {
    return o;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
