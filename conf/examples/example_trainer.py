#!/usr/bin/env python3
"""EXAMPLE TRAINER - not SimpleTuner. It trains nothing.

It behaves like SimpleTuner's `simpletuner train` from the server's point of view, so the whole job
workflow can be tried without a GPU or a SimpleTuner install:

- it finds `config.json` in its working directory (as `simpletuner train` does) and refuses to run
  without what SimpleTuner requires (--model_family, --model_type, --optimizer, --output_dir,
  --data_backend_config), exiting with status 2;
- it reads the local datasets of `--data_backend_config` and counts their images;
- its console shows a tqdm-style bar redrawn with \\r: `Epoch 1/1 Steps:  40%|####      | 4/10
  [00:00<00:01, 9.87it/s, lr=0.0001, step_loss=0.181]`;
- it posts what SimpleTuner's trainer posts to the raw webhooks of `--webhook_config`, in the same
  shapes: `notification`, `lifecycle.stage`, one `training.status` per step without a label,
  `training.checkpoint` every `--checkpointing_steps`, `training.validation` with a base64 PNG every
  `--validation_steps` when `--validation_prompt` is set, and on failure `error` then a `failed`
  status (exit status 1);
- it writes stand-in weights to `--output_dir` and, when SIMPLETUNER_PUBLISH_FINAL_ARTIFACTS is
  true, publishes the output folder to every S3 entry of `--publishing_config` under
  `<base_path>/<output folder name>/`, as SimpleTuner's publisher does.

Where it differs from SimpleTuner: it does not mirror its log lines as `log.message` events, sends
no validation previews, and uploads each file with one SigV4 PUT (SimpleTuner uses boto3, which
switches to multipart above 8 MiB).

Use it with:  SIMPLETUNER_LOCAL_COMMAND="python3 conf/examples/example_trainer.py"

Knobs (environment):
  EXAMPLE_STEP_SECONDS   seconds per step (default 0.2)
  EXAMPLE_FAIL_AT_STEP   fail at this step (to try failures)
"""
import base64
import datetime
import hashlib
import hmac
import json
import math
import os
import signal
import struct
import sys
import time
import urllib.parse
import urllib.request
import zlib

REQUIRED = ["--model_family", "--model_type", "--optimizer", "--output_dir", "--data_backend_config"]
IMAGES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def hooks_of(config):
    hooks = config.get("--webhook_config") or []
    if isinstance(hooks, str):
        hooks = json.loads(hooks)
    if isinstance(hooks, dict):
        hooks = [hooks]
    return [h for h in hooks if h.get("webhook_type") == "raw"]


def post(hooks, event, severity="info"):
    event.setdefault("severity", severity)
    event.setdefault("timestamp", datetime.datetime.now(datetime.timezone.utc).isoformat())
    for hook in hooks:
        headers = {"Content-Type": "application/json"}
        if hook.get("auth_token"):
            headers["X-API-Key"] = hook["auth_token"]
        request = urllib.request.Request(hook["callback_url"], data=json.dumps(event).encode(), headers=headers,
                                         method="POST")
        try:
            urllib.request.urlopen(request, timeout=5).read()
        except Exception as error:  # a trainer keeps training when its callback target is down
            print(f"Could not send webhook request to {hook['callback_url']}: {error}", file=sys.stderr, flush=True)


def stage(hooks, key, label, status, message=None, **progress):
    event = {"type": "lifecycle.stage", "stage": {"key": key, "label": label, "status": status}}
    if progress:
        event["stage"]["progress"] = {"label": label, **progress}
    if message:
        event["message"] = event["title"] = message
    post(hooks, event)


def png(side, seed):
    """A small RGB gradient as PNG (what SimpleTuner sends its validation images as), built with zlib."""
    rows = b"".join(b"\0" + bytes(v for x in range(side) for v in ((x * 4 + seed) % 256, (y * 4) % 256, 128))
                    for y in range(side))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def bar(step, total, started, loss, lr):
    done = int(10 * step / total)
    elapsed = time.time() - started
    rate = step / elapsed if elapsed > 0 else 0.0
    remaining = (total - step) / rate if rate else 0

    def clock(seconds):
        return "%02d:%02d" % divmod(int(seconds), 60)

    return (f"Epoch 1/1 Steps: {int(100 * step / total):3d}%|{'#' * done}{' ' * (10 - done)}| {step}/{total} "
            f"[{clock(elapsed)}<{clock(remaining)}, {rate:.2f}it/s, lr={lr:g}, step_loss={loss:.4g}]")


def s3_put(entry, key, data):
    """PUT one object with AWS Signature V4."""
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
        print(f"Published {output_dir} to s3://{entry['bucket']}/{base}/{name}", file=sys.stderr, flush=True)


def count_images(datasets):
    images = 0
    for dataset in datasets:
        folder = dataset.get("instance_data_dir")
        if dataset.get("type", "local") != "local" or not folder:
            continue
        if not os.path.isdir(folder):
            # SimpleTuner would stop here; the example goes on, so it can be tried without data.
            print(f"Dataset {dataset.get('id')}: {folder} does not exist (the example trains on anyway)",
                  file=sys.stderr, flush=True)
            continue
        count = sum(1 for _, _, files in os.walk(folder) for n in files if n.lower().endswith(IMAGES))
        print(f"Dataset {dataset.get('id')}: {count} image(s) in {folder}", file=sys.stderr, flush=True)
        images += count
    return images


