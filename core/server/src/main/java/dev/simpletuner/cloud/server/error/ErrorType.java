package dev.simpletuner.cloud.server.error;

/** Who is at fault: decides the HTTP status family. */
public enum ErrorType {
  /** The caller sent something we refuse (4xx). */
  USER,
  /** A provider or delivery target failed (502/503). */
  EXTERNAL,
  /** Our own bug or infrastructure (500). */
  INTERNAL
}
