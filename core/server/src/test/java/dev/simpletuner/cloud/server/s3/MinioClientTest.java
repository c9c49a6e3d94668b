package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The MinIO Java SDK (it takes no path in its endpoint) against the root listener of
 * {@code storage.s3_port}: put, a multipart put (a body over its 5 MiB part size), stat, get,
 * ranged get, listing and delete, with a job's output credentials, and their limits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MinioClientTest {
  private static final long PART_SIZE = 5L * 1024 * 1024;

  private RootListenerServer listener;
  private String job;
  private MinioClient minio;

  @BeforeAll
  void start() throws IOException {
    listener = RootListenerServer.start();
    job = listener.job();
    minio = MinioClient.builder().endpoint("http://127.0.0.1:" + listener.s3Port()).region("us-east-1")
        .credentials(listener.accessKey(), listener.secret()).build();
  }

  @AfterAll
  void stop() throws Exception {
    minio.close();
    listener.close();
  }

  private void put(String key, byte[] body, long partSize) throws Exception {
    minio.putObject(PutObjectArgs.builder().bucket("outputs").object(job + "/" + key)
        .stream(new ByteArrayInputStream(body), body.length, partSize).contentType("application/octet-stream").build());
  }

  private byte[] get(GetObjectArgs.Builder args) throws Exception {
    try (GetObjectResponse in = minio.getObject(args.bucket("outputs").build())) {
      return in.readAllBytes();
    }
  }

  private List<String> list(String prefix) throws Exception {
    List<String> keys = new ArrayList<>();
    for (Result<Item> item : minio.listObjects(ListObjectsArgs.builder().bucket("outputs").prefix(job + "/" + prefix)
        .recursive(true).build())) {
      keys.add(item.get().objectName());
    }
    return keys;
  }

  @Test
  void putGetMultipartListRangeAndDelete() throws Exception {
    assertThat(minio.bucketExists(BucketExistsArgs.builder().bucket("outputs").build())).isTrue();
    put("minio/small.txt", "sent with minio".getBytes(StandardCharsets.UTF_8), -1);

    byte[] model = new byte[(int) (2 * PART_SIZE + 12345)];
    new Random(20).nextBytes(model);
    put("minio/model.bin", model, PART_SIZE); // three parts
    StatObjectResponse stat = minio.statObject(StatObjectArgs.builder().bucket("outputs")
        .object(job + "/minio/model.bin").build());
    assertThat(stat.size()).isEqualTo(model.length);
    assertThat(stat.etag()).endsWith("-3");

    assertThat(get(GetObjectArgs.builder().object(job + "/minio/small.txt")))
        .asString(StandardCharsets.UTF_8).isEqualTo("sent with minio");
    assertThat(get(GetObjectArgs.builder().object(job + "/minio/model.bin"))).isEqualTo(model);
    long offset = PART_SIZE - 10;
    assertThat(get(GetObjectArgs.builder().object(job + "/minio/model.bin").offset(offset).length(100L)))
        .isEqualTo(Arrays.copyOfRange(model, (int) offset, (int) offset + 100));

    assertThat(list("minio/")).containsExactly(job + "/minio/model.bin", job + "/minio/small.txt");

    minio.removeObject(RemoveObjectArgs.builder().bucket("outputs").object(job + "/minio/small.txt").build());
    minio.removeObject(RemoveObjectArgs.builder().bucket("outputs").object(job + "/minio/model.bin").build());
    assertThat(list("minio/")).isEmpty();
    assertThatThrownBy(() -> get(GetObjectArgs.builder().object(job + "/minio/small.txt")))
        .isInstanceOfSatisfying(ErrorResponseException.class,
            e -> assertThat(e.errorResponse().code()).isEqualTo("NoSuchKey"));
  }

  @Test
  void anotherJobsKeysStayOutOfReach() {
    assertThatThrownBy(() -> minio.putObject(PutObjectArgs.builder().bucket("outputs").object("other-job/x")
        .stream(new ByteArrayInputStream(new byte[1]), 1, -1).build()))
        .isInstanceOfSatisfying(ErrorResponseException.class,
            e -> assertThat(e.errorResponse().code()).isEqualTo("AccessDenied"));
  }
}
