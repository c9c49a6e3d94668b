"""SimpleTuner's command-line parser as ``helpers/configuration/cmd_args.py`` builds it: every field
of the field registry an option, ``required=True`` for those with a REQUIRED rule (cmd_args.py:
468-567), so a missing one ends the run with argparse's "the following arguments are required"
and exit status 2, as ``simpletuner train`` does. The registry and its rules are upstream's."""

import argparse
import logging

_PARSER = None


def argument_parser():
    global _PARSER
    if _PARSER is not None:
        return _PARSER
    from simpletuner.simpletuner_sdk.server.services.field_registry.registry import field_registry
    from simpletuner.simpletuner_sdk.server.services.field_registry.types import FieldType, ValidationRuleType

    parser = argparse.ArgumentParser(description="The following SimpleTuner command-line options are available:",
                                     exit_on_error=False)
    seen = set()
    for field in field_registry._fields.values():
        arg = field.arg_name
        if not arg or not isinstance(arg, str) or not arg.startswith("--") or arg == "--help" or arg in seen:
            continue
        if field.default_value == "==SUPPRESS==":
            continue
        seen.add(arg)
        kwargs = {"required": any(r.rule_type == ValidationRuleType.REQUIRED for r in field.validation_rules)}
        if field.field_type == FieldType.CHECKBOX:
            kwargs.update(nargs="?", const=True, default=field.default_value)
        elif field.default_value is not None:
            kwargs["default"] = field.default_value
        parser.add_argument(*([arg] + [a for a in (field.aliases or []) if a not in (arg,) and a not in seen]),
                            **kwargs)
        seen.update(field.aliases or [])
    _PARSER = parser
    return parser


def parse_cmdline_args(input_args=None, exit_on_error=False):
    # Model-specific options live in model registries the pinned copy does not carry: tolerated.
    args, unknown = argument_parser().parse_known_args(input_args)
    if unknown:
        logging.getLogger("SimpleTuner").warning("Options this SimpleTuner copy does not register (ignored): %s", unknown)
    return args
