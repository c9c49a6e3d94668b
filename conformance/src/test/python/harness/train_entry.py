"""``python -m simpletuner.train`` under the harness: the trainer stand-in, as ``run.py train`` runs it."""

import sys

if __name__ == "__main__":
    import run

    sys.exit(run.main(["train"]))
