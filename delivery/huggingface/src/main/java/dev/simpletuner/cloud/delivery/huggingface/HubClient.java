package dev.simpletuner.cloud.delivery.huggingface;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The Hub's HTTP protocol (external-apis.md section 2): bearer auth on API calls, none on presigned
 * upload URLs, {@code X-Error-Message}/{@code {"error"}} errors, and retries of 429, 5xx, the
 * "conflicting operation" 409 and lost connections or timeouts, honouring {@code Retry-After}.
 * Every call is safe to repeat: uploads are content-addressed and commits carry no parent, so a
 * commit repeated after a lost answer only rewrites identical content.
 */
final class HubClient {
  static final String LFS_JSON = "application/vnd.git-lfs+json";
  private static final String USER_AGENT = "simpletuner-cloud/1.0";

  private final Vertx vertx;
  private final HttpClient http;
  private final HubSettings settings;
  private final RetryPolicy retry;

  HubClient(Vertx vertx, HttpClient http, HubSettings settings, RetryPolicy retry) {
    this.vertx = vertx;
    this.http = http;
    this.settings = settings;
    this.retry = retry;
  }

  /** An HTTP answer with its body read. */
  record Answer(int status, String statusMessage, MultiMap headers, Buffer body) {

    JsonObject json() {
      if (body == null || body.length() == 0) {
        return new JsonObject();
      }
      try {
        return body.toJsonObject();
      } catch (RuntimeException e) {
        throw new HubException(status, "Hugging Face sent a response that is not JSON.");
      }
    }
  }

  String endpoint() {
    return settings.endpoint();
  }

  /** An authorised Hub API call with an optional JSON body; {@code accepted} statuses are answers, not failures. */
  Future<Answer> api(String what, HttpMethod method, String path, JsonObject body, int... accepted) {
    Buffer payload = body == null ? null : body.toBuffer();
    return send(what, method, settings.endpoint() + path, payload, body == null ? null : "application/json",
        "application/json", true, accepted);
  }

  /** A call with a raw body, e.g. the NDJSON commit or git-lfs JSON; {@code url} is absolute. */
  Future<Answer> send(String what, HttpMethod method, String url, Buffer body, String contentType, String accept,
                      boolean authorized, int... accepted) {
    return attempt(what, 1, () -> {
      RequestOptions options = options(method, url, authorized);
      if (contentType != null) {
        options.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
      }
      if (accept != null) {
        options.putHeader(HttpHeaders.ACCEPT, accept);
      }
      return http.request(options).compose(request -> body == null ? request.send() : request.send(body))
          .compose(response -> response.body().map(b -> new Answer(response.statusCode(), response.statusMessage(),
              response.headers(), b)));
    }, accepted);
  }

