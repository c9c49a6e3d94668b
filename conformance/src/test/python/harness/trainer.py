"""A stand-in for SimpleTuner's Trainer: it trains nothing, but everything it says goes out through
SimpleTuner's own code, in the order and shapes the real trainer uses.

What is ours: the training loop (a sleep and a made-up loss per step), the image and weight bytes,
and reading datasets (local folders, or S3 buckets with boto3 the way SimpleTuner's S3DataBackend
does). What is upstream's, run unchanged from SIMPLETUNER_SOURCE: config loading
(``helpers/configuration/json_file.py``, ``cli_utils.py``), the required-argument rules (the field
registry's REQUIRED rules, turned into argparse ``required=True`` as ``cmd_args.py`` does), the
webhook handler, the event builders, the webhook logger that mirrors every log record, the
progress mixin, ``log_images_to_webhook`` and the publishing manager (boto3 with its default
TransferConfig). Line references are to ``simpletuner/helpers/training/trainer.py`` at the pinned
commit unless said otherwise.

Knobs (environment): STANDIN_STEP_SECONDS (default 0.05), STANDIN_FAIL_AT_STEP (raise at that
step), STANDIN_IMAGE_SIZE (validation image side in pixels, default 128), STANDIN_WEIGHTS_BYTES
(size of the weights file, default 1 MiB), STANDIN_PID_FILE (where to write the trainer's pid).
"""

import io
import json
import math
import os
import random
import time
from pathlib import Path

from simpletuner.helpers.logging import get_logger
from simpletuner.helpers.training.state_tracker import StateTracker
from simpletuner.helpers.webhooks.events import (
    checkpoint_event,
    error_event,
    lifecycle_stage_event,
    notification_event,
    training_status_event,
)
from simpletuner.helpers.webhooks.handler import WebhookHandler
from simpletuner.helpers.webhooks.mixin import WebhookMixin

logger = get_logger("SimpleTuner")
IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "webp", "bmp"}


