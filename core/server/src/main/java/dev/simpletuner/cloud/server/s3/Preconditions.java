package dev.simpletuner.cloud.server.s3;

import io.vertx.core.MultiMap;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * S3's conditional requests (RFC 9110 section 13 as S3 applies it): If-Match / If-Unmodified-Since
 * fail with 412, If-None-Match / If-Modified-Since answer 304 on reads; a matching If-Match makes
 * If-Unmodified-Since irrelevant, a failing If-None-Match makes If-Modified-Since irrelevant. Writes
 * take {@code If-None-Match} ({@code *}: only if absent; an ETag: unless it is that version) and
 * {@code If-Match} (only if it is that version); deletes of an existing object their own three.
 */
final class Preconditions {
  private Preconditions() {
  }

  /** GetObject / HeadObject of an existing object. */
  static void read(MultiMap headers, String etag, long modifiedAt) {
    check(headers.get("If-Match"), headers.get("If-None-Match"), headers.get("If-Modified-Since"),
        headers.get("If-Unmodified-Since"), etag, modifiedAt, true);
  }

  /** The copy source of CopyObject / UploadPartCopy (all failures are 412 there). */
  static void copySource(MultiMap headers, String etag, long modifiedAt) {
    check(headers.get("x-amz-copy-source-if-match"), headers.get("x-amz-copy-source-if-none-match"),
        headers.get("x-amz-copy-source-if-modified-since"), headers.get("x-amz-copy-source-if-unmodified-since"),
        etag, modifiedAt, false);
  }

  /** PutObject / CompleteMultipartUpload / CopyObject's target; {@code etag} null when the key is absent. */
  static void write(MultiMap headers, String etag) {
    String ifNoneMatch = headers.get("If-None-Match");
    if (ifNoneMatch != null && etag != null && matches(ifNoneMatch, etag)) {
      throw failed();
    }
    String ifMatch = headers.get("If-Match");
    if (ifMatch != null) {
      if (etag == null) {
        throw S3Exception.noSuchKey();
      }
      if (!matches(ifMatch, etag)) {
        throw failed();
      }
    }
  }

  /**
   * DeleteObject (If-Match, x-amz-if-match-last-modified-time, x-amz-if-match-size) or one object
   * of DeleteObjects (its ETag, LastModifiedTime, Size) of an existing object: each given one must
   * hold, else 412. Times match to the second (what a listing or HEAD shows).
   */
  static void delete(String ifMatch, String lastModified, String size, String etag, long modifiedAt, long objectSize) {
    if (ifMatch != null && !matches(ifMatch, etag)) {
      throw failed();
    }
    if (lastModified != null) {
      Long at = date(lastModified);
      if (at == null) {
        throw S3Exception.invalidArgument("The last-modified time to match is not a date.");
      }
      if (at != modifiedAt / 1000) {
        throw failed();
      }
    }
    if (size != null) {
      long expected;
      try {
        expected = Long.parseLong(size.strip());
      } catch (NumberFormatException e) {
        throw S3Exception.invalidArgument("The size to match is not a number.");
      }
      if (expected != objectSize) {
        throw failed();
      }
    }
  }

  private static void check(String ifMatch, String ifNoneMatch, String ifModifiedSince, String ifUnmodifiedSince,
                            String etag, long modifiedAt, boolean read) {
    long modifiedSecond = modifiedAt / 1000;
    if (ifMatch != null) {
      if (!matches(ifMatch, etag)) {
        throw failed();
      }
    } else if (ifUnmodifiedSince != null) {
      Long since = date(ifUnmodifiedSince);
      if (since != null && modifiedSecond > since) {
        throw failed();
      }
    }
    if (ifNoneMatch != null) {
      if (matches(ifNoneMatch, etag)) {
        throw read ? notModified() : failed();
      }
    } else if (ifModifiedSince != null) {
      Long since = date(ifModifiedSince);
      if (since != null && modifiedSecond <= since) {
        throw read ? notModified() : failed();
      }
    }
  }

  static boolean matches(String header, String etag) {
    for (String candidate : header.split(",")) {
      String c = candidate.strip();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals("*") || S3Xml.unquote(c).equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Seconds since the epoch of an HTTP date (or an ISO 8601 one, as XML bodies carry), or null for
   * one that does not parse (then a read's condition is ignored).
   */
  private static Long date(String value) {
    try {
      return Instant.from(ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME)).getEpochSecond();
    } catch (DateTimeParseException e) {
      try {
        return Instant.from(DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(value.strip())).getEpochSecond();
      } catch (DateTimeParseException notIso) {
        return null;
      }
    }
  }

  private static S3Exception failed() {
    return new S3Exception(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
  }

  private static S3Exception notModified() {
    return new S3Exception(304, "NotModified", "Not Modified");
  }
}
