package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ObjectAttributes;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * S3 semantics of the storage endpoint beyond put/get (issue 20), with the AWS SDK for Java v2 and
 * boto3: retried completes and re-sent parts, keys files cannot hold, conditional requests, stored
 * headers and checksums, parts, listings, copies, bulk deletes, SigV2 presigned GETs, the root
 * listener of {@code storage.s3_port}, and log lines a forged key cannot break.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3SemanticsTest {
  private RootListenerServer listener;
  private TestServer server;
  private Api api;
  private String job;
  private int s3Port;
  private S3Client s3;
  private S3Client root;

  @BeforeAll
  void start() throws IOException {
    listener = RootListenerServer.start();
    server = listener.server();
    api = server.api();
    job = listener.job();
    s3Port = listener.s3Port();
    s3 = client(URI.create(api.base() + "/api/cloud/storage"));
    root = client(URI.create("http://127.0.0.1:" + s3Port));
  }

  @AfterAll
  void stop() throws IOException {
    s3.close();
    root.close();
    listener.close();
  }

  private String secret() {
    return listener.secret();
  }

  private StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(JobTokens.storageAccessKey(job), secret()));
  }

  private S3Client client(URI endpoint) {
    return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(credentials()).build();
  }

  private String put(String key, String body) {
    return s3.putObject(b -> b.bucket("outputs").key(job + "/" + key), RequestBody.fromString(body)).eTag();
  }

  private String get(S3Client client, String key) {
    return client.getObjectAsBytes(b -> b.bucket("outputs").key(job + "/" + key)).asUtf8String();
  }

  private static String code(Runnable call) {
    try {
      call.run();
    } catch (S3Exception e) {
      return e.statusCode() + " " + (e.awsErrorDetails().errorCode() == null ? "" : e.awsErrorDetails().errorCode());
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void aRetriedCompleteAnswersTheSameEtagEvenAfterTheFirstAnswerWasLost() throws Exception {
    String key = job + "/retry/model.bin";
    String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
    String etag = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(1),
        RequestBody.fromString("the only part")).eTag();
    String body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag
        + "</ETag></Part></CompleteMultipartUpload>";
    try (S3Presigner presigner = S3Presigner.builder().endpointOverride(URI.create(api.base() + "/api/cloud/storage"))
        .region(Region.US_EAST_1).credentialsProvider(credentials())
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
      URI url = presigner.presignCompleteMultipartUpload(p -> p.signatureDuration(Duration.ofMinutes(5))
          .completeMultipartUploadRequest(c -> c.bucket("outputs").key(key).uploadId(uploadId))).url().toURI();
      // The first complete is taken (its 200 has begun) and its connection drops before the answer is read.
      try (Socket socket = new Socket(url.getHost(), url.getPort())) {
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + url.getRawPath() + "?" + url.getRawQuery() + " HTTP/1.1\r\nHost: " + url.getHost() + ":"
            + url.getPort() + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
            StandardCharsets.US_ASCII)).readLine()).isEqualTo("HTTP/1.1 200 OK");
      }
    }
    // The SDK's retry, whether the first is still joining or done.
    String first = s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build()))).eTag();
    String again = s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build()))).eTag();
    assertThat(again).isEqualTo(first).endsWith("-1\"");
    assertThat(get(s3, "retry/model.bin")).isEqualTo("the only part");
    assertThat(code(() -> s3.listParts(b -> b.bucket("outputs").key(key).uploadId(uploadId)))).isEqualTo(
        "404 NoSuchUpload");
  }

  @Test
  void aPartSentAgainWhileItsFirstSendStillRunsEndsWithTheLastSend() throws Exception {
    String key = job + "/resend/model.bin";
    String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
    try (S3Presigner presigner = S3Presigner.builder().endpointOverride(URI.create(api.base() + "/api/cloud/storage"))
        .region(Region.US_EAST_1).credentialsProvider(credentials())
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
      URI url = presigner.presignUploadPart(p -> p.signatureDuration(Duration.ofMinutes(5))
          .uploadPartRequest(u -> u.bucket("outputs").key(key).uploadId(uploadId).partNumber(1))).url().toURI();
      byte[] slow = "first send, slow".getBytes(StandardCharsets.US_ASCII);
      try (Socket socket = new Socket(url.getHost(), url.getPort())) {
        OutputStream out = socket.getOutputStream();
        out.write(("PUT " + url.getRawPath() + "?" + url.getRawQuery() + " HTTP/1.1\r\nHost: " + url.getHost() + ":"
            + url.getPort() + "\r\nContent-Length: " + slow.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(slow, 0, 4);
        out.flush();
        Api.sleep(300);
        String second = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(1),
            RequestBody.fromString("second send")).eTag();
        out.write(slow, 4, slow.length - 4);
        out.flush();
        String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
            StandardCharsets.US_ASCII)).readLine();
        assertThat(status).isEqualTo("HTTP/1.1 200 OK");
        assertThat(s3.listParts(b -> b.bucket("outputs").key(key).uploadId(uploadId)).parts().get(0).eTag())
            .isEqualTo(second);
        s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
            .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(second).build())));
      }
    }
    assertThat(get(s3, "resend/model.bin")).isEqualTo("second send");
  }

  @Test
  void folderMarkersDoubleSlashesAndAKeyBesideItsFolder() {
    put("keys/dir/", "");
    put("keys/a//b", "double");
    put("keys/ckpt", "file");
    put("keys/ckpt/x", "inside");
    put("keys/ckpt", "file again");
    s3.putObject(b -> b.bucket("outputs").key(job + "/keys/meta").metadata(Map.of("note", "d\u00e9j\u00e0 vu")),
        RequestBody.fromString("m"));
    assertThat(s3.headObject(b -> b.bucket("outputs").key(job + "/keys/meta")).metadata()).containsKey("note");
    assertThat(get(s3, "keys/dir/")).isEmpty();
    assertThat(get(s3, "keys/a//b")).isEqualTo("double");
    assertThat(get(s3, "keys/ckpt")).isEqualTo("file again");
    assertThat(get(s3, "keys/ckpt/x")).isEqualTo("inside");
    assertThat(s3.listObjectsV2(b -> b.bucket("outputs").prefix(job + "/keys/")).contents()).extracting(S3Object::key)
        .containsExactly(job + "/keys/a//b", job + "/keys/ckpt", job + "/keys/ckpt/x", job + "/keys/dir/",
            job + "/keys/meta");
    s3.deleteObject(b -> b.bucket("outputs").key(job + "/keys/ckpt"));
    assertThat(code(() -> get(s3, "keys/ckpt"))).isEqualTo("404 NoSuchKey");
    assertThat(get(s3, "keys/ckpt/x")).isEqualTo("inside");
  }

  @Test
  void conditionalRequests() {
    String etag = put("cond/a.txt", "v1");
    String past = "Mon, 01 Jan 2001 00:00:00 GMT";
    String future = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
        Instant.now().plusSeconds(3600).atZone(java.time.ZoneOffset.UTC));
    String key = job + "/cond/a.txt";
    assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("outputs").key(key).ifMatch("\"nope\""))))
        .isEqualTo("412 PreconditionFailed");
    assertThat(s3.getObjectAsBytes(b -> b.bucket("outputs").key(key).ifMatch(etag)).asUtf8String()).isEqualTo("v1");
    assertThat(code(() -> s3.headObject(b -> b.bucket("outputs").key(key).ifNoneMatch(etag)))).startsWith("304");
    assertThat(code(() -> s3.headObject(b -> b.bucket("outputs").key(key).ifModifiedSince(Instant.now()
        .plusSeconds(3600))))).startsWith("304");
    assertThat(code(() -> s3.headObject(b -> b.bucket("outputs").key(key).ifUnmodifiedSince(Instant.parse(
        "2001-01-01T00:00:00Z"))))).startsWith("412");
    assertThat(past).isNotEqualTo(future);
    assertThat(code(() -> s3.putObject(b -> b.bucket("outputs").key(key).ifNoneMatch("*"),
        RequestBody.fromString("v2")))).isEqualTo("412 PreconditionFailed");
    assertThat(code(() -> s3.putObject(b -> b.bucket("outputs").key(key).ifMatch("\"other\""),
        RequestBody.fromString("v2")))).isEqualTo("412 PreconditionFailed");
    s3.putObject(b -> b.bucket("outputs").key(key).ifMatch(etag), RequestBody.fromString("v2"));
    s3.putObject(b -> b.bucket("outputs").key(job + "/cond/new.txt").ifNoneMatch("*"), RequestBody.fromString("n"));
    assertThat(get(s3, "cond/a.txt")).isEqualTo("v2");
  }

  @Test
  void storedHeadersChecksumsAndAttributes() {
    String key = job + "/headers/model.bin";
    byte[] body = "checksummed body".getBytes(StandardCharsets.UTF_8);
    s3.putObject(b -> b.bucket("outputs").key(key).cacheControl("max-age=60").contentDisposition(
        "attachment; filename=\"m.bin\"").contentEncoding("identity").contentLanguage("en")
        .expires(Instant.parse("2030-01-01T00:00:00Z")).checksumAlgorithm(ChecksumAlgorithm.CRC32),
        RequestBody.fromBytes(body));
    var head = s3.headObject(b -> b.bucket("outputs").key(key).checksumMode(ChecksumMode.ENABLED));
    assertThat(head.cacheControl()).isEqualTo("max-age=60");
    assertThat(head.contentDisposition()).isEqualTo("attachment; filename=\"m.bin\"");
    assertThat(head.contentEncoding()).isEqualTo("identity");
    assertThat(head.contentLanguage()).isEqualTo("en");
    assertThat(head.expiresString()).contains("2030");
    CRC32 crc = new CRC32();
    crc.update(body);
    long v = crc.getValue();
    String expected = java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16),
        (byte) (v >>> 8), (byte) v});
    assertThat(head.checksumCRC32()).isEqualTo(expected);
    assertThat(s3.headObject(b -> b.bucket("outputs").key(key)).checksumCRC32()).isNull();

    var attributes = s3.getObjectAttributes(b -> b.bucket("outputs").key(key).objectAttributes(ObjectAttributes.E_TAG,
        ObjectAttributes.OBJECT_SIZE, ObjectAttributes.CHECKSUM, ObjectAttributes.STORAGE_CLASS));
    assertThat(attributes.objectSize()).isEqualTo(body.length);
    assertThat(attributes.checksum().checksumCRC32()).isEqualTo(expected);
    assertThat(s3.getObjectAcl(b -> b.bucket("outputs").key(key)).grants()).hasSize(1);
    assertThat(code(() -> s3.getObjectTagging(b -> b.bucket("outputs").key(key)))).isEqualTo("501 NotImplemented");
  }

  @Test
  void crc64NvmeIsTheCatalogueOne() {
    Crc64Nvme crc = new Crc64Nvme();
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    crc.update(check, 0, check.length);
    assertThat(crc.getValue()).isEqualTo(0xAE8B14860A799888L);
  }

  @Test
  void partNumberReadsOnePartOfAMultipartObject() {
    String key = job + "/parts/model.bin";
    byte[] first = new byte[5 * 1024 * 1024];
    java.util.Arrays.fill(first, (byte) 'a');
    String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
    String e1 = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(1),
        RequestBody.fromBytes(first)).eTag();
    String e2 = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(2),
        RequestBody.fromString("tail")).eTag();
    s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId).multipartUpload(m -> m.parts(
        CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2).build())));
    var second = s3.getObjectAsBytes(b -> b.bucket("outputs").key(key).partNumber(2));
    assertThat(second.asUtf8String()).isEqualTo("tail");
    assertThat(second.response().partsCount()).isEqualTo(2);
    assertThat(code(() -> s3.getObjectAsBytes(b -> b.bucket("outputs").key(key).partNumber(3))))
        .isEqualTo("400 InvalidPart");
    var parts = s3.getObjectAttributes(b -> b.bucket("outputs").key(key).objectAttributes(ObjectAttributes.OBJECT_PARTS)
        .maxParts(1)).objectParts();
    assertThat(parts.totalPartsCount()).isEqualTo(2);
    assertThat(parts.isTruncated()).isTrue();
    assertThat(parts.parts()).extracting(p -> p.partNumber(), p -> p.size()).containsExactly(
        org.assertj.core.groups.Tuple.tuple(1, (long) first.length));
    var rest = s3.getObjectAttributes(b -> b.bucket("outputs").key(key).objectAttributes(ObjectAttributes.OBJECT_PARTS)
        .partNumberMarker(parts.nextPartNumberMarker())).objectParts();
    assertThat(rest.isTruncated()).isFalse();
    assertThat(rest.parts()).extracting(p -> p.partNumber(), p -> p.size()).containsExactly(
        org.assertj.core.groups.Tuple.tuple(2, 4L));
  }

  @Test
  void aCompositeChecksumIsMadeFromThePartsAndEachPartKeepsItsOwn() throws Exception {
    String key = job + "/composite/model.bin";
    byte[] first = new byte[5 * 1024 * 1024];
    java.util.Arrays.fill(first, (byte) 'A');
    byte[] second = "the last part".getBytes(StandardCharsets.UTF_8);
    var created = s3.createMultipartUpload(b -> b.bucket("outputs").key(key).checksumAlgorithm(ChecksumAlgorithm.SHA256));
    assertThat(created.checksumAlgorithm()).isEqualTo(ChecksumAlgorithm.SHA256);
    assertThat(created.checksumTypeAsString()).isEqualTo("COMPOSITE");
    String uploadId = created.uploadId();
    var p1 = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(1)
        .checksumAlgorithm(ChecksumAlgorithm.SHA256), RequestBody.fromBytes(first));
    var p2 = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(2)
        .checksumAlgorithm(ChecksumAlgorithm.SHA256), RequestBody.fromBytes(second));
    assertThat(p1.checksumSHA256()).isEqualTo(sha256Base64(first));
    java.security.MessageDigest parts = java.security.MessageDigest.getInstance("SHA-256");
    parts.update(java.util.Base64.getDecoder().decode(p1.checksumSHA256()));
    parts.update(java.util.Base64.getDecoder().decode(p2.checksumSHA256()));
    String composite = java.util.Base64.getEncoder().encodeToString(parts.digest()) + "-2";
    var listing = s3.listParts(b -> b.bucket("outputs").key(key).uploadId(uploadId));
    assertThat(listing.checksumAlgorithm()).isEqualTo(ChecksumAlgorithm.SHA256);
    assertThat(listing.parts()).extracting(p -> p.checksumSHA256())
        .containsExactly(p1.checksumSHA256(), p2.checksumSHA256());
    List<CompletedPart> listed = List.of(
        CompletedPart.builder().partNumber(1).eTag(p1.eTag()).checksumSHA256(p1.checksumSHA256()).build(),
        CompletedPart.builder().partNumber(2).eTag(p2.eTag()).checksumSHA256(p2.checksumSHA256()).build());
    // A wrong checksum of the object, or a part listed with another checksum than its own, completes nothing.
    assertThat(code(() -> s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
        .checksumSHA256("bad").multipartUpload(m -> m.parts(listed))))).isEqualTo("400 BadDigest");
    assertThat(code(() -> s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(p1.eTag())
            .checksumSHA256(p2.checksumSHA256()).build(), listed.get(1)))))).isEqualTo("400 BadDigest");
    // Parts listed without their checksums are taken (as RGW does): the ones received are used.
    var done = s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
        .checksumSHA256(composite).multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(p1.eTag())
            .build(), listed.get(1))));
    assertThat(done.checksumSHA256()).isEqualTo(composite);
    assertThat(done.checksumTypeAsString()).isEqualTo("COMPOSITE");
    var again = s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
        .multipartUpload(m -> m.parts(listed)));
    assertThat(again.eTag()).isEqualTo(done.eTag());
    assertThat(again.checksumSHA256()).isEqualTo(composite);

    assertThat(s3.headObject(b -> b.bucket("outputs").key(key)).checksumSHA256()).isNull();
    var head = s3.headObject(b -> b.bucket("outputs").key(key).checksumMode(ChecksumMode.ENABLED));
    assertThat(head.checksumSHA256()).isEqualTo(composite);
    assertThat(head.checksumTypeAsString()).isEqualTo("COMPOSITE");
    var part = s3.getObjectAsBytes(b -> b.bucket("outputs").key(key).partNumber(2).checksumMode(ChecksumMode.ENABLED));
    assertThat(part.asByteArray()).isEqualTo(second);
    assertThat(part.response().checksumSHA256()).isEqualTo(p2.checksumSHA256());
    var attributes = s3.getObjectAttributes(b -> b.bucket("outputs").key(key)
        .objectAttributes(ObjectAttributes.CHECKSUM, ObjectAttributes.OBJECT_PARTS));
    assertThat(attributes.checksum().checksumSHA256()).isEqualTo(composite);
    assertThat(attributes.checksum().checksumTypeAsString()).isEqualTo("COMPOSITE");
    assertThat(attributes.objectParts().parts()).extracting(p -> p.checksumSHA256())
        .containsExactly(p1.checksumSHA256(), p2.checksumSHA256());
  }

  @Test
  void aFullObjectCrcIsTheCrcOfTheWholeObject() {
    String key = job + "/full/model.bin";
    byte[] first = new byte[5 * 1024 * 1024];
    java.util.Arrays.fill(first, (byte) 'B');
    byte[] second = "and the rest".getBytes(StandardCharsets.UTF_8);
    var created = s3.createMultipartUpload(b -> b.bucket("outputs").key(key).checksumAlgorithm(ChecksumAlgorithm.CRC32)
        .checksumType("FULL_OBJECT"));
    assertThat(created.checksumTypeAsString()).isEqualTo("FULL_OBJECT");
    String uploadId = created.uploadId();
    // Parts sent without a checksum are summed in the upload's algorithm all the same.
    String e1 = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(1),
        RequestBody.fromBytes(first)).eTag();
    String e2 = s3.uploadPart(b -> b.bucket("outputs").key(key).uploadId(uploadId).partNumber(2),
        RequestBody.fromBytes(second)).eTag();
    CRC32 whole = new CRC32();
    whole.update(first);
    whole.update(second);
    String expected = java.util.Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(4)
        .putInt((int) whole.getValue()).array());
    var done = s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId).multipartUpload(m -> m
        .parts(CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2)
            .build())));
    assertThat(done.checksumCRC32()).isEqualTo(expected);
    assertThat(s3.headObject(b -> b.bucket("outputs").key(key).checksumMode(ChecksumMode.ENABLED)).checksumCRC32())
        .isEqualTo(expected);
    assertThat(code(() -> s3.createMultipartUpload(b -> b.bucket("outputs").key(key)
        .checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumType("FULL_OBJECT")))).isEqualTo("400 InvalidRequest");
  }

  private static String sha256Base64(byte[] bytes) throws Exception {
    return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
        .digest(bytes));
  }

  @Test
  void conditionalDeletesAndCannedAcls() {
    String etag = put("cond/a.txt", "a");
    assertThat(code(() -> s3.deleteObject(b -> b.bucket("outputs").key(job + "/cond/a.txt").ifMatch("\"other\""))))
        .isEqualTo("412 PreconditionFailed");
    assertThat(code(() -> s3.deleteObject(b -> b.bucket("outputs").key(job + "/cond/a.txt").ifMatchSize(2L))))
        .isEqualTo("412 PreconditionFailed");
    assertThat(get(s3, "cond/a.txt")).isEqualTo("a");
    s3.deleteObject(b -> b.bucket("outputs").key(job + "/cond/a.txt").ifMatch(etag).ifMatchSize(1L));
    assertThat(code(() -> get(s3, "cond/a.txt"))).isEqualTo("404 NoSuchKey");
    s3.deleteObject(b -> b.bucket("outputs").key(job + "/cond/a.txt").ifMatch("\"other\"")); // absent: no condition

    put("cond/b.txt", "bb");
    Instant modified = s3.headObject(b -> b.bucket("outputs").key(job + "/cond/b.txt")).lastModified();
    var refused = s3.deleteObjects(b -> b.bucket("outputs").delete(d -> d.objects(o -> o.key(job + "/cond/b.txt")
        .lastModifiedTime(modified.minusSeconds(3600)))));
    assertThat(refused.errors()).extracting(e -> e.code()).containsExactly("PreconditionFailed");
    var deleted = s3.deleteObjects(b -> b.bucket("outputs").delete(d -> d.objects(o -> o.key(job + "/cond/b.txt")
        .lastModifiedTime(modified).size(2L))));
    assertThat(deleted.deleted()).hasSize(1);
    assertThat(code(() -> get(s3, "cond/b.txt"))).isEqualTo("404 NoSuchKey");

    // Private is what every object is; a grant to anybody else is not claimed (and not silently dropped).
    s3.putObject(b -> b.bucket("outputs").key(job + "/acl/p.txt").acl(ObjectCannedACL.PRIVATE),
        RequestBody.fromString("p"));
    s3.putObjectAcl(b -> b.bucket("outputs").key(job + "/acl/p.txt").acl(ObjectCannedACL.PRIVATE));
    assertThat(code(() -> s3.putObject(b -> b.bucket("outputs").key(job + "/acl/public.txt")
        .acl(ObjectCannedACL.PUBLIC_READ), RequestBody.fromString("x")))).isEqualTo("501 NotImplemented");
    assertThat(code(() -> s3.putObject(b -> b.bucket("outputs").key(job + "/acl/public.txt")
        .grantRead("id=someone"), RequestBody.fromString("x")))).isEqualTo("501 NotImplemented");
    assertThat(code(() -> get(s3, "acl/public.txt"))).isEqualTo("404 NoSuchKey");
    assertThat(code(() -> s3.putObjectAcl(b -> b.bucket("outputs").key(job + "/acl/p.txt")
        .acl(ObjectCannedACL.PUBLIC_READ)))).isEqualTo("501 NotImplemented");
    assertThat(code(() -> s3.putObjectAcl(b -> b.bucket("outputs").key(job + "/acl/missing.txt")
        .acl(ObjectCannedACL.PRIVATE)))).isEqualTo("404 NoSuchKey");
  }

  @Test
  void listingsEncodeOwnAndPageThroughCommonPrefixes() {
    for (String name : List.of("a/1", "a/2", "b/1", "c", "with space")) {
      put("list/" + name, name);
    }
    String prefix = job + "/list/";
    var page = s3.listObjectsV2(b -> b.bucket("outputs").prefix(prefix).delimiter("/").maxKeys(1));
    assertThat(page.isTruncated()).isTrue();
    assertThat(page.commonPrefixes()).extracting(p -> p.prefix()).containsExactly(prefix + "a/");
    var rest = s3.listObjectsV2(b -> b.bucket("outputs").prefix(prefix).delimiter("/")
        .continuationToken(page.nextContinuationToken()));
    assertThat(rest.commonPrefixes()).extracting(p -> p.prefix()).containsExactly(prefix + "b/");
    assertThat(rest.contents()).extracting(S3Object::key).containsExactly(prefix + "c", prefix + "with space");
    assertThat(rest.isTruncated()).isFalse();
    var encoded = s3.listObjectsV2(b -> b.bucket("outputs").prefix(prefix + "with").encodingType(EncodingType.URL)
        .fetchOwner(true));
    assertThat(encoded.contents()).extracting(S3Object::key).containsExactly(prefix + "with space");
    assertThat(encoded.contents().get(0).owner().id()).isEqualTo(job);
  }

  @Test
  void copiesDeletesAndBuckets() {
    put("copy/src.txt", "source");
    s3.copyObject(b -> b.sourceBucket("outputs").sourceKey(job + "/copy/src.txt").destinationBucket("outputs")
        .destinationKey(job + "/copy/dst.txt"));
    assertThat(get(s3, "copy/dst.txt")).isEqualTo("source");
    assertThat(code(() -> s3.copyObject(b -> b.sourceBucket("outputs").sourceKey("other-job/x")
        .destinationBucket("outputs").destinationKey(job + "/copy/stolen.txt")))).isEqualTo("403 AccessDenied");

    String key = job + "/copy/joined.bin";
    String uploadId = s3.createMultipartUpload(b -> b.bucket("outputs").key(key)).uploadId();
    String etag = s3.uploadPartCopy(b -> b.sourceBucket("outputs").sourceKey(job + "/copy/src.txt")
        .copySourceRange("bytes=0-2").destinationBucket("outputs").destinationKey(key).uploadId(uploadId)
        .partNumber(1)).copyPartResult().eTag();
    s3.completeMultipartUpload(b -> b.bucket("outputs").key(key).uploadId(uploadId)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
    assertThat(get(s3, "copy/joined.bin")).isEqualTo("sou");

    var deleted = s3.deleteObjects(b -> b.bucket("outputs").delete(d -> d.objects(o -> o.key(job + "/copy/src.txt"),
        o -> o.key(job + "/copy/dst.txt"), o -> o.key("other-job/x"))));
    assertThat(deleted.deleted()).hasSize(2);
    assertThat(deleted.errors()).extracting(e -> e.code()).containsExactly("AccessDenied");
    assertThat(code(() -> get(s3, "copy/src.txt"))).isEqualTo("404 NoSuchKey");
    assertThat(s3.listBuckets().buckets()).extracting(b -> b.name()).containsExactly("outputs");
  }

  @Test
  void theRootListenerServesTheSameEndpointWithoutAPath() {
    root.putObject(b -> b.bucket("outputs").key(job + "/root/a.txt"), RequestBody.fromString("at the root"));
    assertThat(get(s3, "root/a.txt")).isEqualTo("at the root");
    assertThat(get(root, "root/a.txt")).isEqualTo("at the root");
    assertThat(root.listBuckets().buckets()).hasSize(1);
    assertThat(code(() -> root.putObject(b -> b.bucket("outputs").key("other-job/x"), RequestBody.fromString("x"))))
        .isEqualTo("403 AccessDenied");
    Api anonymous = new Api("http://127.0.0.1:" + s3Port);
    assertThat(anonymous.raw("PUT", "/outputs/" + job + "/anon", "text/plain", new byte[1]).status()).isEqualTo(403);
    // The root listener's requests are the storage endpoint's in the metrics, whatever their path.
    String metrics = api.get("/metrics").body();
    assertThat(metrics).contains("vertx_http_server_requests_total{code=\"403\",endpoint=\"storage\",method=\"PUT\"}")
        .doesNotContain("endpoint=\"ui\",method=\"PUT\"");
  }

  /** s3cmd (Debian's) signs the path it sends only against a host-rooted endpoint. */
  @Test
  void s3cmdAgainstTheRootListener() throws Exception {
    Path file = Files.createTempFile("st-s3cmd", ".txt");
    Path back = file.resolveSibling(file.getFileName() + ".back");
    try {
      Files.writeString(file, "sent with s3cmd");
      String target = "s3://outputs/" + job + "/s3cmd/file.txt";
      assertThat(s3cmd("put", file.toString(), target)).contains("upload");
      assertThat(s3cmd("ls", "s3://outputs/" + job + "/s3cmd/")).contains(target);
      s3cmd("get", "--force", target, back.toString());
      assertThat(back).hasContent("sent with s3cmd");
      s3cmd("del", target);
      assertThat(code(() -> get(s3, "s3cmd/file.txt"))).isEqualTo("404 NoSuchKey");
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(back);
    }
  }

  private String s3cmd(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("s3cmd", "--config=/dev/null", "--no-ssl",
        "--host=127.0.0.1:" + s3Port, "--host-bucket=127.0.0.1:" + s3Port, "--region=us-east-1",
        "--access_key=" + JobTokens.storageAccessKey(job), "--secret_key=" + secret()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  @Test
  void boto3WithNonAsciiMetadataBulkDeleteAndSigV2PresignedGet() throws Exception {
    Path script = Path.of("src/test/resources/s3/boto3_client.py").toAbsolutePath();
    Process p = new ProcessBuilder("python3", script.toString(), "http://127.0.0.1:" + s3Port,
        JobTokens.storageAccessKey(job), secret(), job + "/").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    JsonObject seen = new JsonObject(out.strip());
    assertThat(seen.getString("metadata")).isEqualTo("d\u00e9j\u00e0 vu");
    assertThat(seen.getJsonArray("listed").getList()).containsExactly(job + "/boto3/meta.txt", job + "/boto3/plain.txt");
    assertThat(seen.getJsonArray("buckets").getList()).containsExactly("outputs");
    assertThat(seen.getBoolean("sigv2_url_has_signature")).isTrue();
    assertThat(seen.getString("sigv2_body")).isEqualTo("plain bytes");
    assertThat(seen.getInteger("sigv2_forged")).isEqualTo(403);
    assertThat(seen.getInteger("after_delete")).isZero();
  }

  @Test
  void forgedLineBreaksInKeysAndPathsStayOnOneLogLine() {
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
        org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    logger.addAppender(captured);
    try {
      String forged = "%0A12:00:00.000%20INFO%20%20StorageHandler%20-%20forged%0D%0Aline";
      Api.Response refused = api.raw("PUT", "/api/cloud/storage/outputs/" + job + "/" + forged
          + "?X-Amz-Signature=00", "text/plain", new byte[1]);
      assertThat(refused.status()).isEqualTo(400);
      api.raw("GET", "/api/cloud/storage/" + forged + "/" + forged, "text/plain", new byte[0]);
      Api rootApi = new Api("http://127.0.0.1:" + s3Port);
      rootApi.raw("GET", "/outputs/" + forged, "text/plain", new byte[0]);
      api.raw("GET", "/api/" + forged, "text/plain", new byte[0]);
    } finally {
      logger.detachAppender(captured);
    }
    List<String> lines = captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(lines).anyMatch(l -> l.contains("forged"));
    assertThat(lines).allMatch(l -> !l.contains("\n") && !l.contains("\r"));
  }
}
