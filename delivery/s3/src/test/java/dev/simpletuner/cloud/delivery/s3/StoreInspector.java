package dev.simpletuner.cloud.delivery.s3;

import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Looks at what landed in s3proxy with an independent client (the AWS SDK), not with our own code. */
final class StoreInspector implements AutoCloseable {
  final S3Client sdk;

  StoreInspector(S3ProxyServer s3) {
    sdk = S3Client.builder().endpointOverride(URI.create(s3.endpoint())).region(Region.of(s3.region()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(),
            s3.secretKey())))
        .forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  /** SHA-256 (hex) of the object's content, read back through the SDK. */
  String sha256(String bucket, String key) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = sdk.getObject(b -> b.bucket(bucket).key(key))) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  HeadObjectResponse head(String bucket, String key) {
    return sdk.headObject(b -> b.bucket(bucket).key(key));
  }

  boolean exists(String bucket, String key) {
    try {
      head(bucket, key);
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  Map<String, String> metadata(String bucket, String key) {
    return head(bucket, key).metadata();
  }

  List<Part> parts(String bucket, String key, String uploadId) {
    return sdk.listParts(b -> b.bucket(bucket).key(key).uploadId(uploadId)).parts();
  }

  List<String> keys(String bucket) {
    return sdk.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(o -> o.key()).toList();
  }

  @Override
  public void close() {
    sdk.close();
  }
}
