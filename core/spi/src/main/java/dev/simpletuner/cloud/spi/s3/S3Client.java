package dev.simpletuner.cloud.spi.s3;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The S3 operations delivery and the server's shared object storage need (external-apis.md 3.2), signed with SigV4 and sent through one
 * Vert.x HTTP client, with bounded retries (exponential backoff with jitter) for throttling,
 * server errors, timeouts and broken connections. Bodies stream from disk; responses are small XML.
 */
public final class S3Client implements AutoCloseable {
  /** How many attempts a request gets and how long to wait between them. */
  public record Backoff(int attempts, long baseMs, long maxMs) {
    public static final Backoff DEFAULT = new Backoff(6, 250, 20_000);
  }

  /** A 2xx answer. {@code md5Hex} is the MD5 of a streamed file body, else null. */
  public record Response(int status, MultiMap headers, String body, String md5Hex) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** One part as ListParts reports it. */
  public record Part(int number, String etag, long size) {
  }

  private static final String S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";
  private static final int READ_BUFFER = 64 * 1024;

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final Backoff backoff;

  public S3Client(Vertx vertx, Backoff backoff) {
    this.vertx = vertx;
    this.backoff = backoff;
    // Parallel parts each hold a connection; the pool is per host.
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(15_000).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(32));
  }

  /** HeadObject; null when there is no such object. */
  public Future<Response> head(S3Target s, String key) {
    return execute(s, new S3Request("HEAD " + s.s3Url(key), HttpMethod.HEAD, key, null, null, SigV4.EMPTY_SHA256,
        null, null, false), backoff.attempts())
        .recover(e -> e instanceof S3Exception x && x.status() == 404 ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /** PutObject streamed from disk, signed with the file's known SHA-256 so the store verifies it. */
  public Future<Response> putFile(S3Target s, String key, S3Request.FileSlice file, String sha256) {
    return execute(s, new S3Request("PUT " + s.s3Url(key), HttpMethod.PUT, key, null,
        Map.of("x-amz-meta-sha256", sha256), sha256, null, file, false), backoff.attempts());
  }

  public Future<Response> putBytes(S3Target s, String key, Buffer body, int attempts) {
    return execute(s, new S3Request("PUT " + s.s3Url(key), HttpMethod.PUT, key, null, null,
        SigV4.sha256Hex(body.getBytes()), body, null, false), attempts);
  }

  public Future<Response> delete(S3Target s, String key, int attempts) {
    return execute(s, new S3Request("DELETE " + s.s3Url(key), HttpMethod.DELETE, key, null, null, SigV4.EMPTY_SHA256,
        null, null, false), attempts);
  }

  /** CreateMultipartUpload; the upload id. {@code sha256} of the whole file is kept as metadata (null: none). */
  public Future<String> createMultipart(S3Target s, String key, String sha256) {
    return execute(s, new S3Request("CreateMultipartUpload " + s.s3Url(key), HttpMethod.POST, key, "uploads",
        sha256 == null ? null : Map.of("x-amz-meta-sha256", sha256), SigV4.EMPTY_SHA256, null, null, false),
        backoff.attempts())
        .map(r -> {
          String id = S3Xml.first(r.body(), "UploadId");
          if (id == null || id.isEmpty()) {
            throw new IllegalStateException("CreateMultipartUpload " + s.s3Url(key) + " answered without an UploadId");
          }
          return id;
        });
  }

  /**
   * UploadPart streamed from the file's byte range. The payload is unsigned (its hash is not known
   * before reading it); integrity comes from comparing the MD5 computed while sending with the
   * returned ETag, and a mismatch is retried like a broken connection.
   */
  public Future<String> uploadPart(S3Target s, String key, String uploadId, int number, S3Request.FileSlice slice) {
    String what = "UploadPart " + number + " of " + s.s3Url(key);
    String query = "partNumber=" + number + "&uploadId=" + SigV4.encode(uploadId);
    S3Request request = new S3Request(what, HttpMethod.PUT, key, query, null, SigV4.UNSIGNED_PAYLOAD, null, slice,
        false);
    return execute(s, request, backoff.attempts(), r -> {
      String etag = r.header("ETag");
      if (etag == null) {
        throw new IllegalStateException(what + " answered without an ETag");
      }
      String bare = etag.replace("\"", "").strip().toLowerCase();
      if (bare.length() == 32 && !bare.equals(r.md5Hex())) {
        throw new TransientFailure(what + ": the store's ETag " + bare + " does not match the MD5 " + r.md5Hex()
            + " of the bytes sent");
      }
    }).map(r -> r.header("ETag"));
  }

  /** ListParts, following pagination. */
  public Future<List<Part>> listParts(S3Target s, String key, String uploadId) {
    return listParts(s, key, uploadId, 0, new ArrayList<>());
  }

  private Future<List<Part>> listParts(S3Target s, String key, String uploadId, int marker, List<Part> into) {
    String query = "uploadId=" + SigV4.encode(uploadId) + (marker > 0 ? "&part-number-marker=" + marker : "");
    return execute(s, new S3Request("ListParts " + s.s3Url(key), HttpMethod.GET, key, query, null, SigV4.EMPTY_SHA256,
        null, null, false), backoff.attempts()).compose(r -> {
          for (String part : S3Xml.all(r.body(), "Part")) {
            into.add(new Part(Integer.parseInt(S3Xml.first(part, "PartNumber")), S3Xml.first(part, "ETag"),
                Long.parseLong(S3Xml.first(part, "Size"))));
          }
          String next = S3Xml.first(r.body(), "NextPartNumberMarker");
          if ("true".equals(S3Xml.first(r.body(), "IsTruncated")) && next != null && Integer.parseInt(next) > marker) {
            return listParts(s, key, uploadId, Integer.parseInt(next), into);
          }
          return Future.succeededFuture(into);
        });
  }

  /** CompleteMultipartUpload with the parts in ascending order; a 200 carrying {@code <Error>} fails. */
  public Future<Response> complete(S3Target s, String key, String uploadId, SortedMap<Integer, String> etags) {
    StringBuilder xml = new StringBuilder("<CompleteMultipartUpload xmlns=\"" + S3_NS + "\">");
    etags.forEach((n, etag) -> xml.append("<Part><PartNumber>").append(n).append("</PartNumber><ETag>")
        .append(S3Xml.escape(etag)).append("</ETag></Part>"));
    Buffer body = Buffer.buffer(xml.append("</CompleteMultipartUpload>").toString());
    return execute(s, new S3Request("CompleteMultipartUpload " + s.s3Url(key), HttpMethod.POST, key,
        "uploadId=" + SigV4.encode(uploadId), Map.of("content-type", "application/xml"),
        SigV4.sha256Hex(body.getBytes()), body, null, true), backoff.attempts(), r -> {
          // Some stores send 200 and then fail while writing the body: without the result it did not work.
          if (!r.body().contains("CompleteMultipartUploadResult>")) {
            throw new S3Exception(r.status(), null, "the store answered without a CompleteMultipartUploadResult",
                "CompleteMultipartUpload " + s.s3Url(key));
          }
        });
  }

  public Future<Response> abort(S3Target s, String key, String uploadId) {
    return execute(s, new S3Request("AbortMultipartUpload " + s.s3Url(key), HttpMethod.DELETE, key,
        "uploadId=" + SigV4.encode(uploadId), null, SigV4.EMPTY_SHA256, null, null, false), backoff.attempts());
  }

  @Override
  public void close() {
    http.close();
  }

  /** A failure worth retrying that is not an HTTP answer (e.g. a part that arrived corrupted). */
  public static final class TransientFailure extends RuntimeException {
    TransientFailure(String message) {
      super(message);
    }
  }

  private interface Check {
    void accept(Response r);
  }

  public Future<Response> execute(S3Target s, S3Request request, int attempts) {
    return execute(s, request, attempts, r -> { });
  }

  private Future<Response> execute(S3Target s, S3Request request, int attempts, Check check) {
    return attempt(s, request, 1, attempts, check);
  }

  private Future<Response> attempt(S3Target s, S3Request request, int n, int attempts, Check check) {
    return retrying(s, request.what(), n, attempts, () -> once(s, request).map(r -> {
      check.accept(r);
      return r;
    }));
  }

  /** Runs {@code once} until it succeeds, fails for good, or {@code attempts} are used up. */
  private <T> Future<T> retrying(S3Target s, String what, int n, int attempts, Supplier<Future<T>> once) {
    Future<T> sent;
    try {
      sent = once.get();
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    return sent.recover(e -> {
      if (n >= attempts || !retryable(e)) {
        return Future.failedFuture(e instanceof S3Exception || e instanceof TransientFailure ? e
            : new IllegalStateException(what + " failed: " + describe(e, s), e));
      }
      long cap = Math.min(backoff.maxMs(), backoff.baseMs() << Math.min(n - 1, 20));
      long delay = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
      return vertx.timer(delay).compose(v -> retrying(s, what, n + 1, attempts, once));
    });
  }

  /** A PutObject whose body the caller writes; {@code answer} is the store's, once the body is all sent. */
  public record Upload(HttpClientRequest request, Future<Response> answer) {
  }

  /**
   * PutObject (or, with {@code partNumber=N&uploadId=...} as {@code rawQuery}, UploadPart) of
   * exactly {@code length} bytes the caller writes to the request as they come (and then ends it,
   * or resets it to give up). The payload is unsigned: it is not known yet; the caller compares the
   * answer's ETag with the MD5 of what it sent. Not retried.
   */
  public Future<Upload> put(S3Target s, String key, String rawQuery, long length) {
    S3Request request = new S3Request("PUT " + s.s3Url(key), HttpMethod.PUT, key, rawQuery, null,
        SigV4.UNSIGNED_PAYLOAD, null, null, false);
    RequestOptions options = options(s, request).putHeader("Content-Length", String.valueOf(length));
    return http.request(options).map(r -> new Upload(quiet(r), r.response().compose(answer -> read(answer, request,
        null))));
  }

  /**
   * GetObject with its body unread: the answer comes paused, for the caller to pipe (and so to
   * read at the pace of wherever it goes). {@code range} is a Range header value, or null for all.
   * Attempts that fail before an answer, or get a retryable error, are retried.
   */
  public Future<HttpClientResponse> get(S3Target s, String key, String range) {
    S3Request request = new S3Request("GET " + s.s3Url(key), HttpMethod.GET, key, null,
        range == null ? null : Map.of("range", range), SigV4.EMPTY_SHA256, null, null, false);
    return retrying(s, request.what(), 1, backoff.attempts(), () -> http.request(options(s, request))
        .compose(r -> quiet(r).send())
        .compose(r -> {
          if (r.statusCode() >= 200 && r.statusCode() < 300) {
            r.pause();
            return Future.succeededFuture(r);
          }
          return r.body().compose(b -> Future.failedFuture(S3Exception.from(r.statusCode(), r.statusMessage(),
              b.toString(StandardCharsets.UTF_8), request.what())));
        }));
  }


  private static boolean retryable(Throwable e) {
    if (e instanceof S3Exception x) {
      return x.retryable();
    }
    // Local file problems do not heal by retrying; connection resets, timeouts and corrupt parts may.
    return !(e instanceof FileSystemException || e instanceof java.nio.file.FileSystemException
        || e instanceof IllegalArgumentException);
  }

  private static String describe(Throwable e, S3Target s) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m + " (endpoint " + s.endpoint() + ")";
  }

  /** One signed attempt: 2xx gives a Response, anything else an S3Exception. */
  private Future<Response> once(S3Target s, S3Request request) {
    RequestOptions options = options(s, request);
    if (request.file() != null && request.file().length() > 0) {
      options.putHeader("Content-Length", String.valueOf(request.file().length()));
      return vertx.fileSystem().open(request.file().path().toString(), new OpenOptions().setRead(true))
          .compose(file -> {
            file.setReadBufferSize(READ_BUFFER).setReadPos(request.file().offset())
                .setReadLength(request.file().length());
            DigestingReadStream body = new DigestingReadStream(file);
            return http.request(options).compose(r -> quiet(r).send(body))
                .compose(r -> read(r, request, body))
                .eventually(() -> {
                  body.detach();
                  return file.close();
                });
          });
    }
    // An empty file is sent as an empty body rather than streamed.
    Buffer body = request.body() != null ? request.body() : request.file() != null ? Buffer.buffer() : null;
    return http.request(options)
        .compose(r -> body == null ? quiet(r).send() : quiet(r).send(body))
        .compose(r -> read(r, request, null));
  }

  /** The request's URL and headers, signed now. */
  private static RequestOptions options(S3Target s, S3Request request) {
    URI uri = s.objectUri(request.key(), request.rawQuery());
    Map<String, String> auth = SigV4.sign(request.method().name(), uri, request.headers(), request.payloadHash(),
        s.credentials(), s.region(), Instant.now());
    RequestOptions options = new RequestOptions().setMethod(request.method()).setAbsoluteURI(uri.toString())
        .setIdleTimeout(s.timeoutMs()).putHeader("User-Agent", "simpletuner-cloud/1.0");
    request.headers().forEach(options::putHeader);
    auth.forEach(options::putHeader);
    return options;
  }

  /** A failed request also fails its response future, which is where it is handled; no need to log it twice. */
  private static HttpClientRequest quiet(HttpClientRequest request) {
    return request.exceptionHandler(e -> { });
  }

  private static Future<Response> read(HttpClientResponse r, S3Request request, DigestingReadStream sent) {
    return r.body().compose(buffer -> {
      String body = buffer.toString(StandardCharsets.UTF_8);
      int status = r.statusCode();
      if (status < 200 || status >= 300) {
        return Future.failedFuture(S3Exception.from(status, r.statusMessage(), body, request.what()));
      }
      if (request.errorIn200() && S3Xml.isError(body)) {
        return Future.failedFuture(S3Exception.from(status, r.statusMessage(), body, request.what()));
      }
      return Future.succeededFuture(new Response(status, r.headers(), body, sent == null ? null : sent.md5Hex()));
    });
  }
}
