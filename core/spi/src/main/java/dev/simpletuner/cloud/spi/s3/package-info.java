/**
 * S3 for plugins and the host alike: AWS Signature Version 4 (also what the host's own endpoint
 * verifies) and a small signed, retrying Vert.x client of S3-compatible stores.
 */
package dev.simpletuner.cloud.spi.s3;
