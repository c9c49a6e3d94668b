package dev.simpletuner.cloud.server.s3;

import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Set;

/**
 * ACLs on writes: this endpoint has none (every object is its job's alone, as in an S3 bucket with
 * ACLs disabled), so a canned ACL that says just that ({@code private}, or the bucket owner's; what
 * rclone and others send by default) is taken, and one that would grant anybody else anything, or
 * a grant header, answers 501 NotImplemented rather than being silently ignored.
 */
final class CannedAcl {
  /** Canned ACLs that grant nobody but the owner. */
  private static final Set<String> OWNER_ONLY = Set.of("private", "bucket-owner-full-control", "bucket-owner-read");
  /** The rest of S3's canned ACLs. */
  private static final Set<String> GRANTING = Set.of("public-read", "public-read-write", "authenticated-read",
      "aws-exec-read", "log-delivery-write");
  private static final Set<String> GRANTS = Set.of("x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
      "x-amz-grant-write-acp", "x-amz-grant-full-control");

  private CannedAcl() {
  }

  /** Refuses an ACL these headers ask for that grants anybody but the owner. */
  static void check(MultiMap headers) {
    for (String grant : GRANTS) {
      if (headers.contains(grant)) {
        throw S3Exception.notImplemented("Granting access with " + grant);
      }
    }
    String canned = headers.get("x-amz-acl");
    if (canned == null) {
      return;
    }
    String name = canned.strip().toLowerCase(Locale.ROOT);
    if (OWNER_ONLY.contains(name)) {
      return;
    }
    if (GRANTING.contains(name)) {
      throw S3Exception.notImplemented("The canned ACL " + name);
    }
    throw S3Exception.invalidArgument("The canned ACL is not one S3 knows.");
  }
}
