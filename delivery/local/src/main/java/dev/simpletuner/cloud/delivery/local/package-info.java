/**
 * Delivery to this machine: the files the trainer sent are reported and, with {@code copy_to},
 * copied to a folder of the operator's.
 */
package dev.simpletuner.cloud.delivery.local;
