package dev.simpletuner.cloud.spi.s3;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One S3 request, described so it can be signed and sent again on every retry attempt (a file body
 * is re-opened each time, so nothing is held in memory between attempts).
 *
 * @param what        a few words for error messages, e.g. "PUT s3://bucket/key"
 * @param rawQuery    already encoded query, or null
 * @param headers     extra headers to send and sign (e.g. {@code x-amz-meta-sha256})
 * @param payloadHash hex SHA-256 of the body, or {@code UNSIGNED-PAYLOAD}
 * @param body        a small in-memory body, or null
 * @param file        a byte range of a file streamed as the body, or null
 * @param errorIn200  the operation may answer 200 with an {@code <Error>} body (CompleteMultipartUpload)
 */
public record S3Request(String what, HttpMethod method, String key, String rawQuery, Map<String, String> headers,
                 String payloadHash, Buffer body, FileSlice file, boolean errorIn200) {

  /** {@code length} bytes of {@code path} from {@code offset}. */
  public record FileSlice(Path path, long offset, long length) {
  }

  public S3Request {
    headers = headers == null ? Map.of() : new LinkedHashMap<>(headers);
  }
}
