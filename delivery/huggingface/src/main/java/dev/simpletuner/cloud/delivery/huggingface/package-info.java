/**
 * Delivery to the Hugging Face Hub: repository creation, LFS uploads and commits.
 */
package dev.simpletuner.cloud.delivery.huggingface;
