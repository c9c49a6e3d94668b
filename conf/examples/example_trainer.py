#!/usr/bin/env python3
"""EXAMPLE TRAINER - not SimpleTuner. It trains nothing.

It behaves like a trainer from the server's point of view, so the whole job workflow can be tried
without a GPU: it reads the files the local provider prepares, prints `step N/M loss=...` lines,
posts SimpleTuner-style progress callbacks to the server, writes small stand-in model files into
the output directory, publishes them to every S3 entry of `--publishing_config` (as SimpleTuner's
publisher does: under `<base_path>/<output dir name>/`), and exits 0.

Use it with:  SIMPLETUNER_LOCAL_COMMAND="python3 conf/examples/example_trainer.py"

Knobs (environment):
  EXAMPLE_STEP_SECONDS   seconds per step (default 0.2)
  EXAMPLE_FAIL_AT_STEP   exit with status 3 at this step (to try failures)
"""
import datetime
import hashlib
import hmac
import json
import math
import os
import signal
import sys
import time
import urllib.parse
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


def s3_put(entry, key, data):
    """PUT one object with AWS Signature V4 (what boto3 does for a small file)."""
    endpoint = urllib.parse.urlparse(entry["endpoint_url"].rstrip("/"))
    path = endpoint.path + "/" + urllib.parse.quote(entry["bucket"]) + "/" + urllib.parse.quote(key, safe="/~")
    region = entry.get("region") or "us-east-1"
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = hashlib.sha256(data).hexdigest()
    headers = {"host": endpoint.netloc, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["PUT", path, "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload])
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key_bytes = ("AWS4" + entry["secret_key"]).encode()
    for part in (amz_date[:8], region, "s3", "aws4_request"):
        key_bytes = hmac.new(key_bytes, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"{endpoint.scheme}://{endpoint.netloc}{path}", data=data, method="PUT", headers={
        "x-amz-content-sha256": payload, "x-amz-date": amz_date,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={entry['access_key']}/{scope}, SignedHeaders={signed}, "
                         f"Signature={signature}"})
    urllib.request.urlopen(request, timeout=60).read()


def publish(config, output_dir):
    entries = config.get("--publishing_config") or []
    if isinstance(entries, str):
        entries = json.loads(entries)
    if isinstance(entries, dict):
        entries = [entries]
    name = os.path.basename(os.path.normpath(output_dir))
    for entry in (e for e in entries if e.get("provider") == "s3"):
        base = (entry.get("base_path") or "").strip("/")
        for root, _, files in os.walk(output_dir):
            for file in sorted(files):
                local = os.path.join(root, file)
                relative = os.path.relpath(local, output_dir).replace(os.sep, "/")
                key = "/".join(p for p in (base, name, relative) if p)
                with open(local, "rb") as f:
                    s3_put(entry, key, f.read())
                print(f"published {relative} to s3://{entry['bucket']}/{key}", flush=True)


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
    # Stand-ins for a LoRA's files: binary "weights" (not a model) and a small JSON summary.
    with open(os.path.join(output_dir, "pytorch_lora_weights.safetensors"), "wb") as f:
        f.write(b"\0NOT A MODEL\0" + hashlib.sha256(job_id.encode()).digest() * 2048)
    with open(os.path.join(output_dir, "training_summary.json"), "w") as f:
        json.dump({"job_id": job_id, "steps": steps, "model_family": config.get("--model_family")}, f)
    post(hook, {"type": "training.checkpoint", "job_id": job_id, "message": "Saved final weights"})
    try:
        publish(config, output_dir)
    except Exception as error:
        print(f"error: publishing failed: {error}", flush=True)
        sys.exit(4)
    print("training complete", flush=True)


if __name__ == "__main__":
    main()
