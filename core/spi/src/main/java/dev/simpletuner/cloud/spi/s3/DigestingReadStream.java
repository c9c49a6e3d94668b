package dev.simpletuner.cloud.spi.s3;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Passes a stream through unchanged while computing the MD5 of what went by (to check S3's ETag).
 * Once detached it ignores flow control, so a pipe that notices a failed request after the file was
 * closed does not touch the closed file.
 */
public final class DigestingReadStream implements ReadStream<Buffer> {
  private final ReadStream<Buffer> source;
  private final MessageDigest md5;
  private volatile boolean detached;

  public DigestingReadStream(ReadStream<Buffer> source) {
    this.source = source;
    try {
      this.md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Called before the source is closed. */
  public void detach() {
    detached = true;
  }

  /** Lowercase hex MD5 of everything passed so far. */
  public String md5Hex() {
    return HexFormat.of().formatHex(md5.digest());
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    source.handler(handler == null ? null : buffer -> {
      if (!detached) {
        md5.update(buffer.getBytes());
        handler.handle(buffer);
      }
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    if (!detached) {
      source.pause();
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    if (!detached) {
      source.resume();
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    if (!detached) {
      source.fetch(amount);
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler);
    return this;
  }
}
