"""Loads SimpleTuner's own modules from SIMPLETUNER_SOURCE, unmodified.

SIMPLETUNER_SOURCE is a SimpleTuner checkout (the folder that holds ``simpletuner/`` and
``predict.py``) or a site-packages folder with ``simpletuner`` installed. The pinned copy CI uses is
``../shared/third_party/simpletuner``.

A few of the modules we run import heavy packages (torch, accelerate, wandb) or parts of
SimpleTuner that the pinned copy does not carry, for things that have nothing to do with what goes
over the wire: model registries that only fill choice lists, console colouring, experiment
trackers, the process-wide state holder. Those imports are answered by the small stand-ins in
``harness/stubs.py``; every line that builds a request or reads a response stays upstream's.
When SIMPLETUNER_SOURCE is a full install, the stand-ins step aside for any module that is really
there, except the ones listed in ``stubs.ALWAYS`` (torch-bound).
"""

import os
import sys
from pathlib import Path


def source() -> Path:
    value = os.environ.get("SIMPLETUNER_SOURCE")
    if not value:
        raise SystemExit("SIMPLETUNER_SOURCE is not set: point it at a SimpleTuner checkout or site-packages")
    root = Path(value).expanduser().resolve()
    if not (root / "simpletuner" / "helpers" / "webhooks" / "handler.py").is_file():
        raise SystemExit(f"SIMPLETUNER_SOURCE={root} holds no simpletuner/helpers/webhooks/handler.py")
    return root


def load() -> Path:
    """Puts SimpleTuner on sys.path and installs the stand-ins; returns the source folder."""
    root = source()
    # The CLI's own switch: without it, importing the package pulls in torch.
    os.environ.setdefault("SIMPLETUNER_SKIP_TORCH", "1")
    os.environ.setdefault("SIMPLETUNER_DISABLE_COLORS", "1")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from harness import stubs

    stubs.install(root)
    return root
