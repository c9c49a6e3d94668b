package dev.simpletuner.cloud.server.support;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The client side of {@code bench/datasets.sh}: what a cloud trainer's S3 data backend does with a
 * dataset served by this server (list the bucket, GET every object, {@code parallel} at a time),
 * {@code warm-ups} times untimed (both JVMs compile for a while) and once timed. Prints the elapsed
 * milliseconds, the bytes read and the CPU time of this process and of the server (its pid in
 * {@code SERVER_PID}, read from /proc) during the timed pass.
 *
 * <p>Arguments: endpoint access-key secret-key parallel warm-ups bucket...
 */
public final class S3DatasetBench {
  private S3DatasetBench() {
  }

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    int parallel = Integer.parseInt(args[3]);
    int warmUps = Integer.parseInt(args[4]);
    List<String> buckets = List.of(args).subList(5, args.length);
    try (S3Client s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(args[1], args[2])))
        .build()) {
      for (int i = 0; i < warmUps; i++) {
        readAll(s3, buckets, parallel);
      }
      String server = System.getenv("SERVER_PID");
      long serverCpu = server == null ? 0 : ticks(server);
      long cpu = cpuNanos();
      long started = System.nanoTime();
      long[] read = readAll(s3, buckets, parallel);
      System.out.println("ELAPSED_MS=" + (System.nanoTime() - started) / 1_000_000);
      if (server != null) {
        // Clock ticks of 10 ms (USER_HZ 100 on Linux).
        System.out.println("SERVER_CPU_MS=" + (ticks(server) - serverCpu) * 10);
      }
      System.out.println("BYTES=" + read[0]);
      System.out.println("OBJECTS=" + read[1]);
      System.out.println("CPU_MS=" + (cpuNanos() - cpu) / 1_000_000);
    }
  }

  /** {bytes, objects} of every object in the buckets, each read to its end. */
  private static long[] readAll(S3Client s3, List<String> buckets, int parallel) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<Long>> reads = new ArrayList<>();
      for (String bucket : buckets) {
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()) {
          reads.add(pool.submit(() -> s3.getObject(b -> b.bucket(bucket).key(o.key()),
              ResponseTransformer.toOutputStream(OutputStream.nullOutputStream())).contentLength()));
        }
      }
      long bytes = 0;
      for (Future<Long> r : reads) {
        bytes += r.get();
      }
      return new long[] {bytes, reads.size()};
    } finally {
      pool.shutdown();
    }
  }

  /** utime + stime of a process, in clock ticks. */
  private static long ticks(String pid) throws java.io.IOException {
    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
