"""Runs SimpleTuner's Replicate model as Replicate runs it: ``predict.py``'s ``Predictor`` and
``simpletuner/cog.py`` (its runner and its in-container webhook receiver) unchanged, in this
process, with our trainer stand-in where ``run_trainer_job`` would start the real trainer.

What Replicate itself does around a prediction, and so this file does too: inputs come from the
prediction's ``input`` (file inputs are downloaded first and handed over as paths; secrets wrapped),
stdout and stderr become the prediction's ``logs`` (the Java fake reads this process's output),
the return value becomes ``output``, and an exception fails the prediction with its text as
``error``. What the model does not declare, Replicate refuses before running it (see
``print_schema``, which the fake checks every input against).
"""

import inspect
import json
import sys
import tempfile
import types
import typing
import urllib.request
from pathlib import Path


class Secret:
    """cog.Secret: a string that is not shown."""

    def __init__(self, value):
        self._value = value

    def get_secret_value(self):
        return self._value

    def __repr__(self):
        return "Secret(**********)"


class CogPath(type(Path())):
    """cog.Path: a pathlib path to a downloaded input file."""


def _input(default=None, description=None, **_):
    # cog.Input declares a parameter; called without the argument, predict() gets the default.
    return default


def install():
    """The `cog` package, and the trainer module whose run_trainer_job cog.py calls: our stand-in."""
    from harness import trainer

    sys.modules["cog"] = types.ModuleType("cog")
    sys.modules["cog"].__dict__.update(BasePredictor=object, Input=_input, Path=CogPath, Secret=Secret)
    training = types.ModuleType("simpletuner.helpers.training.trainer")
    training.run_trainer_job = trainer.run_trainer_job
    sys.modules["simpletuner.helpers.training.trainer"] = training


def _predictor_class():
    from harness import upstream

    install()
    root = upstream.source()
    if not (root / "predict.py").is_file():
        raise SystemExit(f"{root} has no predict.py: point SIMPLETUNER_SOURCE at a SimpleTuner checkout")
    sys.path.insert(0, str(root))
    import predict

    return predict.Predictor


def _kind(annotation):
    args = typing.get_args(annotation)
    base = next((a for a in args if a is not type(None)), annotation) if args else annotation
    return {str: "string", int: "integer", bool: "boolean", float: "number", Secret: "secret",
            CogPath: "file"}.get(base, "string")


def schema():
    signature = inspect.signature(_predictor_class().predict)
    return {name: {"type": _kind(p.annotation), "default": p.default}
            for name, p in signature.parameters.items() if name != "self"}


def print_schema():
    print(json.dumps({name: spec["type"] for name, spec in schema().items()}))
    return 0


def _coerce(name, value, kind, workdir):
    if value is None:
        return None
    if kind == "secret":
        return Secret(str(value))
    if kind == "file":
        target = Path(tempfile.mkdtemp(dir=workdir)) / Path(str(value).split("?")[0]).name
        with urllib.request.urlopen(str(value), timeout=120) as response, open(target, "wb") as out:
            out.write(response.read())
        return CogPath(target)
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def predict(request_path: Path):
    """One prediction: {"input": {...}} in; {"status", "output"|"error"} written next to it."""
    request = json.loads(Path(request_path).read_text())
    result_path = Path(str(request_path) + ".result")
    try:
        spec = schema()
        predictor = _predictor_class()()
        predictor.setup()
        kwargs = {name: _coerce(name, value, spec[name]["type"], Path.cwd())
                  for name, value in request.get("input", {}).items()}
        output = predictor.predict(**kwargs)
        result = {"status": "succeeded", "output": output}
        code = 0
    except BaseException as e:  # noqa: B902 - Cog fails the prediction on anything the predictor raises
        import traceback

        traceback.print_exc()
        result = {"status": "failed", "error": str(e) or type(e).__name__}
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    result_path.write_text(json.dumps(result))
    return code
