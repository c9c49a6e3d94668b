package dev.simpletuner.cloud.spi.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The AWS documentation's published SigV4 examples (external-apis.md 3.4, 3.5). */
class SigV4Test {
  private static final SigV4.Credentials AWS_EXAMPLE = new SigV4.Credentials("AKIAIOSFODNN7EXAMPLE",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  private static final Instant WHEN = Instant.parse("2013-05-24T00:00:00Z");

  @Test
  void getObjectWithRange() {
    Map<String, String> signed = SigV4.sign("GET", URI.create("https://examplebucket.s3.amazonaws.com/test.txt"),
        Map.of("Range", "bytes=0-9"), SigV4.EMPTY_SHA256, AWS_EXAMPLE, "us-east-1", WHEN);
    assertThat(signed.get("Authorization")).isEqualTo("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
        + "us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  }

  @Test
  void putObjectWithEncodedKeyAndExtraHeaders() {
    String payload = SigV4.sha256Hex("Welcome to Amazon S3.".getBytes());
    assertThat(payload).isEqualTo("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    Map<String, String> headers = new TreeMap<>(Map.of("Date", "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-storage-class", "REDUCED_REDUNDANCY"));
    Map<String, String> signed = SigV4.sign("PUT", URI.create("https://examplebucket.s3.amazonaws.com/"
        + SigV4.encodePath("test$file.text")), headers, payload, AWS_EXAMPLE, "us-east-1", WHEN);
    assertThat(signed.get("Authorization")).endsWith(
        "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
            + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  }

  @Test
  void presignedGet() {
    URI url = SigV4.presign("GET", URI.create("https://examplebucket.s3.amazonaws.com/test.txt"), AWS_EXAMPLE,
        "us-east-1", WHEN, 86400);
    assertThat(url.getRawQuery()).isEqualTo("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
        + "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
        + "&X-Amz-SignedHeaders=host"
        + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  }

  @Test
  void canonicalFormsOfPathsAndQueries() {
    assertThat(SigV4.canonicalUri("/bucket/a%20b/c+d/%E2%82%AC")).isEqualTo("/bucket/a%20b/c%2Bd/%E2%82%AC");
    assertThat(SigV4.canonicalQuery(SigV4.decodeQuery("uploads"))).isEqualTo("uploads=");
    assertThat(SigV4.canonicalQuery(SigV4.decodeQuery("prefix=a/b&list-type=2")))
        .isEqualTo("list-type=2&prefix=a%2Fb");
    assertThat(SigV4.percentDecode("%zz%41")).isEqualTo("%zzA");
  }
}
