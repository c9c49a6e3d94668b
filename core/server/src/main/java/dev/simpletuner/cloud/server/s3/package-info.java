/**
 * The server's own S3-compatible endpoint ({@code /api/cloud/storage}): job outputs uploaded by
 * trainers with per-job SigV4 credentials, and datasets served read-only to cloud trainers.
 */
package dev.simpletuner.cloud.server.s3;
