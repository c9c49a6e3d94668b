/**
 * Local datasets on their way to a cloud provider: what may leave the machine, the scan, the zip
 * and the upload, on worker threads.
 */
package dev.simpletuner.cloud.server.upload;
