"""Answers the module ``simpletuner.train`` with the trainer stand-in (see site/sitecustomize.py)."""

import importlib.abc
import importlib.util
import sys
from pathlib import Path

ENTRY = Path(__file__).resolve().parent / "train_entry.py"


class _StandInTrain(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "simpletuner.train":
            return None
        return importlib.util.spec_from_file_location(name, ENTRY)


def install():
    from harness import upstream

    upstream.load()
    sys.meta_path.insert(0, _StandInTrain())
