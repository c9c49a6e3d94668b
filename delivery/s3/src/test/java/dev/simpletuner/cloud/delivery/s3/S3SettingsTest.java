package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.s3.S3Exception;
import dev.simpletuner.cloud.spi.s3.S3Xml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Addressing, key encoding and the declared settings. */
class S3SettingsTest {

  private static S3Settings settings(String... pairs) {
    Map<String, String> m = new HashMap<>(Map.of("bucket", "models", "access_key", "a", "secret_key", "s"));
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i + 1] == null) {
        m.remove(pairs[i]);
      } else {
        m.put(pairs[i], pairs[i + 1]);
      }
    }
    return S3Settings.from(m);
  }

  @Test
  void awsDefaultsToTheRegionalEndpointInVirtualHostStyle() {
    S3Settings s = settings("region", "eu-west-1");

    assertThat(s.objectUri("simpletuner/job 1/a+b.safetensors", null).toString())
        .isEqualTo("https://models.s3.eu-west-1.amazonaws.com/simpletuner/job%201/a%2Bb.safetensors");
  }

  @Test
  void otherEndpointsArePathStyleAndKeepTheirPort() {
    S3Settings s = settings("endpoint_url", "http://127.0.0.1:9000/");

    assertThat(s.objectUri("p/k.bin", "uploadId=x%2Fy").toString())
        .isEqualTo("http://127.0.0.1:9000/models/p/k.bin?uploadId=x%2Fy");
  }

  @Test
  void addressingCanBeForcedEitherWay() {
    assertThat(settings("endpoint_url", "https://r2.example.com:8443", "addressing", "virtual")
        .objectUri("k", null).toString()).isEqualTo("https://models.r2.example.com:8443/k");
    assertThat(settings("addressing", "path").objectUri("k", null).toString())
        .isEqualTo("https://s3.us-east-1.amazonaws.com/models/k");
  }

  @Test
  void dottedBucketsStayPathStyleOnAwsBecauseOfTls() {
    assertThat(settings("bucket", "my.models").objectUri("k", null).toString())
        .isEqualTo("https://s3.us-east-1.amazonaws.com/my.models/k");
  }

  @Test
  void anEndpointWithAPathKeepsIt() {
    assertThat(settings("endpoint_url", "https://proxy.example.com/s3").objectUri("k", null).toString())
        .isEqualTo("https://proxy.example.com/s3/models/k");
  }

  @Test
  void prefixesEndWithASlash() {
    assertThat(settings().prefix()).isEqualTo("simpletuner/");
    assertThat(settings("prefix", "/loras").prefix()).isEqualTo("loras/");
    assertThat(settings("prefix", "").prefix()).isEmpty();
  }

  @Test
  void sizesComeFromMegabytesWithS3sMinimumPart() {
    S3Settings s = settings("multipart_threshold_mb", "100", "part_size_mb", "2", "parallel_parts", "0");

    assertThat(s.thresholdBytes()).isEqualTo(100L << 20);
    assertThat(s.partSizeBytes()).isEqualTo(5L << 20);
    assertThat(s.parallelParts()).isEqualTo(1);
    assertThat(settings().timeoutMs()).isEqualTo(300_000);
  }

  @Test
  void theSecretStaysOutOfToString() {
    assertThat(settings("secret_key", "very-secret").toString()).doesNotContain("very-secret");
  }

  @Test
  void errorsAreReadFromS3Xml() {
    S3Exception e = S3Exception.from(403, "Forbidden", "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch"
        + "</Code><Message>The request signature we calculated does not match the signature you provided.</Message>"
        + "<StringToSign>AWS4-HMAC-SHA256...</StringToSign></Error>", "PUT s3://b/k");

    assertThat(e.code()).isEqualTo("SignatureDoesNotMatch");
    assertThat(e.summary()).isEqualTo("SignatureDoesNotMatch: The request signature we calculated does not match "
        + "the signature you provided.");
    assertThat(e.getMessage()).startsWith("PUT s3://b/k: SignatureDoesNotMatch (HTTP 403)");
    assertThat(e.retryable()).isFalse();
    assertThat(S3Exception.from(503, "Service Unavailable", "", "x").retryable()).isTrue();
    assertThat(S3Exception.from(400, "Bad Request", "<Error><Code>RequestTimeout</Code></Error>", "x").retryable())
        .isTrue();
    assertThat(S3Xml.isError("<?xml version=\"1.0\"?>\n   <Error><Code>InternalError</Code></Error>")).isTrue();
    assertThat(S3Xml.isError("<CompleteMultipartUploadResult/>")).isFalse();
  }

  @Test
  void listPartsIsReadWithNamespacesAndEscapes() {
    String xml = "<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>2</PartNumber>"
        + "<ETag>&quot;abc&quot;</ETag><Size>5</Size></Part><Part><PartNumber>3</PartNumber><ETag>\"def\"</ETag>"
        + "<Size>7</Size></Part></ListPartsResult>";

    assertThat(S3Xml.all(xml, "Part")).hasSize(2);
    assertThat(S3Xml.first(S3Xml.all(xml, "Part").get(0), "ETag")).isEqualTo("\"abc\"");
  }

  @Test
  void thePluginContributesTheFactoryWithTheContractedSettings() {
    Plugin plugin = ServiceLoader.load(Plugin.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p instanceof S3Plugin).findFirst().orElseThrow();
    DeliveryFactory factory = plugin.deliveryFactories().get(0);

    assertThat(factory.id()).isEqualTo("s3");
    assertThat(factory.displayName()).isEqualTo("S3-compatible store");
    Map<String, SettingSpec> specs = factory.settings().stream()
        .collect(Collectors.toMap(SettingSpec::name, s -> s));
    assertThat(specs).containsOnlyKeys("enabled", "endpoint_url", "bucket", "region", "access_key", "secret_key",
        "prefix", "addressing", "mode", "multipart_threshold_mb", "part_size_mb", "parallel_parts",
        "request_timeout_seconds");
    assertThat(specs.get("enabled").type()).isEqualTo(SettingSpec.Type.BOOLEAN);
    assertThat(specs.get("enabled").defaultValue()).isEqualTo("false");
    assertThat(specs.get("endpoint_url").type()).isEqualTo(SettingSpec.Type.URL);
    assertThat(specs.get("bucket").required()).isTrue();
    assertThat(specs.get("secret_key").secret()).isTrue();
    assertThat(specs.get("region").defaultValue()).isEqualTo("us-east-1");
    assertThat(specs.get("prefix").defaultValue()).isEqualTo("simpletuner/");
    assertThat(specs.get("addressing").defaultValue()).isEqualTo("auto");
    assertThat(specs.get("mode").defaultValue()).isEqualTo("server");
    assertThat(specs.get("multipart_threshold_mb").defaultValue()).isEqualTo("64");
    assertThat(specs.get("part_size_mb").defaultValue()).isEqualTo("16");
    assertThat(specs.get("parallel_parts").defaultValue()).isEqualTo("4");
    assertThat(specs.get("request_timeout_seconds").defaultValue()).isEqualTo("300");
  }
}
