"""Why this digit: the attribution of the current input, following the drawing live.

Saliency and Grad-CAM cost one forward and one backward pass (a few ms): they run on the GUI
thread, throttled as the explanation is. Occlusion runs a batch of covered copies: it goes to
a worker on a frozen copy of the weights, and only the latest request's map is shown.
"""

from __future__ import annotations

import copy

import numpy as np
from convlens.engine import attribution
from convlens.engine.ink import BlankImageError
from convlens.engine.preprocess import preprocess
from convlens.engine.probe import conv_layers
from convlens.gui.services.latest import Latest
from convlens.gui.session import Session
from convlens.gui.throttle import Throttle
from convlens.gui.views.attribution_view import AttributionView, WhyChoice
from convlens.gui.views.canvas import DrawingCanvas
from convlens.gui.views.overlay_image import OVERLAY_COLORMAP, OverlayItem
from PySide6.QtCore import QObject

ATTRIBUTION_INTERVAL_MS = 100  # while drawing: at most ten maps a second


def map_of(result, method: str) -> np.ndarray:
    """The (28, 28) map that ``method`` shows of an engine result."""
    if method == "gradient_x_input":
        return result.gradient_x_input
    return result.gradient if isinstance(result, attribution.Saliency) else result.map


def describe_point(point: attribution.OcclusionPoint, digit: int) -> str:
    """A pixel of the occlusion map, in words: the probability with and without it covered
    (to 6 decimals: a sure verdict moves in the 4th or 5th)."""
    covered = [p for _, _, p in point.patches]
    many = "es" if len(covered) != 1 else ""
    lines = [
        f"Pixel (row {point.row}, column {point.col}): p({digit}) = {point.probability:.6f} "
        f"as drawn; with it covered {float(np.mean(covered)):.6f} on average over "
        f"{len(covered)} patch{many}:"
    ]
    lines += [f"  covered from ({top}, {left}): {p:.6f}" for top, left, p in point.patches]
    lines.append(f"The map's value here (the mean drop): {point.drop:+.4g}")
    return "\n".join(lines)


class AttributionController(QObject):
    """Computes the map the view asks for on every trace, and shows it over the inputs: the
    dock's, the network input's (``overlay``) and the drawing on the ``canvas``."""

    def __init__(
        self,
        session: Session,
        view: AttributionView,
        overlay: OverlayItem,
        canvas: DrawingCanvas,
        parent,
    ):
        super().__init__(parent)
        self._session = session
        self._view = view
        self._overlay = overlay
        self._canvas = canvas
        self.active = False  # the dock is shown: only then is anything computed
        self.result = None  # the engine's result shown (Saliency, GradCam or Occlusion)
        self.point: attribution.OcclusionPoint | None = None  # the pixel explained last
        self.occlusions = Latest(self)
        self.occlusions.failed.connect(lambda text: session.error.emit("Occlusion failed", text))
        self._throttle = Throttle(ATTRIBUTION_INTERVAL_MS, self._refresh, self)
        session.trace_changed.connect(self._throttle.request)
        session.model_changed.connect(self._on_model_changed)
        view.choice_changed.connect(self.flush)
        view.pixel_clicked.connect(self.explain_pixel)
        self._on_model_changed()

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            self.flush()
        else:
            self.occlusions.cancel()
            self._overlay.show_map(None, (0, 1))
            self._canvas.set_overlay(None)

    def flush(self) -> None:
        """Compute and show the map now (it otherwise follows the drawing within ~100 ms)."""
        self._throttle.request()
        self._throttle.flush()

    def shutdown(self) -> None:
        self.occlusions.shutdown()

    def _on_model_changed(self) -> None:
        model = self._session.model
        self._view.set_conv_layers([(i, model.infos[i].layer.kind) for i in conv_layers(model)])
        self._throttle.request()

    def _refresh(self) -> None:
        if not self.active:
            return
        s = self._session
        self._view.set_predicted(None if s.trace is None else s.trace.digit)
        if s.image is None:
            self.result = self.point = None
            self.occlusions.cancel()
            self._show(None, None)
            return
        choice, image, model = self._view.choice(), s.image.copy(), s.shown_model
        try:
            if choice.method == "occlusion":
                self._occlude(choice, image, model)
                return
            if choice.method == "gradcam":
                result = attribution.gradcam(model, image, choice.layer, choice.target)
            else:
                result = attribution.saliency(model, image, choice.target)
        except ValueError as error:  # a network without a conv layer, for Grad-CAM
            self._show(None, image)
            self._view.show_busy(str(error))
            return
        self._show(result, image, choice)

    def _occlude(self, choice: WhyChoice, image: np.ndarray, model) -> None:
        frozen = copy.deepcopy(model)  # training may change the live weights meanwhile
        temperature = float(model.temperature)

        def call(_progress, _should_stop):
            return attribution.occlusion(
                frozen, image, choice.size, choice.stride, choice.target, temperature
            )

        self._view.show_busy("Covering patches…")
        self.occlusions.submit(call, lambda result: self._show(result, image, choice))

    def _show(self, result, image, choice: WhyChoice | None = None) -> None:
        self.result, self.point = result, None
        if result is None:
            self._view.show_map(image, None, "", None)
            self._overlay.show_map(None, (0, 1))
            self._canvas.set_overlay(None)
            return
        values = map_of(result, choice.method)
        layer = getattr(result, "layer", None)
        self._view.show_map(image, values, choice.method, result.target, layer)
        self._overlay.show_map(values, self._view.map.levels())
        self._show_on_canvas(values, self._view.map.levels())

    def _show_on_canvas(self, values: np.ndarray, levels: tuple[float, float]) -> None:
        """The map laid back over the drawing: each input pixel over the ink it came from
        (the preprocessing's box, scale and shift undone). Only for ink drawn on the canvas
        at its own size: a file is shown there scaled, and a test digit was never drawn."""
        s, canvas = self._session, self._canvas
        if s.ink is None or s.ink.shape != (canvas.height(), canvas.width()):
            canvas.set_overlay(None)
            return
        try:
            steps = preprocess(s.ink)
        except BlankImageError:
            canvas.set_overlay(None)
            return
        low, high = levels
        share = (
            np.clip((values - low) / (high - low), 0, 1)
            if high > low
            else np.full_like(values, 0.5)
        )
        canvas.set_overlay(OVERLAY_COLORMAP.map(share, mode="byte"), steps.frame_in_ink)

    def explain_pixel(self, row: int, col: int) -> None:
        """A click on the map: for occlusion, the probability with and without the pixel."""
        if not isinstance(self.result, attribution.Occlusion):
            self._view.show_point("Choose Occlusion to see what covering a pixel does.")
            return
        self.point = self.result.at(row, col)
        self._view.show_point(describe_point(self.point, self.result.target))
