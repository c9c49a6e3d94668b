/**
 * The {@code kubernetes} provider: each job becomes a pod in a cluster (a Kubeflow Trainer
 * {@code TrainJob} where the cluster has that CRD, else a plain {@code batch/v1} Job) that runs
 * SimpleTuner's worker agent with a one-job worker token; the agent joins the server like any
 * self-hosted worker and is handed exactly that job. What the cluster says about the pod
 * (unschedulable, image pulls, OOM kills, evictions) is reported in words on the job.
 */
package dev.simpletuner.cloud.provider.kubernetes;
