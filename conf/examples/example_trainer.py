#!/usr/bin/env python3
"""EXAMPLE TRAINER - not SimpleTuner. It trains nothing.

It behaves like a trainer from the server's point of view, so the whole job workflow can be tried
without a GPU: it reads the files the local provider prepares, prints `step N/M loss=...` lines,
posts SimpleTuner-style progress callbacks to the server, writes a small file into the output
directory, and exits 0.

Use it with:  SIMPLETUNER_LOCAL_COMMAND="python3 conf/examples/example_trainer.py"

Knobs (environment):
  EXAMPLE_STEP_SECONDS   seconds per step (default 0.2)
  EXAMPLE_FAIL_AT_STEP   exit with status 3 at this step (to try failures)
"""
import json
import math
import os
import signal
import sys
import time
import urllib.request


def post(hook, event):
    if not hook:
        return
    request = urllib.request.Request(
        hook["callback_url"],
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": hook["auth_token"]},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=5).read()
    except Exception as error:  # a trainer keeps training when its callback target is down
        print(f"callback failed: {error}", flush=True)


def main():
    with open(os.environ["SIMPLETUNER_CONFIG_PATH"]) as f:
        config = json.load(f)
    with open(os.environ["SIMPLETUNER_DATALOADER_PATH"]) as f:
        datasets = json.load(f)
    hooks = json.loads(os.environ.get("SIMPLETUNER_WEBHOOK_CONFIG") or "[]")
    hook = next((h for h in hooks if h.get("webhook_type") == "raw"), None)
    job_id = os.environ.get("SIMPLETUNER_JOB_ID", "")
    steps = int(config.get("--max_train_steps", 100))
    lr = float(config.get("--learning_rate", 1e-4))
    step_seconds = float(os.environ.get("EXAMPLE_STEP_SECONDS", "0.2"))
    fail_at = int(os.environ.get("EXAMPLE_FAIL_AT_STEP", "0"))

    def stop(signum, frame):
        print(f"received signal {signum}, stopping", flush=True)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    print(f"example trainer: {len(datasets)} dataset(s), {steps} steps, model {config.get('--model_family')}",
          flush=True)
    post(hook, {"type": "lifecycle.stage", "job_id": job_id,
                "stage": {"key": "init", "label": "Preparing", "status": "running"}})
    started = time.time()
    for step in range(1, steps + 1):
        time.sleep(step_seconds)
        if step == fail_at:
            print(f"error: simulated failure at step {step}", flush=True)
            sys.exit(3)
        loss = 0.05 + 0.5 * math.exp(-step / max(steps / 4, 1))
        print(f"step {step}/{steps} loss={loss:.4f} lr={lr:g}", flush=True)
        eta = (time.time() - started) / step * (steps - step)
        post(hook, {"type": "training.status", "job_id": job_id, "title": "Training",
                    "data": {"status": "running"},
                    "progress": {"label": "Training", "current": step, "total": steps,
                                 "percent": round(100.0 * step / steps, 1), "eta_seconds": round(eta),
                                 "metrics": {"loss": round(loss, 5), "learning_rate": lr, "epoch": 1}}})
    output_dir = os.environ.get("SIMPLETUNER_OUTPUT_DIR", ".")
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "example-model.safetensors.txt"), "w") as f:
        f.write(f"not a model: example trainer output for job {job_id}\n")
    post(hook, {"type": "training.checkpoint", "job_id": job_id, "message": "Saved final weights"})
    print("training complete", flush=True)


if __name__ == "__main__":
    main()
