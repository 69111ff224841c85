"""The app's state in one place: the model, the input, its trace, the training run, what is
explained.

The Session holds no widgets. Each method changes the state first and only then emits, so a
handler connected to any signal sees the whole new state, in whatever order handlers were
connected. Views never see the Session (the main window wires them to it); controllers turn
what the user does into calls of its methods.
"""

from __future__ import annotations

import copy
import weakref
from dataclasses import dataclass, field

import numpy as np
import torch
from convlens.engine import explain as ex
from convlens.engine.model_file import ModelInfo
from convlens.engine.network import Network, Trace, trace_image
from convlens.engine.spec import same_architecture
from convlens.engine.training import Evaluation, Progress, TrainConfig, TrainResult
from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class ImageSource:
    """Where the input came from: 'drawing', 'sample' (one the app ships), 'file', 'test' (an
    MNIST test digit), 'nudged' (towards the digit ``label``) or 'none'."""

    kind: str = "none"
    name: str = ""  # the file's name
    index: int | None = None  # the test digit's index
    label: int | None = None  # the test digit's true label

    def describe(self) -> str:
        if self.kind == "file":
            return f"from {self.name}"
        if self.kind == "test":
            return f"test digit #{self.index}, labelled {self.label}"
        if self.kind == "nudged":
            return f"nudged towards a {self.label}"
        if self.kind == "sample":
            return f"a sample {self.label}: draw over it, or clear it"
        return ""


@dataclass
class Run:
    """A training run started in the app, from its first report to its verdict."""

    config: TrainConfig
    title: str  # what the run does, in a sentence
    label: str  # what sets it apart, for the legend of earlier runs
    live: Network | None  # the learning weights, while it runs
    reports: list[Progress] = field(default_factory=list)
    state: str = "running"  # running, finished, stopped, failed
    result: TrainResult | None = None
    model: Network | None = None  # what it trained, once finished
    note: str = ""  # the outcome in words

    @property
    def running(self) -> bool:
        return self.state == "running"


