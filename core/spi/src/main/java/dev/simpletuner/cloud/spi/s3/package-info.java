/**
 * AWS Signature Version 4, shared by plugins that talk to S3 stores and by the host's own endpoint.
 */
package dev.simpletuner.cloud.spi.s3;
