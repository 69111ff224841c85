"""The main window: it lays out the views, builds the menus, keeps the layout in the settings,
and wires the views to the Session (what they show) and to the controllers (what the user
does). It holds no state of its own: that is the Session's (``gui.session``).
"""

from __future__ import annotations

import numpy as np
from convlens.engine import spec
from convlens.engine.model_file import ModelInfo
from convlens.engine.network import Network
from convlens.engine.weights import conv_kernels, layer_weights
from convlens.gui import layout
from convlens.gui.controllers.data import DataController
from convlens.gui.controllers.experiments import ExperimentController
from convlens.gui.controllers.explain import ExplainController
from convlens.gui.controllers.files import FileController
from convlens.gui.controllers.inputs import InputController
from convlens.gui.controllers.mistakes import install_mistakes
from convlens.gui.controllers.model import ModelController
from convlens.gui.controllers.my_digits import MyDigitsController
from convlens.gui.controllers.preprocess import PreprocessController
from convlens.gui.controllers.training import TrainingController
from convlens.gui.controllers.viewers import ViewerController
from convlens.gui.controllers.watch import WatchController
from convlens.gui.controllers.why import WhyController
from convlens.gui.menus import build_menus
from convlens.gui.services.mnist_source import MnistSource
from convlens.gui.services.trainer import Trainer
from convlens.gui.session import Session
from convlens.gui.views.explain_marks import ExplainMarks
from convlens.gui.views.explain_view import ExplainView
from convlens.gui.views.feature_maps import FeatureMapView, detail_of
from convlens.gui.views.input_panel import InputPanel
from convlens.gui.views.overview import NetworkOverview
from convlens.gui.views.status import StatusBar
from convlens.gui.views.training_panel import TrainingPanel
from convlens.gui.views.weights_view import WeightsView
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (
    QGraphicsView,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolTip,
)

START_SAMPLE = 3  # the digit on the canvas when the app starts


