#!/usr/bin/env python3
"""Fills a SimpleTuner cloud database with N finished jobs (benchmark data).

Usage: seed_jobs.py sqlite <path/to/jobs.db> N
       seed_jobs.py postgres <postgresql://user@host:port/db> N     (uses psql)
"""
import json
import subprocess
import sys
import time
import uuid

STATUSES = ["completed", "failed", "cancelled", "completed", "completed"]
CONFIG = json.dumps({"--model_family": "flux", "--model_type": "lora", "--max_train_steps": 1000,
                     "--lora_rank": 16, "--output_dir": "/outputs/flux-lora"})
DATALOADER = json.dumps([{"id": "training-images", "type": "local", "instance_data_dir": "/data/x",
                          "caption_strategy": "textfile", "resolution": 1024}])
PROGRESS = json.dumps({"stage": "Completed", "current": 1000, "total": 1000, "percent": 100.0,
                       "eta_seconds": 0, "loss": 0.0712, "learning_rate": 0.0001, "epoch": 3})


def rows(n):
    now = int(time.time() * 1000)
    for i in range(n):
        created = now - (n - i) * 60_000
        yield (str(uuid.uuid4()), "local", "local", "local", STATUSES[i % len(STATUSES)], "production-lora",
               f"run-{i}", None, "This machine", 0.0, 0.0, 0.0, created, created + 3_600_000, created + 1000,
               created + 3_600_000, created + 500, str(i), "bench-host", None, "/tmp/out", PROGRESS, CONFIG,
               DATALOADER, json.dumps({"warnings": []}), 3)


COLUMNS = ("job_id, owner_id, job_type, provider, status, config_name, tracker_run_name, hardware_profile, "
           "hardware_type, cost_per_second, cost_usd, estimated_cost_usd, created_at, updated_at, started_at, "
           "completed_at, dispatched_at, external_id, host_id, error_message, output_url, progress, config, "
           "dataloader_config, metadata, version")


def sqlite(path, n):
    import sqlite3
    db = sqlite3.connect(path)
    db.executemany(f"INSERT INTO jobs ({COLUMNS}) VALUES ({','.join('?' * 26)})", rows(n))
    db.commit()
    db.close()


def postgres(url, n):
    def lit(v):
        if v is None:
            return "\\N"
        return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    data = "".join("\t".join(lit(v) for v in row) + "\n" for row in rows(n))
    subprocess.run(["psql", url, "-q", "-c", f"COPY jobs ({COLUMNS}) FROM STDIN"], input=data.encode(),
                   check=True)
    # What autovacuum does on a live database: statistics and the visibility map for index-only counts.
    subprocess.run(["psql", url, "-q", "-c", "VACUUM ANALYZE jobs"], check=True)


if __name__ == "__main__":
    kind, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    (sqlite if kind == "sqlite" else postgres)(target, count)
