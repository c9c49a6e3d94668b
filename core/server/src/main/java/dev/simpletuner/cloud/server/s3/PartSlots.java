package dev.simpletuner.cloud.server.s3;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a part's bytes go so that completing a large upload copies nothing. SDKs cut a file into
 * parts of one size: a part of an upload made by this process that has that size (the first part
 * sent decides it), or is smaller (the last one), and that is sent for the first time, is written
 * straight to {@code (number - 1) * size} in the upload's data file. When the completed list is
 * those parts in order, that file is the object. Anything else (a part sent again, whose earlier
 * copy must survive a failed re-send; a larger part; an upload from before a restart) is a file of
 * its own, joined on completion as before. One per server, shared by its HTTP verticles; a
 * restart forgets it, and what is placed already stays where its part's row says.
 */
final class PartSlots implements Shareable {
  private final Map<String, Layout> layouts = new ConcurrentHashMap<>();

  private PartSlots() {
  }

  static PartSlots of(Vertx vertx) {
    return vertx.sharedData().<String, PartSlots>getLocalMap(PartSlots.class.getName())
        .computeIfAbsent("slots", k -> new PartSlots());
  }

  /** Where one send of a part is written: at {@code offset} of {@code file}, or, when offset is -1, the whole file. */
  record Place(Layout layout, Path file, long offset) {
    /** A file of its own. */
    static Place own(Path file) {
      return new Place(null, file, -1);
    }

    boolean inPlace() {
      return offset >= 0;
    }

    /** The send has ended (stored or failed); call once. */
    void release() {
      if (inPlace()) {
        layout.release();
      }
    }
  }

  /** An upload made now: its parts may be written in place. */
  void open(String uploadId) {
    layouts.put(uploadId, new Layout());
  }

  /**
   * The place for a send of part {@code number} declaring {@code length} bytes (-1: unknown).
   *
   * @param minPart the least size that may set the upload's part size (smaller ones are last parts)
   * @param ownFile the file for a part that is not written in place
   */
  Place place(ObjectFiles files, String uploadId, int number, long length, long minPart, Path ownFile) {
    Layout layout = layouts.get(uploadId);
    long offset = layout == null ? -1 : layout.claim(number, length, minPart);
    return offset < 0 ? Place.own(ownFile) : new Place(layout, files.partData(uploadId), offset);
  }

  /** No part is placed any more; succeeds once every send being written in place has ended. */
  Future<Void> close(String uploadId) {
    Layout layout = layouts.get(uploadId);
    return layout == null ? Future.succeededFuture() : layout.close();
  }

  /** The upload is completed or aborted. */
  void forget(String uploadId) {
    layouts.remove(uploadId);
  }

  static final class Layout {
    private long partSize = -1;
    private final Set<Integer> sent = new HashSet<>();
    private int writing;
    private boolean closed;
    private Promise<Void> idle;

    synchronized long claim(int number, long length, long minPart) {
      if (closed || length < 0 || !sent.add(number)) {
        return -1;
      }
      if (partSize < 0 && length >= minPart) {
        partSize = length;
      }
      if (partSize < 0 || length > partSize) {
        return -1;
      }
      writing++;
      return (number - 1) * partSize;
    }

    void release() {
      Promise<Void> done;
      synchronized (this) {
        if (--writing > 0 || idle == null) {
          return;
        }
        done = idle;
      }
      done.tryComplete();
    }

    synchronized Future<Void> close() {
      closed = true;
      if (writing == 0) {
        return Future.succeededFuture();
      }
      if (idle == null) {
        idle = Promise.promise();
      }
      return idle.future();
    }
  }
}
