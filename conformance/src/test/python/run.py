"""Entry point of the conformance harness: runs SimpleTuner's own code from SIMPLETUNER_SOURCE.

    run.py cli <args...>      the `simpletuner` command line, unchanged (e.g. `run.py cli train`)
    run.py train              what `accelerate launch train.py` runs: the trainer stand-in
    run.py cog <request.json> the Replicate model (predict.py) on one prediction's input
    run.py cog-schema         the model's inputs, read from predict.py's signature
"""

import logging
import os
import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import upstream  # noqa: E402


def console_logging():
    # As in train.py, the webhook logger class comes first, so every logger mirrors its records.
    import simpletuner.helpers.logging  # noqa: F401

    # The real trainer's log_format puts a console handler on its loggers; ours is plain text.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(name)s: %(message)s"))
    for name in ("SimpleTuner", "simpletuner"):
        logging.getLogger(name).addHandler(handler)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    upstream.load()
    if command == "cli":
        sys.argv = ["simpletuner", *rest]
        runpy.run_module("simpletuner.cli", run_name="__main__", alter_sys=True)
        return 0
    if command == "train":
        console_logging()
        from harness import train_main

        return train_main.main()
    if command == "cog":
        console_logging()
        from harness import cog_model

        return cog_model.predict(Path(rest[0]))
    if command == "cog-schema":
        from harness import cog_model

        return cog_model.print_schema()
    print(f"unknown command {command}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
