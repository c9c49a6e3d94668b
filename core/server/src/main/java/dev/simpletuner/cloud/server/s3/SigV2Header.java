package dev.simpletuner.cloud.server.s3;

import io.vertx.core.http.HttpServerRequest;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Signature Version 2 in the Authorization header ({@code AWS <AccessKeyId>:<Signature>}), what
 * boto3 with {@code signature_version='s3'}, s3cmd's v2 mode and older SDKs send. The request time
 * is x-amz-date when present (the Date line is then signed empty), else Date; either way it must be
 * within the same 15 minutes as SigV4's.
 */
final class SigV2Header {
  static final String PREFIX = "AWS ";

  private SigV2Header() {
  }

  static StorageAuth.Grant verify(HttpServerRequest request, String header, List<Map.Entry<String, String>> query,
                                  Instant now, SigV2Signature signature) {
    String credentials = header.substring(PREFIX.length()).strip();
    int colon = credentials.lastIndexOf(':');
    if (colon <= 0 || colon == credentials.length() - 1) {
      throw S3Exception.invalidArgument("AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
    }
    String amzDate = request.getHeader("x-amz-date");
    String date = amzDate != null ? amzDate : request.getHeader("Date");
    StorageAuth.checkRequestTime(parse(date), now);
    return signature.verify(request, query, amzDate != null ? "" : date.strip(), credentials.substring(0, colon),
        credentials.substring(colon + 1));
  }

  /** The request time; a missing or unreadable one, or one before 1970, is refused as S3 and RGW do. */
  private static Instant parse(String date) {
    if (date != null) {
      try {
        // RFC 1123 read without its day name, which would have to agree with the date (S3 ignores it).
        Instant at = Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(date.substring(date.indexOf(',') + 1)
            .strip()));
        if (!at.isBefore(Instant.EPOCH)) {
          return at;
        }
      } catch (DateTimeException e) {
        // refused below
      }
    }
    throw S3Exception.accessDenied("AWS authentication requires a valid Date or x-amz-date header");
  }
}