class Session(QObject):
    """``Session(model, info)``; see the module docstring."""

    model_changed = Signal()  # another model (maybe another architecture): rebuild, redraw
    weights_changed = Signal()  # the shown weights changed in place (training snapshots)
    image_changed = Signal()  # another input image or source
    trace_changed = Signal()  # the input's trace through the shown weights
    run_changed = Signal()  # a run started, ended, or its keep-or-go-back was settled
    progress = Signal(object)  # one engine.training.Progress of the running run
    explanation_changed = Signal()
    evaluation_changed = Signal()  # the model's evaluation on the test set became known
    error = Signal(str, str)  # title, text: a failure the user must hear of
    message = Signal(str)  # a passing remark for the status bar

    def __init__(self, model: Network, info: ModelInfo, parent: QObject | None = None):
        super().__init__(parent)
        # One image through the network takes about a millisecond on one core; more threads
        # only spin against the training thread for the same cores.
        torch.set_num_threads(1)
        self.model, self.info = model.to("cpu").eval(), info
        self.evaluation: Evaluation | None = None  # of self.model on the test set, if known
        self.image: np.ndarray | None = None  # the network's (28, 28) input; None: blank
        self.ink: np.ndarray | None = None  # the ink it was made from (a drawing's, a file's)
        self.source = ImageSource()
        self.trace: Trace | None = None
        self.run: Run | None = None  # the latest run
        self.previous: tuple[Network, ModelInfo, Evaluation | None] | None = None  # 'go back'
        self._unsaved: weakref.WeakSet[Network] = weakref.WeakSet()  # trained here, not saved
        self.explained: tuple[int, int, int, int] | None = None  # layer, channel, row, col
        self._explained_infos = None  # the layers of the model it was asked on
        self.explanation: ex.Explanation | None = None

    # --- what is shown ---------------------------------------------------------------------
    @property
    def shown_model(self) -> Network:
        """The weights the maps show: the learning ones while a run goes on."""
        live = self.run.live if self.run is not None else None
        return live if live is not None else self.model

    @property
    def training(self) -> bool:
        return self.run is not None and self.run.running

    @property
    def decision_pending(self) -> bool:
        """A finished run waits for keep or go back."""
        return self.previous is not None

    def is_unsaved(self, model: Network) -> bool:
        return model in self._unsaved

    def has_unsaved_work(self) -> bool:
        """The current model was trained here and not saved (a run waiting for keep or go
        back counts too): replacing it, or quitting, would lose it."""
        return self.is_unsaved(self.model) or self.decision_pending

    def set_model(self, model: Network, info: ModelInfo, evaluation: Evaluation | None = None):
        """Show another model; an open keep-or-go-back question is settled (kept)."""
        self.previous = None
        self._replace_model(model, info, evaluation)
        self.run_changed.emit()

    def _replace_model(self, model: Network, info: ModelInfo, evaluation: Evaluation | None):
        self.model, self.info, self.evaluation = model.to("cpu").eval(), info, evaluation
        self._retrace()
        self.model_changed.emit()
        self._emit_trace()

    def set_evaluation(self, model: Network, evaluation: Evaluation) -> None:
        """``model``'s evaluation, made later (in a worker): kept only while it is the model."""
        if model is self.model:
            self.evaluation = evaluation
            self.evaluation_changed.emit()

    def mark_saved(self, model: Network) -> None:
        """``model`` is on disk now; saving the model of a finished run keeps it."""
        self._unsaved.discard(model)
        if model is self.model:
            self.previous = None
        self.run_changed.emit()

    def set_image(
        self, image: np.ndarray | None, source: ImageSource, ink: np.ndarray | None = None
    ) -> None:
        """Make ``image`` ((28, 28) ink in [0, 1]; None: blank) the input; ``ink`` is what it
        was made from (the canvas's drawing, a file's ink, shown on the canvas)."""
        self.image, self.source, self.ink = image, source, ink
        self._retrace()
        self.image_changed.emit()
        self._emit_trace()

    def _retrace(self) -> None:
        """The trace and the explanation, from the shown weights and the current image."""
        model = self.shown_model
        self.trace = None if self.image is None else trace_image(model, self.image)
        self.explanation = None
        if self.explained is not None and self.trace is not None:
            if same_architecture(model.infos, self._explained_infos):
                self.explanation = ex.explain(model, self.trace, *self.explained)
            else:  # that position may not exist in another network
                self.explained = self._explained_infos = None

    def _emit_trace(self) -> None:
        self.trace_changed.emit()
        self.explanation_changed.emit()

    # --- explain mode ----------------------------------------------------------------------
    def explain_at(self, layer: int, channel: int, row: int = 0, col: int = 0) -> None:
        """Explain output (channel, row, col) of ``layer`` (vectors: channel is the unit;
        ``len(layers)``: the softmax), now and for every later trace of this architecture."""
        if self.trace is None:
            self.message.emit("Draw a digit first: there is nothing to explain yet")
            return
        model = self.shown_model
        self.explained, self._explained_infos = (layer, channel, row, col), model.infos
        self.explanation = ex.explain(model, self.trace, *self.explained)
        self.explanation_changed.emit()

    def explain_softmax(self) -> None:
        self.explain_at(len(self.shown_model.layers), 0)

    def clear_explanation(self) -> None:
        self.explained = self._explained_infos = self.explanation = None
        self.explanation_changed.emit()

    # --- training --------------------------------------------------------------------------
    def begin_run(self, start: Network, config: TrainConfig, title: str, label: str) -> None:
        """A run starts from ``start`` (a copy of it learns; the maps follow it). Starting
        settles an open keep-or-go-back question: the current model stays."""
        # from the model shown, the copy's weights and maps are the ones in sight: redrawing
        # every view of them was most of a run's first second
        same = start is self.shown_model
        self.previous = None
        self.run = Run(config, title, label, live=copy.deepcopy(start).to("cpu").eval())
        if not same:
            self._retrace()
        self.run_changed.emit()
        if not same:
            self.weights_changed.emit()
            self._emit_trace()

    def add_progress(self, progress: Progress) -> None:
        if self.training:
            self.run.reports.append(progress)
            self.progress.emit(progress)

    def load_snapshot(self, state: dict) -> None:
        """The learning weights, about once a second while the run goes on."""
        if self.training:
            self.run.live.load_state_dict(state)
            self._retrace()
            self.weights_changed.emit()
            self._emit_trace()

    def end_run(
        self, model: Network, result: TrainResult, evaluation: Evaluation, info: ModelInfo
    ) -> None:
        """The run ended: ``model`` is shown and kept for a decision (keep or go back)."""
        run = self.run
        run.live, run.result = None, result
        run.state = "stopped" if result.stopped else "finished"
        seconds = f"{result.seconds:.0f} s"
        if not result.stopped:
            epochs = run.config.epochs
            run.note = f"Finished {epochs} epoch{'s' if epochs != 1 else ''} in {seconds}."
        elif result.history:
            run.note = f"Stopped during epoch {result.history[-1].epoch} after {seconds}."
        else:  # no step reported yet: its weights are those it started from
            run.note = f"Stopped after {seconds}, before its first report."
        if result.warning:  # a run still at chance: advice, not an error
            run.note += f"\nNote: {result.warning}"
        run.model = model
        self._put_on_trial(model, info, evaluation)

    def offer_run(self, run: Run, info: ModelInfo) -> None:
        """A run made elsewhere (an experiment's, finished, with its ``model``) becomes the
        latest run: its model is shown on trial, keep or go back, as after ``end_run``."""
        self.run = run
        self._put_on_trial(run.model, info, None)

    def _put_on_trial(self, model: Network, info: ModelInfo, evaluation: Evaluation | None):
        self.previous = (self.model, self.info, self.evaluation)
        self._unsaved.add(model)
        self._replace_model(model, info, evaluation)
        self.run_changed.emit()

    def fail_run(self, text: str) -> None:
        """The run failed: the model from before it stays, and the user hears why."""
        if self.run is None:
            return
        self.run.live, self.run.state, self.run.note = None, "failed", f"Training failed: {text}"
        self._retrace()
        self.weights_changed.emit()
        self._emit_trace()
        self.run_changed.emit()
        self.error.emit("Training failed", text)

    def keep(self) -> None:
        """Keep the model the last run made (it stays unsaved until saved)."""
        if self.previous is not None:
            self.previous = None
            self.run_changed.emit()
            self.message.emit("Keeping the new model (File ▸ Save model… to keep it on disk)")

    def go_back(self) -> None:
        """Back to the model from before the last run; the run's model is discarded."""
        if self.previous is not None:
            model, info, evaluation = self.previous
            self.previous = None
            self.run.note = "Went back to the previous model."
            self._replace_model(model, info, evaluation)
            self.run_changed.emit()
            self.message.emit("Back to the previous model")

    def run_model_is_current(self) -> bool:
        """The last run's results (its gradients, its verdict) concern the model shown."""
        run = self.run
        return run is not None and (run.running or run.model is self.model)
