"""ConvLens: `python main.py` opens the app; `main.py train|eval|predict|sweep ...` run headless."""

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("train", "eval", "predict", "sweep", "-h", "--help"):
        from convlens.engine.cli import main as cli_main

        return cli_main(argv)
    from convlens.gui.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
