"""Training on my digits: the train dialog's rows (MNIST, my digits or both; the short
fine-tune), what they make of the run's settings, and after such a run the comparison of the
models from before and after it."""

from __future__ import annotations

from dataclasses import replace

import torch
from convlens.engine.compare import Comparison
from convlens.engine.finetune import FINETUNE, ExtraImages, extra_repeat, finetune_config
from convlens.engine.mnist import COUNTS
from convlens.engine.network import Network, trace_image
from convlens.engine.training import TrainConfig
from convlens.gui.dialogs.compare_dialog import CompareDialog
from convlens.gui.dialogs.train_data_choice import TrainDataChoice
from convlens.gui.services.my_digits_jobs import Background, CompareWorker
from convlens.gui.session import Session
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow


class MyDigitsTraining(QObject):
    """``training.options``: ``rows()`` for the dialog, ``apply(config, from_current)`` once
    it is accepted. ``digits`` is the MyDigitsController; ``load_data`` gives MNIST."""

    def __init__(self, session: Session, digits, window: QMainWindow, load_data):
        super().__init__(window)
        self._session, self._digits, self._window = session, digits, window
        self.choice: TrainDataChoice | None = None
        self._planned = False  # the next run trains on my digits
        self._run = None  # that run
        self.models: tuple[Network, Network] | None = None  # before and after it
        self.dialog: CompareDialog | None = None
        self._images = None  # my digits as they were compared, (N, 28, 28) uint8
        self.comparer = Background(self)
        self.comparer.finished.connect(self._on_compared)
        self.comparer.failed.connect(lambda text: session.error.emit("Comparison failed", text))
        self._load_data = load_data
        window.training.options = self
        session.run_changed.connect(self._on_run_changed)
        session.trace_changed.connect(self._show_input)

    def rows(self) -> list:
        count = len(self._digits.digits.labels)
        repeat = extra_repeat(count, COUNTS[0])
        self.choice = TrainDataChoice(count, repeat, FINETUNE.max_steps, FINETUNE.lr)
        return self.choice.rows

    def apply(self, config: TrainConfig, from_current: bool):
        """(config, from_current, ExtraImages or None) for the run the dialog asked for."""
        choice, tune = self.choice.choice(), self.choice.fine_tune()
        self._planned = False  # until this run is known to train on my digits
        digits = self._digits.digits
        mine = choice != "mnist" and len(digits.labels) > 0
        with_base = not mine or choice == "both"
        base = (config.train_limit or COUNTS[0]) if with_base else 0
        count = len(digits.labels) if mine else 0
        if tune:
            tuned = finetune_config(count, base, self._session.info.facts.get("recipe"))
            config, from_current = replace(tuned, device=config.device, seed=config.seed), True
        if not mine:
            return config, from_current, None
        config = replace(config, extra_repeat=extra_repeat(count, base))
        if not with_base:
            config.validation = 0  # nothing to hold out of MNIST
        self._planned = True
        images, labels = torch.from_numpy(digits.images.copy()), torch.from_numpy(digits.labels)
        return config, from_current, ExtraImages(images, labels.clone(), with_base)

    def _on_run_changed(self) -> None:
        s, run = self._session, self._session.run
        if run is None:
            return
        if self._planned and run.running:
            self._planned, self._run = False, run
        elif run is self._run and run.model is s.model and s.previous is not None:
            self._run = None
            self.models = (s.previous[0], s.model)
            digits = self._digits.digits
            mine = torch.from_numpy(digits.images.copy()), torch.from_numpy(digits.labels)
            self._images = digits.images.copy()
            self.comparer.start(CompareWorker(*self.models, mine, self._load_data))
        elif not run.running and run is self._run:
            self._run = None  # cancelled or failed: nothing to compare

    def _on_compared(self, comparison: Comparison) -> None:
        if self.dialog is None:
            self.dialog = CompareDialog(self._window)
            self.dialog.chosen.connect(self._show_changed_digit)
        self.dialog.set_comparison(comparison, self._images)
        self.dialog.show()
        self.dialog.raise_()
        self._show_input()

    def _show_input(self) -> None:
        """The current input through both models, while the comparison is shown."""
        if self.dialog is None or not self.dialog.isVisible() or self.models is None:
            return
        image = self._session.image
        traces = [None if image is None else trace_image(m, image) for m in self.models]
        self.dialog.set_input(*traces, self.models[1].infos)

    def _show_changed_digit(self, index: int) -> None:
        self._digits.show_image(self._images[index], f"a changed digit of mine, #{index}")

    def shutdown(self) -> None:
        self.comparer.shutdown()
