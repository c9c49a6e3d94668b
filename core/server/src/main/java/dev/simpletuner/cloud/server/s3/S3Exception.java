package dev.simpletuner.cloud.server.s3;

/** An S3 error (external-apis.md 3.3): HTTP status, S3 code and message, rendered as S3 XML. */
final class S3Exception extends RuntimeException {
  private final int status;
  private final String code;

  S3Exception(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  static S3Exception accessDenied(String message) {
    return new S3Exception(403, "AccessDenied", message);
  }

  static S3Exception signatureMismatch() {
    return new S3Exception(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
        + "signature you provided. Check your key and signing method.");
  }

  static S3Exception invalidAccessKeyId() {
    return new S3Exception(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our "
        + "records.");
  }

  static S3Exception invalidArgument(String message) {
    return new S3Exception(400, "InvalidArgument", message);
  }

  static S3Exception invalidRequest(String message) {
    return new S3Exception(400, "InvalidRequest", message);
  }

  static S3Exception noSuchKey() {
    return new S3Exception(404, "NoSuchKey", "The specified key does not exist.");
  }

  static S3Exception noSuchUpload() {
    return new S3Exception(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, "
        + "or the upload may have been aborted or completed.");
  }

  static S3Exception badDigest(String what) {
    return new S3Exception(400, "BadDigest", "The " + what + " you specified did not match the calculated checksum.");
  }

  static S3Exception incompleteBody() {
    return new S3Exception(400, "IncompleteBody", "You did not provide the number of bytes specified by the "
        + "Content-Length HTTP header.");
  }

  static S3Exception malformedXml() {
    return new S3Exception(400, "MalformedXML", "The XML you provided was not well-formed or did not validate "
        + "against our published schema.");
  }

  static S3Exception notImplemented(String what) {
    return new S3Exception(501, "NotImplemented", what + " is not implemented by this server.");
  }

  static S3Exception internal(String message) {
    return new S3Exception(500, "InternalError", message);
  }
}
