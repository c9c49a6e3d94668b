package dev.simpletuner.cloud.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The Ceph S3 conformance suite (ceph/s3-tests, unmodified, from S3_TESTS_SOURCE) against the
 * storage endpoint's root listener: three running jobs stand for its main, alt and tenant users,
 * and our pytest plugin {@code conformance/s3-tests/s3_adapter.py} maps its buckets onto each job's
 * prefix of {@code outputs} before requests are signed. The subset is the object, multipart,
 * listing, range, presign, checksum, copy, conditional and signature tests (README: "S3
 * conformance"); every one that does not pass is listed there with its reason.
 */
class CephS3Test {
  /**
   * What passes today (233 of the subset's 261 in the last run, 220 before header SigV2, 212 before
   * multipart checksums; 180 of 227 before the subset took in the object, presign and signature tests
   * the names below had left out); the goal is 240 of its 262, out of reach without
   * versioning and public ACLs (README: "S3 conformance").
   */
  private static final int MIN_PASSED = 230;
  /**
   * Tests the markers leave in that are about what is not claimed either (bucket administration and
   * naming, ACLs, versions, anonymous and cross-account access, policies, browser POST uploads,
   * RGW's own extensions...), by their names. What stays is every object, multipart, listing, range,
   * presign, checksum, copy, conditional and signature test, also where its setup creates a bucket
   * or sets a canned ACL (a private one is taken, a public one answers 501).
   */
  private static final String UNCLAIMED_NAMES = "not (version or (acl and not presigned_put_object_with_acl) or "
      + "(bucket_create and not special_key_names and not bucket_create_bad) or naming or policy or lifecycle or "
      + "encrypt or sse or tagging or tags or cors or website or logging or ownership or object_lock or retention or "
      + "legal_hold or post_object or torrent or restore or storage_class or usage or (anonymous and not "
      + "anonymous_fail) or public or bucket_recreate or bucket_delete or buckets_create or list_buckets_anonymous or "
      + "list_buckets_paginated or head_extended or bucket_concurrent or account or _sts or iam or notification or "
      + "accelerate or request_payment or get_bucket or put_bucket or abort_bucket or unordered or (object_raw_get "
      + "and not x_amz_expires) or nonowner or non_owner or not_owned_object_bucket)";
  /** The suite's markers for what this endpoint does not claim (bucket administration and the like). */
  private static final String UNCLAIMED_MARKERS = "not (versioning or lifecycle or lifecycle_expiration or "
      + "lifecycle_transition or encryption or sse_s3 or bucket_policy or bucket_encryption or bucket_logging or "
      + "tagging or object_lock or s3website or s3select or iam_account or iam_cross_account or iam_role or "
      + "iam_tenant or iam_user or user_policy or role_policy or group_policy or session_policy or sns or "
      + "cloud_transition or cloud_restore or storage_class or object_ownership or appendobject or delete_marker or "
      + "abac_test or test_of_sts or webidentity_test or group or s3website_routing_rules or "
      + "s3website_redirect_location or fails_on_rgw)";

  @TempDir
  Path tmp;

  @Test
  void theRelevantPartOfTheCephSuitePasses() throws Exception {
    String source = System.getenv("S3_TESTS_SOURCE");
    assertThat(source).as("S3_TESTS_SOURCE: the pinned ceph/s3-tests checkout (.ci/run sets it)").isNotNull();
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path serverConfig = tmp.resolve("server.yaml");
    Files.writeString(serverConfig, "storage:\n  s3_port: " + port + "\n");
    try (TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", "sleep 900",
        "SIMPLETUNER_CONFIG", serverConfig.toString()))) {
      Api api = server.api();
      List<String> jobs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
            .put("config", Configs.lora()).put("dataloader_config", new JsonArray()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        jobs.add(r.json().getString("job_id"));
      }
      Path conf = tmp.resolve("s3tests.conf");
      Files.writeString(conf, suiteConfig(port, jobs, server));
      // The report and the suite's output stay in target/ for a reader of a failed run.
      Path out = Files.createDirectories(Path.of("target", "s3-tests")).toAbsolutePath();
      Path report = out.resolve("report.xml");
      Process pytest = new ProcessBuilder(pytestCommand(source, report))
          .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(out.resolve("pytest.log").toFile())
          .start();
      pytest.getOutputStream().close();
      assertThat(pytest.waitFor(40, TimeUnit.MINUTES)).isTrue();
      Map<String, String> failures = new TreeMap<>();
      int passed = passed(report, failures);
      failures.forEach((name, reason) -> System.out.println("S3-TESTS FAIL " + name + " :: " + reason));
      System.out.println("S3-TESTS PASSED " + passed + " FAILED " + failures.size());
      for (String job : jobs) {
        api.postEmpty("/api/cloud/jobs/" + job + "/cancel");
      }
      assertThat(passed).as("passed tests of the subset (failures: %s)", failures.keySet())
          .isGreaterThanOrEqualTo(MIN_PASSED);
    }
  }

  private List<String> pytestCommand(String source, Path report) throws IOException {
    Path adapter = Path.of(System.getProperty("user.dir")).resolve("s3-tests").toAbsolutePath();
    Path pythonPath = tmp.resolve("pythonpath");
    Files.createDirectories(pythonPath);
    // Debian's python3-munch where pip has none (the suite's config object).
    try (var debian = Files.list(Path.of("/usr/lib/python3/dist-packages"))) {
      for (Path p : debian.filter(p -> p.getFileName().toString().startsWith("munch")).toList()) {
        Files.createSymbolicLink(pythonPath.resolve(p.getFileName()), p);
      }
    }
    List<String> command = new ArrayList<>(List.of("env", "PYTHONPATH=" + adapter + ":" + pythonPath + ":" + source,
        "S3TEST_CONF=" + tmp.resolve("s3tests.conf"), "AWS_DEFAULT_REGION=us-east-1",
        "python3", "-m", "pytest", "-p", "s3_adapter", "-p", "no:cacheprovider", "-q", "-rN",
        "--rootdir", source, "-c", Path.of(source, "pytest.ini").toString(), "--junitxml=" + report,
        "-m", UNCLAIMED_MARKERS, "-k", UNCLAIMED_NAMES,
        Path.of(source, "s3tests/functional/test_s3.py").toString(),
        Path.of(source, "s3tests/functional/test_headers.py").toString()));
    return command;
  }

  private static String suiteConfig(int port, List<String> jobs, TestServer server) {
    StringBuilder b = new StringBuilder("[DEFAULT]\nhost = 127.0.0.1\nport = " + port
        + "\nis_secure = False\nssl_verify = False\n\n[fixtures]\nbucket prefix = st-{random}-\n\n");
    String[] sections = {"s3 main", "s3 alt", "s3 tenant"};
    for (int i = 0; i < 3; i++) {
      String job = jobs.get(i);
      b.append('[').append(sections[i]).append("]\ndisplay_name = ").append(job).append("\nuser_id = ").append(job)
          .append("\nemail = ").append(job).append("@example.com\naccess_key = ").append(JobTokens.storageAccessKey(job))
          .append("\nsecret_key = ").append(server.server().context().tokens().storageSecret(job)).append('\n');
      if (i == 2) {
        b.append("tenant = none\n");
      }
      b.append('\n');
    }
    for (String section : new String[] {"iam", "iam root", "iam alt root"}) {
      b.append('[').append(section).append("]\naccess_key = none\nsecret_key = none\ndisplay_name = none\n"
          + "user_id = none\nemail = none@example.com\n\n");
    }
    return b.toString();
  }

  /** Passed test cases of the junit-xml report; the others into {@code failures} with their first message line. */
  private static int passed(Path report, Map<String, String> failures) throws Exception {
    NodeList cases = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile())
        .getElementsByTagName("testcase");
    int passed = 0;
    for (int i = 0; i < cases.getLength(); i++) {
      Element c = (Element) cases.item(i);
      String name = c.getAttribute("name");
      Element problem = first(c, "failure", "error", "skipped");
      if (problem == null) {
        passed++;
      } else {
        String message = problem.getAttribute("message");
        failures.put(name, problem.getTagName() + ": " + message.lines().findFirst().orElse("").strip());
      }
    }
    return passed;
  }

  private static Element first(Element parent, String... names) {
    for (String name : names) {
      NodeList found = parent.getElementsByTagName(name);
      if (found.getLength() > 0) {
        return (Element) found.item(0);
      }
    }
    return null;
  }
}
