/**
 * Delivery to any S3-compatible store, with multipart uploads signed by SigV4.
 */
package dev.simpletuner.cloud.delivery.s3;
