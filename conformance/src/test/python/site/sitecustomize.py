"""Puts the conformance harness under ``python -m simpletuner.train``, which is how SimpleTuner's
worker agent starts a job's trainer (worker_agent.py:328-352: ``sys.executable -m simpletuner.train``,
with the agent's environment). The agent runs from the harness with this folder on PYTHONPATH; its
trainer processes inherit that, and here the module name is answered with the trainer stand-in
(harness/train_entry.py), the way ``run.py train`` runs it under ``simpletuner train``. Only when
HARNESS_TRAIN_STANDIN=1; nothing else changes.
"""

import os
import sys
from pathlib import Path

if os.environ.get("HARNESS_TRAIN_STANDIN") == "1":
    _root = Path(__file__).resolve().parent.parent
    if str(_root) not in sys.path:
        sys.path.insert(0, str(_root))
    from harness import standin_finder

    standin_finder.install()