  /**
   * PUTs {@code length} bytes of {@code file} from {@code offset} to a presigned URL, streamed from
   * disk with back-pressure and no auth (the URL authorises itself and may point at other storage).
   */
  Future<Answer> putFile(String what, String url, Path file, long offset, long length) {
    return attempt(what, 1, () -> vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true))
        .compose(source -> {
          source.setReadBufferSize(64 * 1024).setReadPos(offset).setReadLength(length);
          RequestOptions options = options(HttpMethod.PUT, url, false)
              .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length));
          return http.request(options).compose(request -> request.send(source))
              .compose(response -> response.body().map(b -> new Answer(response.statusCode(),
                  response.statusMessage(), response.headers(), b)))
              .eventually(source::close);
        }));
  }

  private RequestOptions options(HttpMethod method, String url, boolean authorized) {
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(url)
        .setIdleTimeout(settings.timeoutMs()).putHeader(HttpHeaders.USER_AGENT, USER_AGENT);
    if (authorized) {
      if (settings.token() == null) {
        throw new HubException(401,
            "No Hugging Face token: set HF_TOKEN or save a token in the Publishing tab (Hugging Face Hub panel).");
      }
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + settings.token());
    }
    return options;
  }

  private Future<Answer> attempt(String what, int n, Supplier<Future<Answer>> send, int... accepted) {
    Future<Answer> sent;
    try {
      sent = send.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return sent.transform(ar -> {
      boolean again;
      long retryAfter = -1;
      Throwable failure;
      if (ar.succeeded()) {
        Answer a = ar.result();
        // "another conflicting operation is in progress" is a 409 the Hub wants repeated, even where
        // a 409 ("already exists") is otherwise an answer.
        boolean busy = a.status() == 409 && a.body() != null && a.body().toString().contains("conflicting operation");
        if (!busy && (a.status() < 300 || contains(accepted, a.status()))) {
          return Future.succeededFuture(a);
        }
        failure = failure(what, a);
        again = busy || a.status() == 429 || a.status() >= 500 && a.status() != 501;
        retryAfter = retryAfterMs(a.headers().get("Retry-After"));
      } else {
        Throwable cause = ar.cause();
        // Our own refusals and unreadable local files are not transient; anything on the wire is.
        again = !(cause instanceof HubException) && !(cause instanceof FileSystemException);
        failure = again ? new HubException(0, "Hugging Face did not answer (" + what + "): " + scrub(
            String.valueOf(cause.getMessage()))) : cause;
      }
      if (!again || n >= retry.attempts()) {
        return Future.failedFuture(failure);
      }
      return vertx.timer(retry.delayMs(n, retryAfter)).compose(v -> attempt(what, n + 1, send, accepted));
    });
  }

  private HubException failure(String what, Answer a) {
    String detail = scrub(detail(a));
    if (a.status() == 401) {
      return new HubException(401, "Hugging Face rejected the token (401): " + detail);
    }
    return new HubException(a.status(), "Hugging Face " + what + " failed (" + a.status() + "): " + detail);
  }

  /** The Hub's own words: {@code X-Error-Message}, then the JSON error shapes it uses, then the text. */
  static String detail(Answer a) {
    String header = a.headers().get("X-Error-Message");
    if (header != null && !header.isBlank()) {
      return header;
    }
    String text = a.body() == null ? "" : a.body().toString().strip();
    try {
      JsonObject json = new JsonObject(text);
      Object error = json.getValue("error");
      if (error instanceof String s && !s.isBlank()) {
        return s;
      }
      if (error instanceof JsonArray list && !list.isEmpty()) {
        return list.encode();
      }
      JsonArray errors = json.getJsonArray("errors");
      if (errors != null && !errors.isEmpty() && errors.getValue(0) instanceof JsonObject first) {
        return first.getString("message", first.encode());
      }
      if (json.getString("message") != null) {
        return json.getString("message");
      }
    } catch (RuntimeException notJson) {
      // use the raw text
    }
    if (text.isEmpty()) {
      return a.statusMessage() == null ? "no details" : a.statusMessage();
    }
    // Presigned storage URLs (S3) answer in XML.
    java.util.regex.Matcher xml = java.util.regex.Pattern.compile("<Code>(.*?)</Code>.*?<Message>(.*?)</Message>",
        java.util.regex.Pattern.DOTALL).matcher(text);
    if (xml.find()) {
      return xml.group(1) + ": " + xml.group(2);
    }
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  /** Whatever the other side echoes, the token never reaches a message. */
  String scrub(String message) {
    String token = settings.token();
    return token == null || message == null ? message : message.replace(token, "hf_***");
  }

  private static boolean contains(int[] statuses, int status) {
    for (int s : statuses) {
      if (s == status) {
        return true;
      }
    }
    return false;
  }

  /** {@code Retry-After} in seconds or as an HTTP date; -1 when absent or unreadable. */
  static long retryAfterMs(String header) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    try {
      return Math.max(0, (long) (Double.parseDouble(header.strip()) * 1000));
    } catch (NumberFormatException e) {
      try {
        return Math.max(0, java.time.ZonedDateTime.parse(header.strip(),
            java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli()
            - System.currentTimeMillis());
      } catch (RuntimeException unreadable) {
        return -1;
      }
    }
  }
}
