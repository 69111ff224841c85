"""ConvLens: ``convlens`` (or ``python main.py``) opens the app; ``convlens COMMAND`` runs one
of the headless commands (``convlens --help`` lists them).

The ``gui`` command lives here, not in engine/, which never imports Qt; and Qt is imported
only once the command line has been parsed, so a mistyped command is a usage error (exit
status 2) that opens no window.
"""

import sys

from convlens.engine import cli


def add_gui(commands) -> None:
    """The ``gui`` command, also what ``convlens`` with no command runs."""
    gui = commands.add_parser("gui", help="open the app (what convlens with no command does)")
    gui.add_argument("file", nargs="?", help="an image of a digit to open")
    gui.set_defaults(run=_gui)


def _gui(args) -> int:
    from convlens.gui.preflight import display_problem

    problem = display_problem()
    if problem:  # before Qt starts: Qt itself would abort the process with a core dump
        print(problem, file=sys.stderr)
        return 1
    from convlens.gui.app import run

    return run([], image=args.file)


def main(argv: list[str] | None = None) -> int:
    """The ``convlens`` command."""
    parser = cli.parser(extra=(add_gui,))
    parser.set_defaults(run=_gui, file=None)  # no command: the app
    return cli.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
