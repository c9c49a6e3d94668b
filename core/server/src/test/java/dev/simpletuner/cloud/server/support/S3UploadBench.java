package dev.simpletuner.cloud.server.support;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * The client side of {@code bench/storage.sh}: a multipart upload of one file with the AWS SDK
 * (default checksum settings), {@code parallel} parts at a time, after an untimed warm-up upload of
 * the file's first {@code warm-up-mib} MiB. Prints the elapsed milliseconds and this process's CPU time.
 *
 * <p>Arguments: endpoint access-key secret-key bucket key file part-mib parallel warm-up-mib
 */
public final class S3UploadBench {
  private S3UploadBench() {
  }

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    String bucket = args[3];
    String key = args[4];
    Path file = Path.of(args[5]);
    long partSize = Long.parseLong(args[6]) * 1024 * 1024;
    int parallel = Integer.parseInt(args[7]);
    long warmUp = Long.parseLong(args[8]) * 1024 * 1024;
    try (S3Client s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(args[1], args[2])))
        .build()) {
      long size = file.toFile().length();
      if (warmUp > 0) {
        upload(s3, bucket, key + ".warm-up", file, Math.min(warmUp, size), partSize, parallel);
      }
      long cpu = cpuNanos();
      long started = System.nanoTime();
      long completeMs = upload(s3, bucket, key, file, size, partSize, parallel);
      System.out.println("ELAPSED_MS=" + (System.nanoTime() - started) / 1_000_000);
      System.out.println("COMPLETE_MS=" + completeMs);
      System.out.println("CPU_MS=" + (cpuNanos() - cpu) / 1_000_000);
    }
  }

  /**
   * Uploads the first {@code size} bytes of {@code file} in parts, {@code parallel} at a time; returns
   * how long CompleteMultipartUpload took, in milliseconds.
   */
  private static long upload(S3Client s3, String bucket, String key, Path file, long size, long partSize,
                             int parallel) throws Exception {
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    List<Future<CompletedPart>> parts = new ArrayList<>();
    for (int n = 1; (long) (n - 1) * partSize < size; n++) {
      int number = n;
      long offset = (n - 1) * partSize;
      int length = (int) Math.min(partSize, size - offset);
      parts.add(pool.submit(() -> {
        byte[] chunk = new byte[length];
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
          in.seek(offset);
          in.readFully(chunk);
        }
        String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
            RequestBody.fromBytes(chunk)).eTag();
        return CompletedPart.builder().partNumber(number).eTag(etag).build();
      }));
    }
    List<CompletedPart> done = new ArrayList<>();
    for (Future<CompletedPart> f : parts) {
      done.add(f.get());
    }
    pool.shutdown();
    done.sort(Comparator.comparing(CompletedPart::partNumber));
    long partsDone = System.nanoTime();
    s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
        .multipartUpload(CompletedMultipartUpload.builder().parts(done).build()));
    return (System.nanoTime() - partsDone) / 1_000_000;
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
