package dev.simpletuner.cloud.server.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

/** A real HTTP client for the server under test, shaped like the seed's curl commands. */
public final class Api {
  private final String base;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  public Api(String base) {
    this.base = base;
  }

  public String base() {
    return base;
  }

  /** The header pair of a bearer token (a session or an API key). */
  public static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  /** Header pairs {@code a} followed by {@code b}. */
  public static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** One response: status, headers and the body (parsed when it is a JSON object). */
  public record Response(int status, String body, Map<String, java.util.List<String>> headers) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  public Response get(String path, String... headers) {
    return send(builder(path, headers).GET());
  }

  /** A response whose body is bytes (a file). */
  public record BytesResponse(int status, byte[] body, Map<String, java.util.List<String>> headers) {
    public String header(String name) {
      return new Response(status, "", headers).header(name);
    }
  }

  public BytesResponse getBytes(String path, String... headers) {
    try {
      HttpResponse<byte[]> r = http.send(builder(path, headers).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      return new BytesResponse(r.statusCode(), r.body(), r.headers().map());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public Response delete(String path, String... headers) {
    return send(builder(path, headers).DELETE());
  }

  public Response post(String path, Object body, String... headers) {
    return send(builder(path, headers).header("Content-Type", "application/json")
        .POST(body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  /** POST without a body and without a content type, like {@code curl -X POST url}. */
  public Response postEmpty(String path, String... headers) {
    return send(builder(path, headers).POST(HttpRequest.BodyPublishers.noBody()));
  }

  public Response patch(String path, Object body, String... headers) {
    return send(builder(path, headers).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  public Response put(String path, Object body, String... headers) {
    return send(builder(path, headers).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  public Response raw(String method, String path, String contentType, byte[] body, String... headers) {
    HttpRequest.Builder b = builder(path, headers).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b);
  }

  /** {@code .job} of {@code GET /api/cloud/jobs/{id}}. */
  public JsonObject job(String jobId, String... headers) {
    Response r = get("/api/cloud/jobs/" + jobId, headers);
    if (r.status() != 200) {
      throw new AssertionError("GET job " + jobId + " -> " + r.status() + " " + r.body());
    }
    return r.json().getJsonObject("job");
  }

  /** Polls the job like the seed's CI loop until {@code done} holds. */
  public JsonObject waitFor(String jobId, Predicate<JsonObject> done, Duration timeout, String... headers) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonObject job = job(jobId, headers);
    while (!done.test(job)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Job " + jobId + " did not get there in " + timeout + ": " + job.encodePrettily());
      }
      sleep(100);
      job = job(jobId, headers);
    }
    return job;
  }

  public JsonObject waitForStatus(String jobId, String status) {
    return waitFor(jobId, j -> status.equals(j.getString("status")), Duration.ofSeconds(60));
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private HttpRequest.Builder builder(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), r.headers().map());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
