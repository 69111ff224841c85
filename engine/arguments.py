"""The argparse conventions every ``convlens`` command shares.

``build_parser(adders)`` makes the ``convlens`` parser: ``--version``, ``--info``, and one
subcommand per adder (``add(commands)``, see engine.cli). Help texts show the defaults.
A command may declare a ``check(parser, args, given)`` with ``set_defaults``: it runs right
after its options are parsed, with the names of those typed on the command line (argparse
alone cannot tell a default from the same value typed), and reports misuse with
``parser.error``: the usage and exit status 2 of any argparse error.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version

from convlens import __version__
from convlens.engine.device import NAME_HELP, device_argument

Adder = Callable[[argparse._SubParsersAction], None]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Defaults in the help, except the uninformative ones (None, False)."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class CommandParser(argparse.ArgumentParser):
    """A command's parser: runs the command's ``check`` (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        tokens = sys.argv[1:] if args is None else list(args)
        namespace, extras = super().parse_known_args(tokens, namespace)
        check = getattr(namespace, "check", None)
        if check is not None:
            check(self, namespace, self.given(tokens))
        return namespace, extras

    def given(self, tokens: Iterable[str]) -> set[str]:
        """The dests of the long options among ``tokens``, abbreviations resolved as argparse
        does (the tokens have been parsed, so an abbreviation here is unambiguous)."""
        options = {o: a.dest for a in self._actions for o in a.option_strings if o[:2] == "--"}
        given = set()
        for token in tokens:
            if token == "--":
                break
            name = token.split("=", 1)[0]
            if name in options:
                given.add(options[name])
            elif name.startswith("--"):
                dests = {dest for option, dest in options.items() if option.startswith(name)}
                given |= dests if len(dests) == 1 else set()
        return given


def option_name(parser: argparse.ArgumentParser, dest: str) -> str:
    """The option as typed (``--batch-size``) for a dest (``batch_size``)."""
    return next(a.option_strings[0] for a in parser._actions if a.dest == dest)


def add_device_option(parser: argparse.ArgumentParser, default: str) -> None:
    """``--device``: where a command computes."""
    parser.add_argument(
        "--device", type=device_argument, default=default, metavar="DEVICE", help=NAME_HELP
    )


def _distribution_version(*names: str) -> str:
    for name in names:
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            continue
    return f"{names[0]}: not installed"


def versions() -> str:
    """What ``--info`` prints: ConvLens, Python, PyTorch and its devices, Qt, the platform.

    Qt's version is read from the installed distribution, so that Qt is neither imported nor
    started (this works without a display, and engine/ never imports Qt)."""
    import convlens
    import torch

    cuda = torch.cuda.is_available()
    mps = torch.backends.mps.is_available()
    gpu = f", {torch.cuda.get_device_name(0)}" if cuda else ""
    return "\n".join(
        [
            f"ConvLens {__version__} ({convlens.__path__[0]})",
            f"Python {platform.python_version()} ({sys.executable})",
            f"torch {torch.__version__}: CUDA {'available' if cuda else 'not available'}"
            f" (built for {torch.version.cuda or 'no CUDA'}{gpu}), "
            f"MPS {'available' if mps else 'not available'}",
            f"Qt: {_distribution_version('PySide6-Essentials', 'PySide6')}",
            f"{_distribution_version('pyqtgraph')}, {_distribution_version('numpy')}",
            f"platform: {platform.platform()}",
        ]
    )


class _InfoAction(argparse.Action):
    def __init__(self, option_strings, dest, help=None):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(versions())
        parser.exit()


def build_parser(adders: Iterable[Adder], description: str) -> argparse.ArgumentParser:
    """The ``convlens`` parser with one subcommand per adder, in that order."""
    parser = argparse.ArgumentParser(
        prog="convlens", description=description, formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"ConvLens {__version__}")
    parser.add_argument(
        "--info",
        action=_InfoAction,
        help="print the versions of ConvLens, Python, PyTorch (and its GPUs), Qt and the "
        "platform, for a bug report",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=CommandParser, title="commands"
    )
    for add in adders:
        add(commands)
    return parser
