"""Progress on stderr for the headless commands.

On a terminal a status line is redrawn in place; anywhere else (a pipe, a file, a CI log)
only its final states are written, one line each, so that a log holds no carriage-return
redraws: one line per training epoch, one per downloaded file.
"""

from __future__ import annotations

import sys
from typing import TextIO

from convlens.engine.training import Progress


class StatusLine:
    """One line of status on `stream` (default: sys.stderr at the time of the call)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.redraw = self.stream.isatty()
        self.pending = 0  # length of the unfinished line on the terminal, 0 if none

    def show(self, text: str, final: bool = False) -> None:
        """Redraw the line with `text`; `final` ends it (and is all a non-terminal sees)."""
        if self.redraw:
            # Spaces over what is left of a longer previous text.
            self.stream.write("\r" + text.ljust(self.pending) + ("\n" if final else ""))
            self.pending = 0 if final else len(text)
        elif final:
            self.stream.write(text + "\n")
        else:
            return
        self.stream.flush()

    def close(self) -> None:
        """End an unfinished line, so that what is printed next starts on a line of its own."""
        if self.pending:
            self.stream.write("\n")
            self.stream.flush()
            self.pending = 0


class ProgressBar:
    """Training progress (engine.training's `progress` callback): a bar and the figures."""

    def __init__(self, stream: TextIO | None = None, width: int = 30):
        self.line, self.width = StatusLine(stream), width

    def __call__(self, p: Progress) -> None:
        filled = int(self.width * p.fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        reg = f" + reg {p.reg_loss:.4f}" if p.reg_loss else ""
        self.line.show(
            f"epoch {p.epoch}/{p.epochs} [{bar}] loss {p.data_loss:.4f}{reg} "
            f"acc {p.accuracy:.3f} {p.samples_per_s:,.0f} img/s  {p.eta:4.0f}s left",
            final=p.step == p.steps,
        )


class DownloadProgress:
    """Download progress (engine.mnist.download_mnist's `progress` callback), per file."""

    def __init__(self, stream: TextIO | None = None):
        self.line = StatusLine(stream)

    def __call__(self, done: int, total: int, filename: str) -> None:
        if total:
            text = f"{filename}: {done / 1e6:.1f} of {total / 1e6:.1f} MB ({done / total:.0%})"
        else:  # the server did not say how long the file is
            text = f"{filename}: {done / 1e6:.1f} MB"
        self.line.show(text, final=bool(total) and done >= total)

    def close(self) -> None:
        """End an unfinished line (after an error)."""
        self.line.close()
