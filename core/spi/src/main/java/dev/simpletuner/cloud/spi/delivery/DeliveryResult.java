package dev.simpletuner.cloud.spi.delivery;

/**
 * A finished delivery.
 *
 * @param url   where the model is now (repo URL, {@code s3://...} or https URL of the object)
 * @param bytes bytes the target holds for this job (including files that were already there)
 * @param note  one sentence for the user, e.g. "3 files, 1 unchanged"; may be null
 */
public record DeliveryResult(String url, long bytes, String note) {
}
