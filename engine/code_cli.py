"""``python main.py export-code``: print a network as PyTorch or Keras code.

``add_export(commands)`` adds the command to the CLI's subparsers and ``run_export(args)``
runs it; engine/cli.py registers both.
"""

from __future__ import annotations

import argparse

from convlens.engine.code_export import keras_code, pytorch_code
from convlens.engine.model_file import load_model
from convlens.engine.presets import PRESETS, preset_or_file
from convlens.engine.shipped import DEFAULT_MODEL

EXPORTERS = {"pytorch": pytorch_code, "keras": keras_code}


def add_export(commands: argparse._SubParsersAction) -> None:
    """The ``export-code`` command: ``[--model FILE | --arch FILE|PRESET] --to pytorch|keras``."""
    export = commands.add_parser("export-code", help="print the network as PyTorch or Keras code")
    source = export.add_mutually_exclusive_group()
    source.add_argument("--model", help="model file (default: the shipped model)")
    source.add_argument("--arch", help="architecture JSON file, or a preset: " + ", ".join(PRESETS))
    export.add_argument("--to", choices=EXPORTERS, default="pytorch", help="the language")
    export.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Print the code of ``--arch``, else of ``--model``'s architecture (default: shipped)."""
    if args.arch is not None:
        architecture = preset_or_file(args.arch)  # as `train --arch` reads it
    else:
        architecture = load_model(args.model or DEFAULT_MODEL)[0].architecture
    print(EXPORTERS[args.to](architecture), end="")
    return 0
