package dev.simpletuner.cloud.spi.delivery;

import java.nio.file.Path;

/**
 * One file the host holds for a job.
 *
 * @param path   relative path with '/' separators, e.g. {@code "my-lora/pytorch_lora_weights.safetensors"}
 * @param file   where it is on this machine (read it, never change it)
 * @param size   bytes
 * @param sha256 lowercase hex SHA-256 of the content
 */
public record OutputFile(String path, Path file, long size, String sha256) {
}
