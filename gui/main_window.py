"""The main window: the drawing and its verdict on the left, every layer on the right.

It owns the current model and the current 28x28 image and wires the passive views to them:
a drawing, a file, a pasted image or a test digit goes through ``show_image``, a model
through ``set_model``. Files are in ``window_files``, training in ``window_training``,
explain mode in ``window_explain``, the architecture and the weights view in ``window_model``.
"""

from __future__ import annotations

import weakref

import numpy as np
import torch
from convlens.engine.images import BlankImageError, center_digit
from convlens.engine.mnist import DatasetError
from convlens.engine.model_file import ModelInfo
from convlens.engine.network import Network, Trace, trace_image
from convlens.gui.feature_maps import FeatureMapView, conv_weights
from convlens.gui.input_panel import InputPanel
from convlens.gui.menus import build_menus
from convlens.gui.mnist_source import MnistSource
from convlens.gui.status import StatusBar
from convlens.gui.throttle import Throttle
from convlens.gui.trainer import Trainer
from convlens.gui.training_panel import TrainingPanel
from convlens.gui.window_explain import ExplainMixin
from convlens.gui.window_files import FileMixin
from convlens.gui.window_model import ModelMixin
from convlens.gui.window_training import TrainingMixin
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QGraphicsView,
    QMainWindow,
    QMessageBox,
    QSplitter,
)

LIVE_INTERVAL_MS = 30  # at most ~33 network passes a second while drawing


