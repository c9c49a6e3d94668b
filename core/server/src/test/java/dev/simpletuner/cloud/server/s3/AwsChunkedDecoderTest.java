package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.spi.s3.SigV4;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Signed aws-chunked bodies (external-apis.md 3.4): the chain of chunk signatures and the trailer
 * signature must verify however the bytes are split on the wire, and any change is refused.
 */
class AwsChunkedDecoderTest {
  private static final String DATE = "20261129T100000Z";
  private static final String REGION = "us-east-1";
  private static final byte[] KEY = SigV4.signingKey("secret", DATE, REGION);
  private static final String SEED = "a".repeat(64);

  private static StorageAuth.Grant grant() {
    return new StorageAuth.Grant("job", JobTokens.StorageKind.OUTPUTS, DATE, REGION, SEED, KEY,
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
  }

  /** Encodes {@code chunks} as a signed aws-chunked body with a CRC32 trailer. */
  private static String body(String trailerValue, String... chunks) throws Exception {
    StringBuilder b = new StringBuilder();
    String previous = SEED;
    for (String chunk : chunks) {
      previous = sign("AWS4-HMAC-SHA256-PAYLOAD", previous, SigV4.EMPTY_SHA256 + "\n" + sha(chunk));
      b.append(Integer.toHexString(chunk.length())).append(";chunk-signature=").append(previous).append("\r\n")
          .append(chunk).append("\r\n");
    }
    previous = sign("AWS4-HMAC-SHA256-PAYLOAD", previous, SigV4.EMPTY_SHA256 + "\n" + SigV4.EMPTY_SHA256);
    b.append("0;chunk-signature=").append(previous).append("\r\n");
    String trailer = "x-amz-checksum-crc32:" + trailerValue + "\n";
    String trailerSignature = sign("AWS4-HMAC-SHA256-TRAILER", previous, sha(trailer));
    return b.append("x-amz-checksum-crc32:").append(trailerValue).append("\r\n")
        .append("x-amz-trailer-signature:").append(trailerSignature).append("\r\n\r\n").toString();
  }

  private static String sign(String algorithm, String previous, String rest) {
    return SigV4.hmacHex(KEY, algorithm + "\n" + DATE + "\n" + SigV4.scope(DATE, REGION) + "\n" + previous + "\n"
        + rest);
  }

  private static String sha(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  private static String decode(String wire, int splitEvery) {
    StringBuilder out = new StringBuilder();
    AwsChunkedDecoder decoder = new AwsChunkedDecoder(grant(), true, b -> out.append(b.toString()));
    byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += splitEvery) {
      decoder.feed(Buffer.buffer().appendBytes(bytes, i, Math.min(splitEvery, bytes.length - i)));
    }
    decoder.end();
    assertThat(decoder.trailers()).containsEntry("x-amz-checksum-crc32", "AAAAAA==");
    return out.toString();
  }

  @Test
  void decodesAndVerifiesHoweverTheBytesAreSplit() throws Exception {
    String wire = body("AAAAAA==", "hello, ", "chunked ", "world");
    for (int split : new int[] {1, 2, 3, 7, 64, 4096}) {
      assertThat(decode(wire, split)).isEqualTo("hello, chunked world");
    }
  }

  @Test
  void aChangedChunkOrTrailerIsRefused() throws Exception {
    String wire = body("AAAAAA==", "hello, ", "world");
    assertThatThrownBy(() -> decode(wire.replace("world", "WORLD"), 4096))
        .isInstanceOf(S3Exception.class).hasMessageContaining("signature");
    assertThatThrownBy(() -> decode(wire.replace("AAAAAA==", "BBBBBB=="), 4096))
        .isInstanceOf(S3Exception.class).hasMessageContaining("signature");
  }

  @Test
  void aTruncatedBodyIsIncomplete() throws Exception {
    String wire = body("AAAAAA==", "hello");
    assertThatThrownBy(() -> decode(wire.substring(0, wire.length() - 10), 4096))
        .isInstanceOf(S3Exception.class).extracting(e -> ((S3Exception) e).code()).isEqualTo("IncompleteBody");
  }
}
