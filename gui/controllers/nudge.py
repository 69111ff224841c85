"""'Make it a …': an adversarial nudge of the current input, one PGD step per timer tick.

Each step (one forward and one backward pass, a few ms) becomes the Session's image, so the
canvas, every map and the verdict follow it while the window stays responsive. The input from
before the nudge is kept, to be restored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from convlens.engine.adversarial import NudgeStep, nudge
from convlens.gui.dialogs.nudge_dialog import NudgeDialog
from convlens.gui.session import ImageSource, Session
from convlens.gui.views.canvas import DrawingCanvas
from PySide6.QtCore import QObject, QTimer

STEP_MS = 120  # between two steps: slow enough to watch the maps change


@dataclass
class Original:
    """The input before the nudge: the Session's image, source and ink, and the canvas."""

    image: np.ndarray
    source: ImageSource
    ink: np.ndarray | None
    canvas: np.ndarray  # the canvas's sheet: a drawing is restored onto it as it was


def describe_step(step: NudgeStep, start: float, epsilon: float, steps: int) -> str:
    """One step in words: the verdict, the target's probability, the change's size."""
    change = step.perturbation
    l2 = float(np.sqrt((change.astype(np.float64) ** 2).sum()))
    share = float((np.abs(change) > 1e-6).mean())
    return (
        f"Step {step.step} of {steps}: the network says {step.digit} "
        f"({step.probabilities[step.digit]:.1%}); p({step.target}) = "
        f"{step.target_probability:.1%}, from {start:.1%}.\n"
        f"The change: L∞ {step.size:.3f} (at most ε = {epsilon:.2f} of ink per pixel, on a "
        f"scale of 0 to 1), L2 {l2:.3f}, on {share:.0%} of the pixels."
    )


class NudgeController(QObject):
    """Runs the nudges the dialog asks for on the Session's image."""

    def __init__(self, session: Session, dialog: NudgeDialog, canvas: DrawingCanvas, parent):
        super().__init__(parent)
        self._session = session
        self._dialog = dialog
        self._canvas = canvas
        self.original: Original | None = None
        self.steps: list[NudgeStep] = []  # of the nudge running or done last
        self._run = None  # (generator, epsilon, steps, start probability)
        self._timer = QTimer(self)
        self._timer.setInterval(STEP_MS)
        self._timer.timeout.connect(self._step)
        dialog.nudge_clicked.connect(self.start)
        dialog.stop_clicked.connect(self.stop)
        dialog.restore_clicked.connect(self.restore)
        session.image_changed.connect(self._on_image_changed)
        session.model_changed.connect(self.stop)

    def running(self) -> bool:
        return self._timer.isActive()

    def start(self, target: int, epsilon: float, steps: int) -> None:
        s = self._session
        if s.image is None:
            self._dialog.show_text("Draw a digit first: there is nothing to nudge.")
            return
        self.stop()
        if s.source.kind != "nudged":  # a new nudge of a nudged image keeps the first original
            self.original = Original(s.image, s.source, s.ink, self._canvas.ink())
        model = s.shown_model
        start = float(s.trace.probabilities[target])
        generator = nudge(
            model, s.image, target, epsilon, steps, temperature=float(model.temperature)
        )
        self._run = (generator, epsilon, steps, start)
        self.steps = []
        self._dialog.show_text(f"p({target}) = {start:.1%} as drawn: nudging…")
        self._dialog.set_running(True, can_restore=True)
        self._timer.start()

    def finish(self) -> None:
        """Run the remaining steps now (tests, and to skip the animation)."""
        while self.running():
            self._step()

    def stop(self) -> None:
        self._timer.stop()
        self._run = None
        self._dialog.set_running(False, can_restore=self.original is not None)

    def restore(self) -> None:
        """Back to the input from before the nudge, on the canvas too."""
        self.stop()
        original, self.original = self.original, None
        if original is None:
            return
        self._session.set_image(original.image, original.source, original.ink)
        if original.source.kind == "drawing":  # the Session leaves a drawing's canvas alone
            self._canvas.set_ink(original.canvas, notify=False)
        self._dialog.show_change(None, None, 1.0)
        self._dialog.show_text("The original is back.")
        self._dialog.set_running(False, can_restore=False)

    def _step(self) -> None:
        generator, epsilon, steps, start = self._run
        step = next(generator, None)
        if step is None:
            self.stop()
            return
        self.steps.append(step)
        source = ImageSource("nudged", label=step.target)
        self._session.set_image(step.image, source, step.image)
        self._dialog.show_change(step.image, step.perturbation, epsilon)
        self._dialog.show_text(describe_step(step, start, epsilon, steps))
        if step.step == steps:
            self.stop()

    def _on_image_changed(self) -> None:
        """The user drew, or chose another input: that is the new original."""
        if self._session.source.kind != "nudged":
            if self.running() or self.original is not None:
                self.original = None
                self.stop()
