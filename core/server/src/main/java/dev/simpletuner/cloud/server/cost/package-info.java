/**
 * What training costs: estimates before a submit, live spend of running jobs, and the spending
 * caps that refuse or stop jobs.
 */
package dev.simpletuner.cloud.server.cost;