def main():
    if not os.path.exists("config.json"):
        print("Error: No config file found in current directory or config/ subdirectory.", flush=True)
        return 1
    print("Using config file: config.json", flush=True)
    with open("config.json") as f:
        config = json.load(f)
    missing = [k for k in REQUIRED if config.get(k) in (None, "")]
    if missing:
        print("error: the following arguments are required: " + ", ".join(missing), file=sys.stderr, flush=True)
        return 2
    hooks = hooks_of(config)
    steps = int(config.get("--max_train_steps", 100))
    lr = float(config.get("--learning_rate", 1e-4))
    checkpoint_every = int(config.get("--checkpointing_steps") or config.get("--checkpoint_step_interval") or 500)
    validation_every = int(config.get("--validation_steps") or config.get("--validation_step_interval") or 100)
    prompt = config.get("--validation_prompt")
    output_dir = config["--output_dir"]
    step_seconds = float(os.environ.get("EXAMPLE_STEP_SECONDS", "0.2"))
    fail_at = int(os.environ.get("EXAMPLE_FAIL_AT_STEP", "0"))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    post(hooks, {"type": "notification", "message": "SimpleTuner has launched. Hold onto your butts!",
                 "title": "SimpleTuner has launched. Hold onto your butts!"})
    stage(hooks, "init_data_backend", "Configuring data backends", "running",
          "Configuring data backends... (this may take a while!)")
    with open(config["--data_backend_config"]) as f:
        datasets = json.load(f)
    images = count_images(datasets)
    stage(hooks, "init_data_backend", "Configuring data backends", "completed",
          "Completed configuring data backends.", current=1, total=1, percent=100)
    print(f"example trainer: {len(datasets)} dataset(s), {images} image(s), {steps} steps, "
          f"model {config.get('--model_family')}", file=sys.stderr, flush=True)

    started = time.time()
    loss = 0.0
    for step in range(1, steps + 1):
        time.sleep(step_seconds)
        if step == fail_at:
            message = f"simulated failure at step {step}"
            print(f"\nTraceback (most recent call last):\n  File \"example_trainer.py\", in main\n"
                  f"RuntimeError: {message}", file=sys.stderr, flush=True)
            post(hooks, {"type": "error", "title": "Training failed: RuntimeError", "message": message}, "error")
            post(hooks, {"type": "training.status", "status": "failed"}, "error")
            return 1
        loss = 0.05 + 0.5 * math.exp(-step / max(steps / 4, 1))
        sys.stderr.write("\r" + bar(step, steps, started, loss, lr))
        sys.stderr.flush()
        eta = (time.time() - started) / step * (steps - step)
        post(hooks, {"type": "training.status", "title": "Running",
                     "data": {"status": "running", "global_step": step},
                     "progress": {"current": step, "total": steps, "percent": 100.0 * step / steps,
                                  "eta_seconds": eta, "metrics": {"loss": loss, "learning_rate": lr, "epoch": 1}}})
        if step % checkpoint_every == 0:
            path = os.path.join(output_dir, f"checkpoint-{step}")
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, "pytorch_lora_weights.safetensors"), "wb") as f:
                f.write(b"\0NOT A MODEL\0" + struct.pack(">I", step))
            # Log lines cut into the bar as tqdm.write puts them (the bar is redrawn on the next step).
            sys.stderr.write(f"\rSaved checkpoint-{step} to {path}\n")
            post(hooks, {"type": "training.checkpoint", "checkpoint": {"path": path, "is_final": False},
                         "title": f"Checkpoint saved to {path}"})
        if prompt and step % validation_every == 0:
            stage(hooks, "validation", "Running Validation", "running", "Validation is starting.")
            post(hooks, {"type": "training.validation", "message": "Validation: validation",
                         "images": [base64.b64encode(png(64, step)).decode()]})
            stage(hooks, "validation", "Running Validation", "completed", "Validation completed.")
    # tqdm leaves the finished bar on its own line when it closes.
    sys.stderr.write("\r" + bar(steps, steps, started, loss, lr) + "\n")
    stage(hooks, "model_save", "Saving Final Model", "running", f"Finalizing model and saving to {output_dir}")
    os.makedirs(output_dir, exist_ok=True)
    # Stand-ins for a LoRA's files: binary "weights" (not a model) and a small JSON summary.
    with open(os.path.join(output_dir, "pytorch_lora_weights.safetensors"), "wb") as f:
        f.write(b"\0NOT A MODEL\0" + hashlib.sha256(output_dir.encode()).digest() * 2048)
    with open(os.path.join(output_dir, "training_summary.json"), "w") as f:
        json.dump({"steps": steps, "model_family": config.get("--model_family")}, f)
    if os.environ.get("SIMPLETUNER_PUBLISH_FINAL_ARTIFACTS", "").lower() in {"1", "true", "yes", "on"}:
        try:
            publish(config, output_dir)
        except Exception as error:
            print(f"Publishing via s3 failed: {error}", file=sys.stderr, flush=True)
    stage(hooks, "model_save", "Saving Final Model", "completed", f"Model saved to {output_dir}")
    stage(hooks, "training_complete", "Training Complete", "completed", "Training run complete.", percent=100)
    print("training complete", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
