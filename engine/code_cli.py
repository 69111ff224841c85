"""``python main.py export-code``: print a network as PyTorch or Keras code.

``add_export_parser(commands)`` adds the command to the CLI's subparsers and ``run_export(args)``
runs it; engine/cli.py registers both.
"""

from __future__ import annotations

import argparse

from convlens.engine.code_export import keras_code, pytorch_code
from convlens.engine.model_file import load_model
from convlens.engine.presets import PRESETS
from convlens.engine.shipped import DEFAULT_MODEL

EXPORTERS = {"pytorch": pytorch_code, "keras": keras_code}


def add_export_parser(commands: argparse._SubParsersAction) -> None:
    """The ``export-code`` command: ``[--model FILE | --arch FILE|PRESET] --to pytorch|keras``."""
    export = commands.add_parser("export-code", help="print the network as PyTorch or Keras code")
    source = export.add_mutually_exclusive_group()
    source.add_argument("--model", help="model file (default: the shipped model)")
    source.add_argument("--arch", help="architecture JSON file, or a preset: " + ", ".join(PRESETS))
    export.add_argument("--to", choices=EXPORTERS, default="pytorch", help="default: pytorch")


def run_export(args: argparse.Namespace) -> int:
    """Print the code of ``--arch``, else of ``--model``'s architecture (default: shipped)."""
    if args.arch is not None:
        # Read as `train --arch` reads it; imported here because cli imports this module.
        from convlens.engine.cli import _architecture

        architecture = _architecture(args.arch)
    else:
        architecture = load_model(args.model or DEFAULT_MODEL)[0].architecture
    print(EXPORTERS[args.to](architecture), end="")
    return 0
