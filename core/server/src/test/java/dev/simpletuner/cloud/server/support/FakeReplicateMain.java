package dev.simpletuner.cloud.server.support;

/**
 * Runs {@link FakeReplicate} as its own process for benchmarks (bench/tracking.sh).
 * Prints its base URL, then serves until killed. Uploads are counted, not stored.
 * Usage: FakeReplicateMain [upload-limit-bytes] [webhooks on|off] [auto-start-ms auto-run-ms]
 */
public final class FakeReplicateMain {
  private FakeReplicateMain() {
  }

  public static void main(String[] args) throws Exception {
    FakeReplicate fake = FakeReplicate.start();
    if (args.length > 0) {
      fake.uploadLimit(Long.parseLong(args[0]));
    }
    if (args.length > 1) {
      fake.webhooks(!"off".equals(args[1]));
    }
    fake.keepUploads(false);
    if (args.length > 3) {
      fake.autoRun(Long.parseLong(args[2]), Long.parseLong(args[3]));
    }
    System.out.println(fake.baseUrl());
    System.out.flush();
    while (true) {
      Thread.sleep(5_000);
      System.out.println("requests_total " + fake.totalRequests() + " requests_last_60s " + fake.requestsInLast(60_000));
      System.out.flush();
    }
  }
}
