package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Object bodies go out as stored on both listeners: never compressed, whatever the client accepts
 * (Python's requests asks for gzip on every presigned download), whole or by range, large or empty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObjectBodyTest {
  private RootListenerServer listener;
  private byte[] body;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Java's default: HTTP/2, by an h2c upgrade on plain HTTP (the host then travels as :authority). */
  private final HttpClient http2 = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws IOException {
    listener = RootListenerServer.start();
    // Text compresses well: a compressing server would take its chance.
    StringBuilder text = new StringBuilder();
    Random random = new Random(7);
    while (text.length() < 3 * 1024 * 1024) {
      text.append("step ").append(random.nextInt(1000)).append(" loss 0.1\n");
    }
    body = text.toString().getBytes();
    try (S3Client s3 = client(base(false))) {
      s3.putObject(b -> b.bucket("outputs").key(listener.job() + "/log.txt"), RequestBody.fromBytes(body));
      s3.putObject(b -> b.bucket("outputs").key(listener.job() + "/empty.txt"), RequestBody.empty());
    }
  }

  @AfterAll
  void stop() throws IOException {
    listener.close();
  }

  private String base(boolean root) {
    return root ? "http://127.0.0.1:" + listener.s3Port() : listener.server().api().base() + "/api/cloud/storage";
  }

  private S3Client client(String endpoint) {
    return S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(credentials()).build();
  }

  private StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(listener.accessKey(), listener.secret()));
  }

  private HttpResponse<byte[]> get(boolean root, String name, String range) throws Exception {
    return get(http, root, name, range);
  }

  private HttpResponse<byte[]> get(HttpClient client, boolean root, String name, String range) throws Exception {
    try (S3Presigner presigner = S3Presigner.builder().endpointOverride(URI.create(base(root)))
        .region(Region.US_EAST_1).credentialsProvider(credentials())
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
      URI url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(g -> g.bucket("outputs").key(listener.job() + "/" + name))).url().toURI();
      HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Accept-Encoding", "gzip, deflate");
      if (range != null) {
        request.header("Range", range);
      }
      return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
  }

  @Test
  void bodiesAreSentAsStoredOnBothListeners() throws Exception {
    for (boolean root : new boolean[] {false, true}) {
      HttpResponse<byte[]> whole = get(root, "log.txt", null);
      assertThat(whole.statusCode()).isEqualTo(200);
      assertThat(whole.headers().firstValue("Content-Encoding")).as("root listener: %s", root).isEmpty();
      assertThat(whole.headers().firstValue("Content-Length")).hasValue(String.valueOf(body.length));
      assertThat(whole.body()).isEqualTo(body);

      HttpResponse<byte[]> part = get(root, "log.txt", "bytes=1000000-2999999");
      assertThat(part.statusCode()).isEqualTo(206);
      assertThat(part.headers().firstValue("Content-Encoding")).isEmpty();
      assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(body, 1_000_000, 3_000_000));

      HttpResponse<byte[]> empty = get(root, "empty.txt", null);
      assertThat(empty.statusCode()).isEqualTo(200);
      assertThat(empty.body()).isEmpty();
    }
  }

  @Test
  void theApisDownloadsAreSentAsStoredToo() {
    var api = listener.server().api();
    String download = "/api/cloud/jobs/" + listener.job() + "/outputs/download?path=";
    var whole = api.getBytes(download + "log.txt", "Accept-Encoding", "gzip");
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.header("Content-Encoding")).isNull();
    assertThat(whole.body()).isEqualTo(body);
    var empty = api.getBytes(download + "empty.txt", "Accept-Encoding", "gzip");
    assertThat(empty.status()).isEqualTo(200);
    assertThat(empty.body()).isEmpty();
  }

  @Test
  void aPresignedUrlWorksOverHttp2() throws Exception {
    for (boolean root : new boolean[] {false, true}) {
      HttpResponse<byte[]> whole = get(http2, root, "log.txt", null);
      assertThat(whole.statusCode()).as("root listener: %s", root).isEqualTo(200);
      assertThat(whole.body()).isEqualTo(body);
    }
  }
}
