package dev.simpletuner.cloud.server.callback;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Reads one trainer event without holding its images in memory: the JSON is streamed, and each
 * base64 string of the top-level {@code images} list (what SimpleTuner's raw webhook sends,
 * handler.py {@code _convert_image_to_base64}: a PNG, base64 without a data: prefix) is decoded
 * straight into a file of its own. Videos and audio (data URIs) are not kept; they are counted.
 * Blocking I/O: call on a worker thread.
 */
public final class TrainerEventReader {
  /* Losses and learning rates come with 17 significant digits: the JDK's parser takes its slow,
   * big-number path for most of them, a third of the cost of reading a step event. */
  private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .build();
  private static final int MAX_IMAGES = 64;

  private TrainerEventReader() {
  }

  /**
   * The event and the images taken out of it.
   *
   * @param media {@code [{file, size, sha256, content_type}]}, files in {@code mediaDir}
   */
  public record Read(JsonObject event, JsonArray media) {
  }

  /**
   * A small event without media (a step, a stage, a log record: most of what a trainer sends), read
   * in one pass. Does no I/O.
   */
  public static JsonObject readPlain(byte[] body) {
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(NOT_AN_OBJECT);
      }
      return object(parser);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(NOT_VALID + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalStateException(e); // a byte array does not fail to read
    }
  }

  /*
   * Vert.x JSON straight from the parser's tokens: most events are per-step status, and building
   * Jackson's maps first, then wrapping each one as it is read, was most of their cost. Nesting is
   * bounded by the parser's own limit (StreamReadConstraints), as it was for the maps.
   */
  private static JsonObject object(JsonParser parser) throws IOException {
    JsonObject object = new JsonObject();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      object.put(name, value(parser, parser.nextToken()));
    }
    return object;
  }

  private static Object value(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case START_OBJECT -> object(parser);
      case START_ARRAY -> {
        JsonArray array = new JsonArray();
        for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
          array.add(value(parser, item));
        }
        yield array;
      }
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> parser.getNumberValue();
      case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IllegalArgumentException(NOT_VALID + "unexpected " + token);
    };
  }

  private static final String NOT_AN_OBJECT = "A trainer event is a JSON object.";
  private static final String NOT_VALID = "The trainer event is not valid JSON: ";

  public static Read read(InputStream body, Path mediaDir) throws IOException {
    JsonObject event = new JsonObject();
    JsonArray media = new JsonArray();
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(NOT_AN_OBJECT);
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("images".equals(name) && value == JsonToken.START_ARRAY) {
          readImages(parser, mediaDir, media);
        } else if (("videos".equals(name) || "audios".equals(name)) && value == JsonToken.START_ARRAY) {
          event.put(name + "_not_kept", skipItems(parser));
        } else {
          event.put(name, value(parser, value));
        }
      }
    } catch (IOException | RuntimeException e) {
      media.forEach(m -> deleteQuietly(Path.of(((JsonObject) m).getString("file"))));
      if (e instanceof com.fasterxml.jackson.core.JsonProcessingException json) {
        throw new IllegalArgumentException(NOT_VALID + json.getOriginalMessage());
      }
      throw e;
    }
    return new Read(event, media);
  }

  private static void readImages(JsonParser parser, Path dir, JsonArray media) throws IOException {
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      if (parser.currentToken() != JsonToken.VALUE_STRING || media.size() >= MAX_IMAGES) {
        parser.skipChildren();
        continue;
      }
      Files.createDirectories(dir);
      Path file = dir.resolve("incoming-" + UUID.randomUUID() + ".png");
      MessageDigest sha = sha256();
      long size;
      try (CountingStream out = new CountingStream(new DigestOutputStream(new BufferedOutputStream(
          Files.newOutputStream(file)), sha))) {
        parser.readBinaryValue(Base64Variants.MIME_NO_LINEFEEDS, out);
        size = out.count;
      } catch (IOException | RuntimeException e) {
        deleteQuietly(file);
        throw e;
      }
      media.add(new JsonObject().put("file", file.toString()).put("size", size)
          .put("sha256", HexFormat.of().formatHex(sha.digest())).put("content_type", "image/png"));
    }
  }

  private static int skipItems(JsonParser parser) throws IOException {
    int count = 0;
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      parser.skipChildren();
      count++;
    }
    return count;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a temporary file; the incoming folder is cleared at start-up
    }
  }

  private static final class CountingStream extends FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