class MainWindow(QMainWindow):
    """``MainWindow(model, info, settings, sample)``: the drawing (at first the ``sample``
    digit) and its verdict on the left, the network in the middle (an overview of every layer,
    the chosen layer's detail below it), explanations on the right, training below."""

    def __init__(
        self,
        model: Network,
        info: ModelInfo,
        settings: QSettings,
        sample: int | None = START_SAMPLE,
    ):
        super().__init__()
        self.settings = settings
        self.session = Session(model, info, self)  # deleted with the window, its connections too

        # Views
        self.inputs = InputPanel()
        self.canvas, self.prediction = self.inputs.canvas, self.inputs.prediction
        self.overview = NetworkOverview()
        self.maps = FeatureMapView()  # the detail of the layer chosen in the overview
        self.network_split = QSplitter(Qt.Orientation.Vertical)
        self.network_split.addWidget(self.overview)
        self.network_split.addWidget(self.maps)
        self.network_split.setChildrenCollapsible(False)
        self.network_split.setStretchFactor(0, 1)  # a resize shares out between the two
        self.network_split.setStretchFactor(1, 1)
        self.setCentralWidget(self.network_split)
        self.input_dock = layout.make_dock(self, "Input", "input_dock", self.inputs)
        self.explain_view = ExplainView()
        self.training_panel = TrainingPanel()
        self.weights_view = WeightsView()
        self.explain_dock = layout.make_dock(self, "Explain", "explain_dock", self.explain_view)
        self.training_dock = layout.make_dock(
            self, "Training", "training_dock", self.training_panel
        )
        self.weights_dock = layout.make_dock(
            self, "Weights and gradients", "weights_dock", self.weights_view
        )
        layout.place_docks(self)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.marks = ExplainMarks(self.maps, self.inputs.input_view.item)

        # Services and controllers
        self.source = MnistSource(settings, self)
        self.trainer = Trainer(self.source.load, self)
        self.data = DataController(self.session, self.source, self)
        self.files = FileController(self.session, settings, self)
        self.models = ModelController(self.session, self.files.guard, self)
        self.training = TrainingController(self.session, self.trainer, self.data, settings, self)
        panel = self.training_panel
        self.watch = WatchController(self.session, self.trainer, panel, settings, self)
        self.input = InputController(self.session, self.data, self)
        self.explain = ExplainController(self.session, self.explain_view, self.marks, self)
        self.viewers = ViewerController(self.session, self.models, self)
        self.mistakes = install_mistakes(self)  # the Mistakes dock, the browser's mistakes
        self.experiments = ExperimentController(
            self.session, self.source, self.trainer, self.data, settings, self
        )
        self.preprocess = PreprocessController(self.session, self, self.inputs.steps_button)
        self.actions = build_menus(self)
        self.my_digits = MyDigitsController(self.session, self, settings)  # its dock and menu
        self._error_box: QMessageBox | None = None
        self.last_error: tuple[str, str] | None = None  # title, text of the last failure
        self._closing = False  # the user agreed to close: no more questions
        self._shown_run = None  # the run the training panel shows
        self._weights_stale = True  # the histograms wait until their dock is shown
        self._detail_layer = 0  # the layer whose detail is shown
        self._connect()
        self.why = WhyController(self)  # Why, Embedding, nudges, filter galleries (#15)
        self.setAcceptDrops(True)
        layout.restore_layout(self, self.settings)
        layout.keep_detail_fitted(self)
        self._show_model()
        if sample is not None:  # no map is empty, from the first start
            self.input.show_sample(sample)
        else:
            self._show_image()
            self._show_trace()

    def _connect(self) -> None:
        s = self.session
        s.model_changed.connect(self._show_model)
        s.weights_changed.connect(self._show_weights)
        s.image_changed.connect(self._show_image)
        s.trace_changed.connect(self._on_trace_changed)
        s.run_changed.connect(self._show_run)
        s.progress.connect(self._show_progress)
        s.error.connect(self.show_error)
        s.message.connect(lambda text: self.status.showMessage(text, 8000))
        self.canvas.changed.connect(self.input.ink_changed)
        self.canvas.stroke_ended.connect(self.input.stroke_ended)
        self.inputs.next_button.clicked.connect(self.input.next_digit)
        self.inputs.random_button.clicked.connect(self.input.random_digit)
        self.inputs.undo_button.setDefaultAction(self.actions.undo)
        self.inputs.redo_button.setDefaultAction(self.actions.redo)
        self.inputs.clear_button.setDefaultAction(self.actions.clear)
        self.maps.hovered.connect(self._show_hover)
        self.maps.map_clicked.connect(self._on_value_clicked)
        self.overview.hovered.connect(self._show_hover)
        self.overview.clicked.connect(self._on_value_clicked)
        self.overview.layer_clicked.connect(self.show_detail)
        self.prediction.clicked.connect(self._on_softmax_clicked)
        self.explain_dock.toggleViewAction().toggled.connect(self.explain.dock_toggled)
        self.training_panel.keep_clicked.connect(s.keep)
        self.training_panel.revert_clicked.connect(s.go_back)
        self.weights_dock.visibilityChanged.connect(self._on_weights_visibility)
        self.experiments.run_finished.connect(self.training_panel.add_finished_run)
        self.training.dialog_opened.connect(lambda: layout.preview_training(self))
        self.trainer.paused_changed.connect(self.status.set_paused)

    # --- the Session, shown ----------------------------------------------------------------
    def _show_model(self) -> None:
        s = self.session
        same_layers = spec.same_architecture(s.model.infos, self.overview.infos)
        self.marks.clear()  # before the maps they outline may go
        self.maps.set_layers(s.model.infos)
        self.overview.set_layers(s.model.infos)
        self.show_detail(self._detail_layer if same_layers else 0)  # a run's end: still there
        for view in self.maps.findChildren(QGraphicsView):
            view.setAcceptDrops(False)  # let files dropped on a plot reach the window
        self.maps.set_weights(conv_kernels(s.model))
        self._show_histograms(s.model)
        if not s.run_model_is_current():
            self.weights_view.clear_gradients()  # they were another model's
        self.setWindowTitle(f"ConvLens — {s.info.name}")
        self._show_run()

    def _show_weights(self) -> None:
        shown = self.session.shown_model
        self.maps.set_weights(conv_kernels(shown))
        # After the maps, in a turn of the event loop of its own (responsive training).
        QTimer.singleShot(0, lambda: self._show_histograms(shown))

    def _show_histograms(self, model: Network) -> None:
        """The weight histograms of ``model`` if in sight (they cost GUI time, ~10 ms), else
        once their dock is shown."""
        self._weights_stale = not self.weights_view.in_sight()
        if not self._weights_stale:
            self.weights_view.update_weights(layer_weights(model))

    def _on_weights_visibility(self, visible: bool) -> None:
        if visible and self._weights_stale:
            self.weights_view.update_weights(layer_weights(self.session.shown_model))
            self._weights_stale = False
        if visible:
            self.weights_view.draw_gradients()

    def _show_image(self) -> None:
        s = self.session
        image = s.image if s.image is not None else np.zeros((28, 28), np.float32)
        self.inputs.input_view.set_image(image)
        if s.source.kind != "drawing":  # a file, a test digit: drawn on the canvas to edit
            self.canvas.set_ink(s.ink if s.ink is not None else image, notify=False)

    def _on_trace_changed(self) -> None:
        if self.session.training:  # the kernels were redrawn in this turn: maps in the next
            QTimer.singleShot(0, self._show_trace)
        else:
            self._show_trace()

    def _show_trace(self) -> None:
        s = self.session
        trace = s.trace
        note = s.source.describe()
        if trace is None and s.source.kind == "file":
            note = f"{s.source.name}: no digit found"
        self.prediction.set_probabilities(None if trace is None else trace.probabilities, note)
        self.maps.set_trace(trace)
        levels = [panel.output.levels() for panel in self.maps.panels]
        self.overview.set_trace(s.image, trace, levels)  # one colour scale per layer

    def show_detail(self, layer: int) -> None:
        """The panels of ``layer`` (kernels, maps before and after the activation) below the
        overview, its column marked there."""
        infos = self.session.model.infos
        layer = min(max(layer, 0), len(infos) - 1)
        self._detail_layer = layer
        self.overview.select(layer)
        self.maps.show_layers(detail_of(infos, layer))
        layout.fit_detail(self)

    def _show_run(self) -> None:
        s, run = self.session, self.session.run
        training = s.training
        if run is not None and run is not self._shown_run:
            self._shown_run = run
            self.training_panel.start_run(run.title, run.label)
            self.weights_view.clear_gradients()
            layout.show_training(self)
        if run is not None:
            note = run.note or run.title
            evaluation = s.evaluation if s.run_model_is_current() else None
            self.training_panel.show_outcome(note, evaluation, s.decision_pending)
        self.status.set_model(s.info, on_trial=s.decision_pending)
        self.status.set_training(training)
        for action in (self.actions.train, self.actions.open_model, self.actions.architecture):
            action.setEnabled(not training)
        self.actions.presets.setEnabled(not training)
        self.actions.stop.setEnabled(training)

    def _show_progress(self, progress) -> None:
        self.training_panel.add_progress(progress)
        self.status.set_progress(progress)
        self.weights_view.add_gradients(progress)

    def _show_hover(self, text: str) -> None:
        """The value under the cursor: beside it, and in the status bar."""
        self.status.show_hover(text)
        QToolTip.showText(QCursor.pos(), text)

    def _on_value_clicked(self, layer: int, channel: int, row: int, col: int) -> None:
        if layer == len(self.session.model.infos):  # the overview's softmax column
            self._on_softmax_clicked()
            return
        self.explain.map_clicked(layer, channel, row, col)
        self._raise_explain()

    def _on_softmax_clicked(self) -> None:
        self.explain.explain_softmax()
        self._raise_explain()

    def _raise_explain(self) -> None:
        if self.session.explanation is not None:
            self.explain_dock.show()
            self.explain_dock.raise_()

    def flush(self) -> None:
        """Bring the Session up to date with the canvas, and the views with the Session, now
        (the verdict otherwise follows within ~30 ms, the explanation within ~150 ms)."""
        self.input.flush()
        self.explain.flush()

    def show_error(self, title: str, text: str) -> None:
        """Every failure goes through here: a non-blocking message box and the status bar."""
        self.last_error = (title, text)
        self.status.showMessage(f"{title}: {text}", 10000)
        if self._error_box is not None:
            self._error_box.close()
        self._error_box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        self._error_box.open()

    # --- drag and drop ---------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.files.open_dropped(files[0])

    # --- settings and closing --------------------------------------------------------------
    def closeEvent(self, event) -> None:
        """Ask first when a run would be stopped or a trained model lost (then close again)."""
        if not self._closing and (self.trainer.is_running() or self.session.has_unsaved_work()):
            event.ignore()

            def close_now() -> None:
                self._closing = True
                QTimer.singleShot(0, self.close)

            def ask_unsaved() -> None:
                self.files.guard.ask("quitting", close_now)

            if self.trainer.is_running():
                self.training.confirm_stop(ask_unsaved)
            else:
                ask_unsaved()
            return
        self.shutdown()
        layout.save_layout(self, self.settings)
        event.accept()

    def shutdown(self) -> None:
        """Stop every worker (a couple of seconds at most) and ask nothing more: closing
        now loses what is unsaved."""
        self._closing = True
        self.trainer.shutdown()
        self.experiments.shutdown()
        self.source.shutdown()
        self.mistakes.evaluator.shutdown()
        self.why.shutdown()
        self.my_digits.shutdown()
