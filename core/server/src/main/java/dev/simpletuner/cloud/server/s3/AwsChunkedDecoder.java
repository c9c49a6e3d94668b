package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.spi.s3.SigV4;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Decodes an {@code aws-chunked} body as it streams in ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD},
 * its {@code -TRAILER} variant, and {@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}): hands the payload
 * bytes on, checks every chunk signature against the previous one (starting from the request's
 * signature) and the trailer's signature, and collects the trailing headers (checksums).
 */
final class AwsChunkedDecoder {
  private static final int MAX_LINE = 8192;
  private enum State { HEADER, DATA, DATA_END, TRAILER, DONE }

  private final Consumer<Buffer> payload;
  private final boolean signed;
  private final StorageAuth.Grant grant;
  private final Map<String, String> trailers = new LinkedHashMap<>();
  private final StringBuilder trailerBlock = new StringBuilder();
  private final MessageDigest chunkHash;
  private Buffer line = Buffer.buffer();
  private State state = State.HEADER;
  private long remaining;
  private String chunkSignature;
  private String previousSignature;
  private String trailerSignature;

  AwsChunkedDecoder(StorageAuth.Grant grant, boolean signed, Consumer<Buffer> payload) {
    this.grant = grant;
    this.signed = signed;
    this.payload = payload;
    this.previousSignature = grant.seedSignature();
    try {
      this.chunkHash = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean isChunked(String payloadHash) {
    return payloadHash != null && payloadHash.startsWith("STREAMING-");
  }

  static boolean isSigned(String payloadHash) {
    return payloadHash.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
  }

  /** Trailing headers (lower-case names), e.g. {@code x-amz-checksum-crc32}. */
  Map<String, String> trailers() {
    return trailers;
  }

  void feed(Buffer in) {
    int pos = 0;
    int len = in.length();
    while (pos < len) {
      switch (state) {
        case DATA -> {
          int take = (int) Math.min(remaining, len - pos);
          Buffer slice = in.slice(pos, pos + take);
          if (signed) {
            chunkHash.update(((BufferInternal) slice).getByteBuf().nioBuffer());
          }
          payload.accept(slice);
          pos += take;
          remaining -= take;
          if (remaining == 0) {
            state = State.DATA_END;
          }
        }
        case DONE -> throw S3Exception.invalidArgument("Unexpected bytes after the end of the aws-chunked body.");
        default -> {
          byte b = in.getByte(pos++);
          line.appendByte(b);
          if (line.length() > MAX_LINE) {
            throw S3Exception.invalidArgument("An aws-chunked header line is too long.");
          }
          if (b == '\n') {
            String text = line.toString(StandardCharsets.US_ASCII);
            line = Buffer.buffer();
            if (!text.endsWith("\r\n")) {
              throw S3Exception.invalidArgument("Malformed aws-chunked body: lines must end with CRLF.");
            }
            onLine(text.substring(0, text.length() - 2));
          }
        }
      }
    }
  }

  private void onLine(String text) {
    switch (state) {
      case HEADER -> header(text);
      case DATA_END -> {
        if (!text.isEmpty()) {
          throw S3Exception.invalidArgument("Malformed aws-chunked body: chunk data longer than declared.");
        }
        verifyChunk();
        state = State.HEADER;
      }
      case TRAILER -> trailer(text);
      default -> throw new IllegalStateException(state.name());
    }
  }

  private void header(String text) {
    String size = text;
    chunkSignature = null;
    int semi = text.indexOf(';');
    if (semi >= 0) {
      size = text.substring(0, semi);
      String ext = text.substring(semi + 1);
      if (ext.startsWith("chunk-signature=")) {
        chunkSignature = ext.substring("chunk-signature=".length()).strip();
      }
    }
    try {
      remaining = Long.parseLong(size.strip(), 16);
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("Malformed aws-chunked body: bad chunk size '" + size + "'.");
    }
    if (remaining < 0) {
      throw S3Exception.invalidArgument("Malformed aws-chunked body: negative chunk size.");
    }
    if (signed && chunkSignature == null) {
      throw S3Exception.signatureMismatch();
    }
    if (remaining == 0) {
      verifyChunk();
      state = State.TRAILER;
    } else {
      state = State.DATA;
    }
  }

  private void verifyChunk() {
    if (!signed) {
      return;
    }
    String hash = HexFormat.of().formatHex(chunkHash.digest());
    String toSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + grant.amzDate() + "\n" + SigV4.scope(grant.amzDate(), grant.region())
        + "\n" + previousSignature + "\n" + SigV4.EMPTY_SHA256 + "\n" + hash;
    String expected = SigV4.hmacHex(grant.signingKey(), toSign);
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        chunkSignature.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
      throw S3Exception.signatureMismatch();
    }
    previousSignature = expected;
  }

  private void trailer(String text) {
    if (text.isEmpty()) {
      if (signed && !trailers.isEmpty()) {
        verifyTrailer();
      }
      state = State.DONE;
      return;
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw S3Exception.invalidArgument("Malformed aws-chunked trailer line.");
    }
    String name = text.substring(0, colon).strip().toLowerCase(Locale.ROOT);
    String value = text.substring(colon + 1).strip();
    if (name.equals("x-amz-trailer-signature")) {
      trailerSignature = value;
    } else {
      trailers.put(name, value);
      trailerBlock.append(name).append(':').append(value).append('\n');
    }
  }

  private void verifyTrailer() {
    if (trailerSignature == null) {
      throw S3Exception.signatureMismatch();
    }
    String toSign = "AWS4-HMAC-SHA256-TRAILER\n" + grant.amzDate() + "\n" + SigV4.scope(grant.amzDate(), grant.region())
        + "\n" + previousSignature + "\n" + SigV4.sha256Hex(trailerBlock.toString().getBytes(StandardCharsets.UTF_8));
    String expected = SigV4.hmacHex(grant.signingKey(), toSign);
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        trailerSignature.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
      throw S3Exception.signatureMismatch();
    }
  }

  /** Fails unless the body ended where the encoding says it ends. */
  void end() {
    if (state != State.DONE) {
      throw S3Exception.incompleteBody();
    }
  }
}