class MainWindow(FileMixin, TrainingMixin, ExplainMixin, ModelMixin, QMainWindow):
    """``MainWindow(model, info, settings)``; see the module docstring."""

    def __init__(self, model: Network, info: ModelInfo, settings: QSettings):
        super().__init__()
        # One image through the network takes about a millisecond on one core; more threads
        # only spin against the training thread for the same cores.
        torch.set_num_threads(1)
        self.settings = settings
        self.model, self.info = model, info
        self.image: np.ndarray | None = None  # the network's (28, 28) input; None: blank
        self.trace: Trace | None = None  # the current image through the shown weights
        self.last_error: tuple[str, str] | None = None
        self._note = ""  # where the image came from, under the verdict
        self._previous: tuple[Network, ModelInfo] | None = None  # until keep or go back
        self._live_model: Network | None = None  # the learning weights, while training
        self.unsaved_models: weakref.WeakSet[Network] = weakref.WeakSet()  # trained here
        self._error_box: QMessageBox | None = None

        self.inputs = InputPanel()
        self.canvas = self.inputs.canvas
        self.prediction = self.inputs.prediction
        self.maps = FeatureMapView()
        self.splitter = QSplitter()
        self.splitter.addWidget(self.inputs)
        self.splitter.addWidget(self.maps)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([330, 1170])
        self.setCentralWidget(self.splitter)
        self.training_panel = TrainingPanel()
        self.training_dock = QDockWidget("Training", self)
        self.training_dock.setObjectName("training_dock")
        self.training_dock.setWidget(self.training_panel)
        self._build_explain()
        self._build_weights()
        self._place_docks()
        self.status = StatusBar()
        self.setStatusBar(self.status)

        self.source = MnistSource(settings, self)
        self.trainer = Trainer(self.source, settings, self)
        self.commands = build_menus(self)
        self._throttle = Throttle(LIVE_INTERVAL_MS, self._on_ink_settled, self)
        self._connect()
        self._connect_model()
        self.setAcceptDrops(True)
        self._restore_settings()
        self.set_model(model, info)

    def _connect(self) -> None:
        self.canvas.changed.connect(self._on_canvas_changed)
        self.canvas.stroke_ended.connect(self._throttle.flush)  # the final verdict at once
        self.inputs.next_button.clicked.connect(self._on_next_digit)
        self.inputs.random_button.clicked.connect(self._on_random_digit)
        self.inputs.undo_button.setDefaultAction(self.commands.undo)
        self.inputs.clear_button.setDefaultAction(self.commands.clear)
        self.maps.hovered.connect(self.status.show_hover)
        self.source.error.connect(self.show_error)
        self.source.message.connect(self.status.showMessage)
        self.trainer.started.connect(self._on_training_started)
        self.trainer.progress.connect(self._on_training_progress)
        self.trainer.snapshot.connect(self._on_training_snapshot)
        self.trainer.finished.connect(self._on_training_finished)
        self.trainer.failed.connect(self._on_training_failed)
        self.trainer.running_changed.connect(self._on_training_running)
        self.training_panel.keep_clicked.connect(self._on_keep_model)
        self.training_panel.revert_clicked.connect(self._on_revert_model)

    def _place_docks(self) -> None:
        """Explain, Training and Weights as tabs below the maps (a saved layout overrides)."""
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        for dock in (self.explain_dock, self.training_dock, self.weights_dock):
            self.addDockWidget(bottom, dock)
        self.tabifyDockWidget(self.explain_dock, self.training_dock)
        self.tabifyDockWidget(self.training_dock, self.weights_dock)
        self.training_dock.hide()  # shown when a run starts
        self.weights_dock.hide()
        self.explain_dock.raise_()

    def _size_docks(self) -> None:
        self.resizeDocks([self.explain_dock], [340], Qt.Orientation.Vertical)

    def show_error(self, title: str, text: str) -> None:
        """Every failure goes through here: a non-blocking message box and the status bar."""
        self.last_error = (title, text)
        self.status.showMessage(f"{title}: {text}", 10000)
        if self._error_box is not None:
            self._error_box.close()
        self._error_box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        self._error_box.open()

    def set_model(self, model: Network, info: ModelInfo) -> None:
        """Show ``model``: panels rebuilt only for a new architecture; kernels; verdict."""
        self.forget_explain_marks()  # before the maps they outline may go
        self.model, self.info = model.to("cpu").eval(), info
        self.maps.set_layers(model.infos)
        self.maps.set_weights(conv_weights(model))
        self.show_weights(model)
        for view in self.maps.findChildren(QGraphicsView):
            view.setAcceptDrops(False)  # let files dropped on a plot reach the window
        self.status.set_model(info)
        self.setWindowTitle(f"ConvLens — {info.name}")
        self._update_outputs()
        self.flush_explain()  # the outlines go on the new panels at once

    def show_image(self, image: np.ndarray | None, note: str = "") -> None:
        """Make ``image`` (28x28 ink in [0, 1]; None: blank) the network's input."""
        self.image, self._note = image, note
        self.inputs.input_view.set_image(image if image is not None else np.zeros((28, 28)))
        self._update_outputs()

    def _update_outputs(self) -> None:
        if self.image is None:
            self.trace = None
            self.prediction.set_probabilities(None, self._note)
        else:
            self.trace = trace_image(self._live_model or self.model, self.image)
            self.prediction.set_probabilities(self.trace.probabilities, self._note)
        self.maps.set_trace(self.trace)
        self.sync_explain()

    def flush(self) -> None:
        """Bring the verdict (and the explanation) up to date with the canvas now (it otherwise
        follows within ~30 ms, the explanation within ~150 ms)."""
        self._throttle.flush()
        self.flush_explain()

    # --- inputs ----------------------------------------------------------------------------
    def _on_canvas_changed(self, _ink: np.ndarray) -> None:
        self._throttle.request()

    def _on_ink_settled(self) -> None:
        try:
            self.show_image(center_digit(self.canvas.ink()))
        except BlankImageError:
            self.show_image(None)

    def _on_next_digit(self) -> None:
        self._show_test_digit(1)

    def _on_random_digit(self) -> None:
        self._show_test_digit(None)

    def _show_test_digit(self, step: int | None) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            image, label, index = self.source.test_digit(step)
        except DatasetError as error:
            self.show_error("MNIST is not available", str(error))
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.canvas.set_ink(image, notify=False)
        self.inputs.sample_label.setText(f"#{index}: labelled {label}")
        self.show_image(image, f"test digit #{index}, labelled {label}")

    # --- settings and closing --------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 950)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:  # room for a conv explanation; only once laid out does the size hold
            QTimer.singleShot(0, self._size_docks)
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        brush = self.settings.value("canvas/brush", self.canvas.brush_size, type=int)
        self.inputs.brush_slider.setValue(brush)

    def closeEvent(self, event) -> None:
        if self.trainer.is_running():
            if not self.confirm_stop_training():
                event.ignore()
                return
            self.trainer.shutdown()
        self.source.shutdown()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("canvas/brush", self.canvas.brush_size)
        self.settings.sync()
        event.accept()
