"""Stand-ins for imports of SimpleTuner modules that have nothing to do with the wire.

Each entry says what the real module is for and why a stand-in is enough. None of them builds a
request or reads a response: the webhook handler, the logger, the events, the publisher, the Cog
receiver and the CLI run as they are.
"""

import importlib.util
import sys
import types
from pathlib import Path

# Always replaced: these import torch (or accelerate) at module level.
ALWAYS = {
    "simpletuner.helpers.log_format",  # console colouring and third-party log levels
    "simpletuner.helpers.training.state_tracker",  # process-wide holder of handler, args, job id, step
    # The argument parser: its torch-bound post-processing (devices, quantisation, attention) is not
    # ours to run; its parser is, as harness/arguments.py builds it from the field registry.
    "simpletuner.helpers.configuration.cmd_args",
}


def _module(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    module.__harness_stub__ = True
    return module


def _package(name, path):
    """A package whose submodules still load from the real folder (only its __init__ is ours)."""
    module = _module(name)
    module.__path__ = [str(path)]
    return module


class StateTracker:
    """The few class-level values the webhook handler, logger, validation and Cog paths read."""

    _webhook_handler = None
    _job_id = None
    _args = None
    _accelerator = None
    _global_step = 0
    _config_path = None
    _model_family = None

    @classmethod
    def set_webhook_handler(cls, handler):
        cls._webhook_handler = handler

    @classmethod
    def get_webhook_handler(cls):
        return cls._webhook_handler

    @classmethod
    def set_job_id(cls, job_id):
        cls._job_id = job_id

    @classmethod
    def get_job_id(cls):
        return cls._job_id

    @classmethod
    def set_args(cls, args):
        cls._args = args

    @classmethod
    def get_args(cls):
        return cls._args

    @classmethod
    def set_accelerator(cls, accelerator):
        cls._accelerator = accelerator

    @classmethod
    def get_accelerator(cls):
        return cls._accelerator

    @classmethod
    def set_global_step(cls, step):
        cls._global_step = step

    @classmethod
    def get_global_step(cls):
        return cls._global_step

    @classmethod
    def set_config_path(cls, path):
        cls._config_path = path

    @classmethod
    def get_config_path(cls):
        return cls._config_path

    @classmethod
    def set_model_family(cls, family):
        cls._model_family = family

    @classmethod
    def get_model_family(cls):
        return cls._model_family


class _Family:
    def __init__(self, name):
        self.NAME = name


# Model families as SimpleTuner's ModelRegistry lists them (only choice lists and labels read them).
_FAMILIES = {
    key: _Family(label)
    for key, label in {
        "sd1x": "Stable Diffusion 1.x",
        "sd2x": "Stable Diffusion 2.x",
        "sdxl": "Stable Diffusion XL",
        "sd3": "Stable Diffusion 3",
        "flux": "Flux.1",
        "flux2": "Flux.2",
        "chroma": "Chroma",
        "auraflow": "AuraFlow",
        "pixart_sigma": "PixArt Sigma",
        "kolors": "Kwai Kolors",
        "hidream": "HiDream",
        "sana": "Sana",
        "lumina2": "Lumina 2",
        "qwen_image": "Qwen Image",
        "wan": "Wan",
        "ltxvideo": "LTX Video",
        "hunyuanvideo": "HunyuanVideo",
        "cosmos2image": "Cosmos 2 Image",
    }.items()
}


class ModelRegistry:
    @staticmethod
    def model_families():
        return dict(_FAMILIES)


def _optimizer_keys():
    return ["adamw_bf16", "adamw", "adamw8bit", "optimi-adamw", "optimi-lion", "prodigy", "adafactor", "soap"]


def _wandb():
    class _Image:
        def __init__(self, *args, **kwargs):
            pass

    class _Table:
        def __init__(self, *args, **kwargs):
            pass

        def add_data(self, *args):
            pass

    return _module("wandb", Image=_Image, Table=_Table)


def _multiaspect(src):
    class MultiaspectImage:
        @staticmethod
        def numpy_list_to_pil(image):
            # The real one turns numpy frames into PIL images; our images are PIL already.
            return image

    return _module("simpletuner.helpers.multiaspect.image", MultiaspectImage=MultiaspectImage)


def _paths():
    def get_simpletuner_data_roots():
        return [Path.home() / ".simpletuner"]

    def resolve_config_path(value, *args, **kwargs):
        return Path(value) if value else None

    return _module("simpletuner.simpletuner_sdk.server.utils.paths",
                   get_simpletuner_data_roots=get_simpletuner_data_roots, resolve_config_path=resolve_config_path)


def _cmd_args():
    from harness import arguments

    return _module("simpletuner.helpers.configuration.cmd_args", parse_cmdline_args=arguments.parse_cmdline_args,
                   get_argument_parser=arguments.argument_parser)


def _exists(src: Path, name: str) -> bool:
    relative = Path(*name.split("."))
    return (src / relative).with_suffix(".py").is_file() or (src / relative / "__init__.py").is_file()


def install(src: Path):
    """Registers the stand-ins in sys.modules, keeping real modules a full install has."""
    helpers = src / "simpletuner" / "helpers"
    stand_ins = {
        "simpletuner.helpers.log_format": lambda: _module(
            "simpletuner.helpers.log_format", configure_third_party_loggers=lambda *a, **k: None),
        "simpletuner.helpers.training.state_tracker": lambda: _module(
            "simpletuner.helpers.training.state_tracker", StateTracker=StateTracker),
        "simpletuner.helpers.configuration.cmd_args": _cmd_args,
        # Choice lists of the field registry (not its REQUIRED rules, which stay upstream's).
        "simpletuner.helpers.models": lambda: _package("simpletuner.helpers.models", helpers / "models"),
        "simpletuner.helpers.models.registry": lambda: _module(
            "simpletuner.helpers.models.registry", ModelRegistry=ModelRegistry),
        "simpletuner.helpers.models.field_registry": lambda: _module(
            "simpletuner.helpers.models.field_registry", register_model_field_registries=lambda registry: None),
        "simpletuner.helpers.training.optimizer_param": lambda: _module(
            "simpletuner.helpers.training.optimizer_param", available_optimizer_keys=_optimizer_keys),
        "simpletuner.helpers.image_manipulation": lambda: _package(
            "simpletuner.helpers.image_manipulation", helpers / "image_manipulation"),
        "simpletuner.helpers.image_manipulation.nsfw_classifier": lambda: _module(
            "simpletuner.helpers.image_manipulation.nsfw_classifier", DEFAULT_NSFW_CHECK_MODELS_CSV=""),
        "simpletuner.helpers.multiaspect": lambda: _package("simpletuner.helpers.multiaspect",
                                                            helpers / "multiaspect"),
        "simpletuner.helpers.multiaspect.image": lambda: _multiaspect(src),
        # Trackers: validation images also go to wandb and a local metrics file.
        "wandb": _wandb,
        "simpletuner.helpers.training.local_metrics": lambda: _module(
            "simpletuner.helpers.training.local_metrics", record_validation_media=lambda *a, **k: None),
        "simpletuner.simpletuner_sdk.server.utils": lambda: _package(
            "simpletuner.simpletuner_sdk.server.utils", src / "simpletuner" / "simpletuner_sdk" / "server" / "utils"),
        "simpletuner.simpletuner_sdk.server.utils.paths": _paths,
    }
    for name, make in stand_ins.items():
        if name in sys.modules:
            continue
        if name not in ALWAYS and (_exists(src, name) or name == "wandb" and importlib.util.find_spec("wandb")):
            continue
        sys.modules[name] = make()
    # helpers.training has no __init__ in the pinned copy; the field registry reads one constant from it.
    if "simpletuner.helpers.training" not in sys.modules and not _exists(src, "simpletuner.helpers.training"):
        training = _package("simpletuner.helpers.training", helpers / "training")
        training.quantised_precision_levels = ["no_change", "int8-quanto", "fp8-quanto", "int4-quanto",
                                               "nf4-bnb", "int8-torchao", "fp8-torchao", "fp8-sdnq"]
        training.image_file_extensions = {"png", "jpg", "jpeg", "webp", "bmp", "tiff", "jxl"}
        training.video_file_extensions = {"mp4", "mov", "webm", "avi", "mkv"}
        training.audio_file_extensions = {"wav", "mp3", "flac", "ogg"}
        sys.modules["simpletuner.helpers.training"] = training
