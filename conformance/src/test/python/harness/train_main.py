"""The stand-in of ``simpletuner/train.py``'s ``__main__`` (train.py:259-345): what ``accelerate
launch train.py`` runs under ``simpletuner train``. The trainer part is ours (harness/trainer.py);
what it reports when it fails or is interrupted is what train.py sends."""

import sys
import traceback

from simpletuner.helpers.training.state_tracker import StateTracker

from harness.trainer import StandInTrainer


def main():
    try:
        trainer = StandInTrainer(config=None)
        # train.py:90-137: the webhook is configured first, then everything else.
        trainer.configure_webhook()
        trainer.train_all()
    except KeyboardInterrupt:
        handler = StateTracker.get_webhook_handler()
        if handler is not None:
            handler.send(message="Training has been interrupted by user action (lost terminal, or ctrl+C).")
            handler.send_raw(structured_data={"status": "interrupted"}, message_type="training.status",
                             message_level="info", job_id=StateTracker.get_job_id())
        return 130
    except Exception as e:
        handler = StateTracker.get_webhook_handler()
        if handler is not None:
            handler.send(message=f"Training has failed. Please check the logs for more information: {e}")
            handler.send_raw(structured_data={"title": f"Training failed: {type(e).__name__}", "message": str(e),
                                              "traceback": traceback.format_exc()},
                             message_type="error", message_level="error", job_id=StateTracker.get_job_id())
            handler.send_raw(structured_data={"status": "failed"}, message_type="training.status",
                             message_level="error", job_id=StateTracker.get_job_id())
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