def _structured(value):
    """A JSON string, a file path, a dict or a list, as list (cmd_args._normalize_structured_config_option)."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not (text.startswith("{") or text.startswith("[")):
            text = Path(os.path.expanduser(text)).read_text()
        value = json.loads(text)
    return [value] if isinstance(value, dict) else list(value)


def _num(value, default):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _int(value, default=None):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


class StandInTrainer(WebhookMixin):
    def __init__(self, config=None, job_id=None):
        self.job_id = job_id
        self.webhook_handler = None
        self.publishing_manager = None
        self.lr = 0.0
        self.train_loss = 0.0
        self.state = {"global_step": 0, "current_epoch": 1}
        StateTracker.set_job_id(job_id)
        from simpletuner.helpers.configuration.loader import load_config

        if isinstance(config, dict):
            # trainer.py:784-803: the webhook comes from the raw mapping first, then the config is parsed.
            payload = {k: v for k, v in config.items() if not (isinstance(k, str) and k.startswith("__"))}
            self.configure_webhook(raw_config=payload)
            self.config = load_config(payload, exit_on_error=True)
        else:
            self.config = load_config(None, exit_on_error=True)
        StateTracker.set_args(self.config)
        logger.info("Trainer.__init__: model_type=%r, lora_type=%r", self.config.model_type,
                    getattr(self.config, "lora_type", None))

    # ---- webhooks, as trainer.py does them --------------------------------------------------

    def configure_webhook(self, send_startup_message=True, raw_config=None):
        """trainer.py:2056-2160."""
        if raw_config is not None:
            webhook_config = raw_config.get("webhook_config", raw_config.get("--webhook_config", None))
        else:
            webhook_config = getattr(getattr(self, "config", None), "webhook_config", None)
        if webhook_config is None:
            return
        webhook_config = _structured(webhook_config)
        project = f"{getattr(getattr(self, 'config', None), 'tracker_project_name', 'unknown')} " \
                  f"{getattr(getattr(self, 'config', None), 'tracker_run_name', 'unknown')}"
        self.webhook_handler = WebhookHandler(None, project, webhook_config=webhook_config)
        StateTracker.set_webhook_handler(self.webhook_handler)
        if send_startup_message:
            self._send_webhook_msg("SimpleTuner has launched. Hold onto your butts!", store_response=True)
        self._emit_event(notification_event(message="Training job has started, configuration has begun.",
                                            job_id=self.job_id))

    def _send_webhook_msg(self, message, message_level="info", store_response=False, emit_event=True):
        """trainer.py:5731-5739."""
        if self.webhook_handler is None:
            return
        self.webhook_handler.send(message=message, message_level=message_level, store_response=store_response)
        if emit_event:
            self._emit_event(notification_event(message=message, severity=message_level, job_id=self.job_id),
                             message_level=message_level)

    def _emit_event(self, event, message_level="info"):
        """trainer.py:5741-5756."""
        if not self.webhook_handler:
            return False
        if self.job_id and event.get("job_id") is None:
            event["job_id"] = self.job_id
        event.setdefault("timestamp", time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()))
        event.setdefault("severity", message_level)
        self.webhook_handler.send_raw(event, message_level=message_level, job_id=self.job_id)
        return True

    def _stage(self, key, label, status, message, **progress):
        self._emit_event(lifecycle_stage_event(key=key, label=label, status=status, message=message,
                                               job_id=self.job_id, **progress))

    def _progress(self, label=None, epoch=1):
        """trainer.py:5813-5858 (step, total, percent, ETA and the metrics the real one sends)."""
        total = _int(self.config.max_train_steps, 0)
        step = min(self.state["global_step"], total) if total else self.state["global_step"]
        elapsed = time.monotonic() - self.started
        eta = elapsed / step * (total - step) if step and total else None
        metrics = {"epoch": epoch}
        if step > 0:
            metrics.update(loss=self.train_loss, learning_rate=self.lr)
        metrics.update(effective_batch_size=1, total_batch_size=1)
        return {"label": label, "current": step, "total": total or None,
                "percent": step / total * 100 if total else None, "eta_seconds": eta, "metrics": metrics}

    # ---- the run ------------------------------------------------------------------------------

    @property
    def output_dir(self):
        return Path(self.config.output_dir)

    def run(self):
        """What ``run_trainer_job`` runs (trainer.py:1932-2020): errors reported, then raised."""
        try:
            self.train_all()
        except Exception as e:
            import traceback

            logger.error(f"Failed to run training: {e}, traceback: {traceback.format_exc()}")
            self._send_webhook_msg(message=f"Failed to run training: {e}")
            self._emit_event(error_event(message=f"Failed to run training: {e}", title="Fatal Error",
                                         job_id=self.job_id, data={"status": "error"}), message_level="critical")
            self._emit_event(training_status_event(status="failed", message=f"Training failed: {e}",
                                                   job_id=self.job_id, severity="error"), message_level="critical")
            raise

    def train_all(self):
        self.started = time.monotonic()
        if os.environ.get("STANDIN_PID_FILE"):
            # For tests that check a cancel reached the trainer (it runs in a session of its own).
            Path(os.environ["STANDIN_PID_FILE"]).write_text(str(os.getpid()))
        self._init_publishing_manager()
        self.init_data_backend()
        self.init_load_base_model()
        self.train()
        self.save_final()

    def _init_publishing_manager(self):
        """trainer.py:664-681."""
        configs = _structured(getattr(self.config, "publishing_config", None))
        if not configs:
            return
        from simpletuner.helpers.publishing import PublishingManager

        self.publishing_manager = PublishingManager(configs)
        logger.info("Publishing manager initialised with %s provider(s).", len(self.publishing_manager.providers))

    def init_data_backend(self):
        """trainer.py:2659-2720, with our own reading of each dataset."""
        self._send_webhook_msg(message="Configuring data backends... (this may take a while!)", emit_event=False)
        self._stage("init_data_backend", "Configuring data backends", "running",
                    "Configuring data backends... (this may take a while!)")
        try:
            backends = json.loads(Path(self.config.data_backend_config).read_text())
            self.images = 0
            for backend in backends:
                if backend.get("dataset_type", "image") in ("image", "video", "conditioning", None):
                    self.images += self._read_dataset(backend)
            if self.images == 0:
                raise ValueError("No images were discovered in any dataset")
        except Exception as e:
            self._send_webhook_msg(message=f"Failed to load data backends: {e}", message_level="critical")
            self._stage("init_data_backend", "Configuring data backends", "failed",
                        f"Failed to load data backends: {e}")
            raise
        self._stage("init_data_backend", "Configuring data backends", "completed",
                    "Completed configuring data backends.", current=1, total=1, percent=100)

    def _read_dataset(self, backend):
        kind = backend.get("type", "local")
        if kind == "aws":
            return self._read_s3_dataset(backend)
        if kind != "local":
            raise ValueError(f"Dataset {backend.get('id')}: this stand-in reads local and aws datasets, not {kind}")
        folder = Path(backend.get("instance_data_dir") or "")
        if not folder.is_dir():
            raise FileNotFoundError(f"Dataset {backend.get('id')}: the dataset directory {folder} does not exist")
        files = [p for p in folder.rglob("*") if p.suffix.lower().lstrip(".") in IMAGE_EXTENSIONS]
        self._aspect_buckets(backend, len(files))
        logger.info("Dataset %s: %s image(s) in %s", backend.get("id"), len(files), folder)
        return len(files)

    def _read_s3_dataset(self, backend):
        """As S3DataBackend does (bghira/SimpleTuner simpletuner/helpers/data_backend/aws.py): boto3 with
        endpoint_url (region only without one), the whole bucket listed 1000 keys a page, each image
        read with get_object, its cache written back with put_object."""
        import boto3
        from botocore.config import Config

        extra = {"region_name": backend.get("aws_region_name") or "us-east-1"}
        if backend.get("aws_endpoint_url"):
            extra = {"endpoint_url": backend["aws_endpoint_url"]}
        client = boto3.client("s3", aws_access_key_id=backend.get("aws_access_key_id"),
                              aws_secret_access_key=backend.get("aws_secret_access_key"),
                              config=Config(max_pool_connections=128), **extra)
        bucket = backend["aws_bucket_name"]
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, MaxKeys=1000):
            for obj in page.get("Contents", []):
                if obj["Key"].rsplit(".", 1)[-1].lower() in IMAGE_EXTENSIONS:
                    keys.append(obj["Key"])
        from PIL import Image

        for index, key in enumerate(keys):
            data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            Image.open(io.BytesIO(data)).verify()
            self.send_progress_update(type="aspect_bucket", progress=int((index + 1) / len(keys) * 100),
                                      total=len(keys), current=index + 1,
                                      readable_type=f"Processing {backend.get('id')}")
        cache = json.dumps({"aspect_ratio_bucket_indices": {"1.0": keys}}).encode()
        client.put_object(Body=cache, Bucket=bucket, Key=f"aspect_ratio_bucket_indices_{backend.get('id')}.json")
        logger.info("Dataset %s: %s image(s) in s3://%s", backend.get("id"), len(keys), bucket)
        return len(keys)

    def _aspect_buckets(self, backend, count):
        # The metadata backend reports its pass over the files through the progress mixin.
        for done in range(1, count + 1):
            self.send_progress_update(type="aspect_bucket", progress=int(done / count * 100), total=count,
                                      current=done, readable_type=f"Processing {backend.get('id')}")

    def init_load_base_model(self):
        """trainer.py:2625-2657."""
        message = f"Loading model: `{getattr(self.config, 'pretrained_model_name_or_path', None)}`..."
        self._send_webhook_msg(message=message, emit_event=False)
        self._stage("init_load_base_model", "Loading base model", "running", message)
        logger.info("Loading %s %s (stand-in: nothing is loaded)", self.config.model_family, self.config.model_type)
        self._stage("init_load_base_model", "Loading base model", "completed", "Base model has loaded.",
                    current=1, total=1, percent=100)

    def train(self):
        from tqdm.auto import tqdm

        total = _int(self.config.max_train_steps, 0)
        if total <= 0:
            raise ValueError("--max_train_steps must be a positive number of steps for this stand-in")
        self.lr = _num(getattr(self.config, "learning_rate", None), 1e-4)
        initial = ("\n***** Running training *****\n-  Num batches = %d\n-  Num Epochs = 1\n"
                   "-  Total optimization steps = %d" % (self.images, total))
        logger.info(initial)
        # trainer.py:5861-5905: Discord gets the message; raw webhooks a status event.
        self.webhook_handler and self.webhook_handler.send(message=initial, message_level="info")
        self._emit_event(training_status_event(status="running", message=initial, job_id=self.job_id, severity="info",
                                               **self._progress(label="Training initialisation")))
        step_seconds = float(os.environ.get("STANDIN_STEP_SECONDS", "0.05"))
        fail_at = int(os.environ.get("STANDIN_FAIL_AT_STEP", "0"))
        checkpoint_every = _int(getattr(self.config, "checkpoint_step_interval", None)) or _int(
            getattr(self.config, "checkpointing_steps", None))
        rolling_every = _int(getattr(self.config, "checkpointing_rolling_steps", None))
        # trainer.py:6865: the training bar; its postfix carries step_loss and lr (trainer.py:7511-7543).
        bar = tqdm(range(0, total), initial=0, desc="Epoch 1/1 Steps", dynamic_ncols=True)
        for step in range(1, total + 1):
            time.sleep(step_seconds)
            if step == fail_at:
                raise RuntimeError(f"CUDA out of memory at step {step} (simulated by the stand-in)")
            loss = 0.05 + 0.5 * math.exp(-step / max(total / 4, 1)) + random.uniform(0, 0.01)
            self.train_loss = loss
            self.state["global_step"] = step
            StateTracker.set_global_step(step)
            bar.update(1)
            # trainer.py:7401-7412: one status event per optimisation step, without a label.
            self._emit_event(training_status_event(status="running", job_id=self.job_id,
                                                   extra={"final_epoch": 1, **self.state}, **self._progress()))
            if checkpoint_every and step % checkpoint_every == 0:
                self._checkpoint(step, f"checkpoint-{step}")
            elif rolling_every and step % rolling_every == 0:
                self._checkpoint(step, f"checkpoint-rolling-{step}")
            bar.set_postfix(step_loss=loss, lr=self.lr)
            self._maybe_validate(step)
        bar.close()

    def _step_message(self, step):
        total = self.config.max_train_steps
        return f"Step {step} of {total}: loss {round(self.train_loss, 4)}, lr {self.lr}, epoch 1/1"

    def _checkpoint(self, step, name):
        """trainer.py:5660-5712 and the save at 6692: message, status, files, then the checkpoint event."""
        self._send_webhook_msg(message=f"Checkpoint: `{self._step_message(step)}`", message_level="info")
        self._emit_event(training_status_event(status="running", job_id=self.job_id,
                                               extra={"final_epoch": 1, **self.state}, **self._progress()))
        path = self.output_dir / name
        path.mkdir(parents=True, exist_ok=True)
        self._write_weights(path)
        (path / "optimizer.bin").write_bytes(os.urandom(4096))
        (path / "training_state.json").write_text(json.dumps(self.state))
        self._emit_event(checkpoint_event(path=str(path), label=f"Checkpoint saved to {path}", job_id=self.job_id))

    def _write_weights(self, folder):
        size = int(os.environ.get("STANDIN_WEIGHTS_BYTES", str(1024 * 1024)))
        name = "pytorch_lora_weights.safetensors" if "lora" in str(self.config.model_type) else \
            "diffusion_pytorch_model.safetensors"
        target = folder if "lora" in str(self.config.model_type) else folder / "transformer"
        target.mkdir(parents=True, exist_ok=True)
        with open(target / name, "wb") as f:
            f.write(b"\0STAND-IN WEIGHTS, NOT A MODEL\0")
            f.write(os.urandom(max(0, size - 31)))

    def _validation_prompts(self):
        prompt = getattr(self.config, "validation_prompt", None)
        return [("validation", prompt)] if prompt else []

    def _maybe_validate(self, step):
        """validation.py:2764-2837 (step interval) and 2599-2760 (a run that executes)."""
        interval = _int(getattr(self.config, "validation_step_interval", None)) or _int(
            getattr(self.config, "validation_steps", None))
        prompts = self._validation_prompts()
        if not prompts or not interval or step % interval != 0:
            return
        handler = self.webhook_handler
        if handler:
            handler.send(message="Validations are generating.. this might take a minute! 🖼️", message_level="info")
            handler.send_lifecycle_stage(stage_key="validation", stage_label="Running Validation",
                                         stage_status="running", message="Validation is starting.")
        from simpletuner.helpers.training.validation_images import log_images_to_webhook

        images = {shortname: [self._image(step)] for shortname, _ in prompts}
        folder = self.output_dir / "validation_images"
        folder.mkdir(parents=True, exist_ok=True)
        for shortname, prompt in prompts:
            images[shortname][0].save(folder / f"step_{step}_{shortname}.png")
            log_images_to_webhook(images, shortname, prompt, {})
        self._publish_validation_artifacts("intermediary", step)
        if handler:
            handler.send_lifecycle_stage(stage_key="validation", stage_label="Running Validation",
                                         stage_status="completed", message="Validation completed.")

    def _image(self, step):
        from PIL import Image

        side = int(os.environ.get("STANDIN_IMAGE_SIZE", "128"))
        # Noise does not compress: a 1024 px image makes an event of several MB, as real ones are.
        return Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))

    def _publish_validation_artifacts(self, validation_type, step):
        """validation.py:5260-5300: the whole output folder, under its own name."""
        if self.publishing_manager is None or not self.publishing_manager.configured:
            return
        if not self.output_dir.exists():
            logger.warning("Publishing target %s does not exist; skipping publishing.", self.output_dir)
            return
        try:
            self.publishing_manager.publish(self.output_dir, artifact_name=self.output_dir.name,
                                            metadata={"validation_type": validation_type, "job_id": self.job_id,
                                                      "global_step": step})
        except Exception as exc:
            logger.error("Failed to publish artifacts via publishing_config: %s", exc)

    def save_final(self):
        """trainer.py:7675-7828."""
        self._stage("model_save", "Saving Final Model", "running",
                    f"Finalizing model and saving to {self.config.output_dir}")
        if self._validation_prompts():
            # The final validation is scheduled with skip_execution=True (trainer.py:7692): no images.
            self._stage("final_validation", "Running Final Validations", "running",
                        "Generating final validation images...")
            self._stage("final_validation", "Running Final Validations", "completed",
                        "Final validation images completed")
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._write_weights(self.output_dir)
        if os.environ.get("SIMPLETUNER_PUBLISH_FINAL_ARTIFACTS", "").lower() in {"1", "true", "yes", "on"}:
            self._publish_final_artifacts()
        self._stage("model_save", "Saving Final Model", "completed", f"Model saved to {self.config.output_dir}")
        self._emit_event(lifecycle_stage_event(
            key="training_complete", label="Training Complete", status="completed", message="Training run complete.",
            job_id=self.job_id, percent=100,
            metrics={"loss": round(self.train_loss, 4), "learning_rate": self.lr, "epoch": 1},
            extra={"state": self.state, "final_epoch": 1}))

    def _publish_final_artifacts(self):
        """trainer.py:683-714."""
        if self.publishing_manager is None or not self.publishing_manager.configured:
            return []
        results = self.publishing_manager.publish(self.output_dir, artifact_name=self.output_dir.name,
                                                  metadata={"job_id": self.job_id,
                                                            "global_step": self.state["global_step"],
                                                            "epoch": 1, "artifact_stage": "final"})
        required = any(bool(p.config.get("required", False)) for p in self.publishing_manager.providers)
        if required and not results:
            raise RuntimeError("Required final artifact publishing did not succeed")
        return results


def run_trainer_job(config):
    """trainer.py:7856-8663 without the accelerate launch: what the Cog model calls in-process."""
    payload = dict(config)
    job_id = payload.pop("__job_id__", None) or payload.pop("job_id", None)
    try:
        trainer = StandInTrainer(config=payload, job_id=job_id)
    except Exception as e:
        # trainer.py:8609-8639
        handler = StateTracker.get_webhook_handler()
        if handler is not None:
            import traceback

            handler.send(message=f"Training job failed to start: {e}", message_level="error")
            handler.send_raw(structured_data={"status": "training_failed", "error": str(e),
                                              "traceback": traceback.format_exc()},
                             message_type="training.status", message_level="error", job_id=StateTracker.get_job_id())
        raise
    trainer.run()
    return {"status": "completed"}
