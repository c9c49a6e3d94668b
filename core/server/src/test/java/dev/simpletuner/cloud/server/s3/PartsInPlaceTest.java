package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Parts of one size are written straight to their place in the upload's data file (issue 20:
 * completing joins nothing); whatever else a client does (a part sent again, parts of other sizes,
 * parts sent but left out) still makes exactly the object it lists, with its SHA-256 recorded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartsInPlaceTest {
  private static final int MIB = 1024 * 1024;
  private RootListenerServer listener;
  private Api api;
  private String job;
  private S3Client s3;

  @BeforeAll
  void start() throws IOException {
    listener = RootListenerServer.start();
    api = listener.server().api();
    job = listener.job();
    s3 = S3Client.builder().endpointOverride(URI.create(api.base() + "/api/cloud/storage")).region(Region.US_EAST_1)
        .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            listener.accessKey(), listener.secret()))).build();
  }

  @AfterAll
  void stop() throws IOException {
    s3.close();
    listener.close();
  }

  private static byte[] filled(int size, char c) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) c);
    return b;
  }

  private CompletedPart send(String key, String uploadId, int number, byte[] body) {
    return send(s3, key, uploadId, number, body);
  }

  private static CompletedPart send(S3Client client, String key, String uploadId, int number, byte[] body) {
    String etag = client.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(number),
        RequestBody.fromBytes(body)).eTag();
    return CompletedPart.builder().partNumber(number).eTag(etag).build();
  }

  private byte[] complete(String name, String uploadId, List<CompletedPart> parts) {
    String key = job + "/" + name;
    s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
        .multipartUpload(m -> m.parts(parts)));
    return s3.getObjectAsBytes(b -> b.bucket("outputs").key(key)).asByteArray();
  }

  private static byte[] concat(byte[]... parts) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p);
    }
    return out.toByteArray();
  }

  private String recordedSha256(String name) {
    return api.get("/api/cloud/jobs/" + job + "/outputs").json().getJsonArray("files").stream()
        .map(f -> (io.vertx.core.json.JsonObject) f).filter(f -> f.getString("path").equals(name))
        .map(f -> f.getString("sha256")).findFirst().orElseThrow();
  }

  private static String sha256(byte[] body) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
  }

  private long filesUnder(String folder) throws IOException {
    Path dir = listener.server().stateDir().resolve("cloud_outputs").resolve(folder);
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void aPartSentAgainAPartLeftOutAndAShortLastPartMakeTheListedObject() throws Exception {
    String name = "in-place/model.bin";
    String key = job + "/" + name;
    String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
    byte[] a = filled(5 * MIB, 'a');
    byte[] b = filled(5 * MIB, 'b');
    byte[] c = filled(5 * MIB, 'c');
    byte[] tail = "the last, short part".getBytes();
    List<CompletedPart> parts = new ArrayList<>();
    // Out of order, as parallel senders arrive; part 2 twice (the second send must win, the first survive until then).
    CompletedPart third = send(key, uploadId, 3, c);
    parts.add(send(key, uploadId, 1, a));
    send(key, uploadId, 2, filled(5 * MIB, 'x'));
    parts.add(send(key, uploadId, 2, b));
    parts.add(third);
    send(key, uploadId, 5, filled(5 * MIB, 'z'));
    parts.add(send(key, uploadId, 4, tail));

    // Only the part sent again is a file of its own; the rest went to their places in the data file.
    assertThat(filesOfUpload(listener, uploadId)).containsExactlyInAnyOrder("data", "2");
    byte[] expected = concat(a, b, c, tail);
    byte[] got = complete(name, uploadId, parts);
    assertThat(got.length).isEqualTo(expected.length);
    assertThat(sha256(got)).isEqualTo(sha256(expected));
    assertThat(recordedSha256(name)).isEqualTo(sha256(expected));
    // The second part as the object keeps it (GET ?partNumber= reads the recorded part sizes).
    assertThat(s3.getObjectAsBytes(r -> r.bucket("outputs").key(key).partNumber(2)).asByteArray()).isEqualTo(b);
    assertThat(filesUnder(".multipart")).isZero();
  }

  @Test
  void partsOfDifferentSizesAreJoinedAsBefore() throws Exception {
    String name = "joined/model.bin";
    String key = job + "/" + name;
    String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
    byte[] first = filled(6 * MIB, 'f');
    byte[] second = filled(5 * MIB, 's');
    byte[] third = filled(7 * MIB, 't');
    List<CompletedPart> parts = List.of(send(key, uploadId, 1, first), send(key, uploadId, 2, second),
        send(key, uploadId, 3, third));
    byte[] expected = concat(first, second, third);
    assertThat(sha256(complete(name, uploadId, parts))).isEqualTo(sha256(expected));
    assertThat(recordedSha256(name)).isEqualTo(sha256(expected));
  }

  @Test
  void listedPartsWithAGapAreJoinedFromTheirPlaces() throws Exception {
    String name = "gap/model.bin";
    String key = job + "/" + name;
    String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
    byte[] one = filled(5 * MIB, '1');
    byte[] three = filled(5 * MIB, '3');
    List<CompletedPart> parts = List.of(send(key, uploadId, 1, one), send(key, uploadId, 3, three));
    assertThat(sha256(complete(name, uploadId, parts))).isEqualTo(sha256(concat(one, three)));
  }

  @Test
  void anUploadBegunBeforeARestartIsCompletedAfterIt() throws Exception {
    try (RootListenerServer other = RootListenerServer.start()) {
      String key = other.job() + "/restart/model.bin";
      byte[] one = filled(5 * MIB, 'p');
      byte[] two = filled(5 * MIB, 'q');
      byte[] three = filled(5 * MIB, 'r');
      byte[] tail = "tail".getBytes();
      List<CompletedPart> parts = new ArrayList<>();
      String uploadId;
      try (S3Client before = clientOf(other)) {
        uploadId = before.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
        parts.add(send(before, key, uploadId, 1, one));
        parts.add(send(before, key, uploadId, 2, two));
      }
      other.server().stop();
      other.server().boot();
      // The new process has no layout for the upload: its parts are files of their own, copied to their places.
      try (S3Client after = clientOf(other)) {
        String id = uploadId;
        parts.add(send(after, key, id, 3, three));
        parts.add(send(after, key, id, 4, tail));
        assertThat(filesOfUpload(other, id)).containsExactlyInAnyOrder("data", "3", "4");
        after.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(id)
            .multipartUpload(m -> m.parts(parts)));
        byte[] got = after.getObjectAsBytes(b -> b.bucket("outputs").key(key)).asByteArray();
        assertThat(sha256(got)).isEqualTo(sha256(concat(one, two, three, tail)));
      }
    }
  }

  /** The names in an unfinished upload's folder: its data file and the parts of their own. */
  private static List<String> filesOfUpload(RootListenerServer server, String uploadId) throws IOException {
    try (Stream<Path> files = Files.list(server.server().stateDir().resolve("cloud_outputs/.multipart")
        .resolve(uploadId))) {
      return files.map(f -> f.getFileName().toString()).toList();
    }
  }

  private static S3Client clientOf(RootListenerServer server) {
    return S3Client.builder().endpointOverride(URI.create(server.server().api().base() + "/api/cloud/storage"))
        .region(Region.US_EAST_1).forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(server.accessKey(), server.secret()))).build();
  }
}
