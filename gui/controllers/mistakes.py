"""The mistakes of the model: the Mistakes panel (its confusion matrix and a gallery of one cell's
test digits, or of every misclassified one), the test-set browser's 'read as' and its
previous / next mistake.

Everything shown is the current model's evaluation on the test set: the Session's, or made
once by the evaluator (in a worker) and kept per model, so going back to a model shows its own.
"""

from __future__ import annotations

import numpy as np
from convlens.engine.evaluation import Evaluation
from convlens.engine.mnist import DatasetError
from convlens.gui.controllers.data import DataController
from convlens.gui.controllers.inputs import InputController
from convlens.gui.layout import make_dock
from convlens.gui.services.evaluator import Evaluator
from convlens.gui.session import Session
from convlens.gui.views.gallery import Digits
from convlens.gui.views.mistakes_view import MistakesView
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QWidget


def neighbour(indices: np.ndarray, here: int, step: int) -> int:
    """The first of the sorted ``indices`` after ``here`` (``step`` > 0) or the last before it
    (``step`` < 0), wrapping around."""
    if step > 0:
        return int(indices[np.searchsorted(indices, here, side="right") % len(indices)])
    return int(indices[np.searchsorted(indices, here, side="left") - 1])


def gallery_title(cell: tuple[int, int] | None, count: int) -> str:
    """What a gallery lists: one cell's digits (true, predicted), or every mistake (None)."""
    digits = f"{count:,} test digit{'' if count == 1 else 's'}"
    if cell is None:
        what = f"Every mistake: {digits}"
    else:
        true, predicted = cell
        verdict = "read correctly" if true == predicted else f"read as {predicted}"
        what = f"Labelled {true}, {verdict}: {digits}"
    return what + (", most confident first. Click one to make it the input." if count else ".")


class MistakesController(QObject):
    """Fills the Mistakes panel from the current model's evaluation (asking the evaluator when
    it is not known) and makes a clicked digit the input."""

    def __init__(
        self,
        session: Session,
        data: DataController,
        inputs: InputController,
        evaluator: Evaluator,
        view: MistakesView,
        dock: QDockWidget,
        parent: QWidget,
    ):
        super().__init__(parent)
        self._session, self._data, self._inputs = session, data, inputs
        self.evaluator, self.view, self.dock = evaluator, view, dock
        self.cell: tuple[int, int] | None = None  # the cell listed; None: every mistake
        self._pending_step = 0  # a step to a mistake, waiting for the evaluation
        session.model_changed.connect(self._on_model_changed)
        session.evaluation_changed.connect(self._on_evaluation_changed)
        session.image_changed.connect(self._mark_input)
        evaluator.evaluated.connect(session.set_evaluation)
        evaluator.failed.connect(self._on_failed)
        view.cell_clicked.connect(self.show_cell)
        view.mistakes_clicked.connect(self.show_mistakes)
        view.image_clicked.connect(inputs.show_test_digit)
        view.get_data_clicked.connect(
            lambda: data.ensure(self.refresh, need="The gallery of test digits needs")
        )
        dock.visibilityChanged.connect(lambda visible: self.refresh() if visible else None)

    # --- what the user asks for --------------------------------------------------------------
    def show_cell(self, true: int, predicted: int) -> None:
        """The test digits labelled ``true`` and read as ``predicted``, in the panel."""
        self.cell = (true, predicted)
        self._open()

    def show_mistakes(self) -> None:
        """Every misclassified test digit, in the panel."""
        self.cell = None
        self._open()

    def next_mistake(self) -> None:
        self.step_mistake(1)

    def previous_mistake(self) -> None:
        self.step_mistake(-1)

    def step_mistake(self, step: int) -> None:
        """The next (``step`` 1) or previous (-1) misclassified test digit, in index order from
        the one shown, as the input; once evaluated, if the model is not yet."""
        s = self._session
        if not self._data.source.available():
            self._data.ensure(lambda: self.step_mistake(step), need="Finding the mistakes needs")
            return
        if s.evaluation is None:
            self._pending_step = step
            self._evaluate()
            return
        mistakes = np.sort(s.evaluation.mistakes())
        if not len(mistakes):
            s.message.emit(f"{s.info.name} reads every test digit correctly")
            return
        here = s.source.index if s.source.kind == "test" else self._data.source.index
        self._inputs.show_test_digit(neighbour(mistakes, here, step))

    # --- the panel ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """The panel shows the current model's evaluation (when the panel is in sight)."""
        if not self.dock.isVisible():
            return
        s, gallery = self._session, self.view.gallery
        evaluation = s.evaluation
        if evaluation is None:
            self.view.show_model(f"{s.info.name}: not evaluated on the test set yet.")
            if not self._data.source.available():
                folder = self._data.source.folder()
                text = f"The gallery shows MNIST test digits, and MNIST is not in {folder}."
                gallery.show_message(text, offer_data=True)
            elif not self._evaluate():
                gallery.show_message(f"Evaluating {s.info.name} on the test set…")
            return
        self.view.show_model(summary(s.info.name, evaluation), evaluation.confusion)
        try:
            test = self._data.source.load()
        except DatasetError as error:
            gallery.show_message(str(error), offer_data=True)
            return
        if not np.array_equal(test.test_labels, evaluation.labels):
            gallery.show_message("This evaluation was made on other test digits than these.")
            return
        chosen = evaluation.mistakes() if self.cell is None else evaluation.cell(*self.cell)
        gallery.set_digits(
            gallery_title(self.cell, len(chosen)),
            Digits(
                test.test_images[chosen],
                chosen,
                evaluation.labels[chosen],
                evaluation.predicted[chosen],
                evaluation.confidence[chosen],
            ),
        )
        self.view.confusion.select_cell(self.cell)
        self._mark_input()

    def _open(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.refresh()

    def _evaluate(self) -> bool:
        """Ask for the model's evaluation; True when it was known (and is now the Session's)."""
        s = self._session
        known = self.evaluator.evaluation_of(s.model)
        if known is not None:
            s.set_evaluation(s.model, known)
            return True
        s.message.emit(f"Evaluating {s.info.name} on the test set…")
        self.evaluator.request(s.model)
        return False

    def _mark_input(self) -> None:
        source = self._session.source
        self.view.gallery.select_index(source.index if source.kind == "test" else None)

    # --- the Session and the evaluator -------------------------------------------------------
    def _on_model_changed(self) -> None:
        s = self._session
        self._pending_step = 0  # it was for another model
        if s.evaluation is not None:
            self.evaluator.remember(s.model, s.evaluation)
        elif (known := self.evaluator.evaluation_of(s.model)) is not None:
            s.set_evaluation(s.model, known)
            return  # refreshed on evaluation_changed
        self.refresh()

    def _on_evaluation_changed(self) -> None:
        self.refresh()
        step, self._pending_step = self._pending_step, 0
        if step:
            self.step_mistake(step)

    def _on_failed(self, model, text: str) -> None:
        if model is self._session.model:
            self._pending_step = 0
            self.view.gallery.show_message(f"Cannot evaluate the model: {text}", offer_data=True)
            self._session.error.emit("Cannot evaluate the model", text)


def summary(name: str, evaluation: Evaluation) -> str:
    """The model and how it does on the test set, in a sentence."""
    total = int(evaluation.confusion.sum())
    wrong = total - int(np.trace(evaluation.confusion))
    return (
        f"{name}: {evaluation.accuracy:.2%} of {total:,} test digits read correctly, "
        f"{wrong:,} mistakes. Click a cell to see its digits."
    )


def install_mistakes(window) -> MistakesController:
    """The Mistakes dock (a tab beside Explain), its controller and evaluator, wired to the
    window's training panel (its matrix opens a cell) and test-set browser."""
    evaluator = Evaluator(window.source.load, window)
    view = MistakesView()
    dock = make_dock(window, "Mistakes", "mistakes_dock", view)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(window.explain_dock, dock)  # tall: a 768-pixel screen has room
    dock.hide()
    controller = MistakesController(
        window.session, window.data, window.input, evaluator, view, dock, window
    )
    window.training_panel.confusion.cell_clicked.connect(controller.show_cell)
    for confusion in (window.training_panel.confusion, view.confusion):
        confusion.hovered.connect(window._show_hover)
    inputs = window.inputs
    inputs.next_mistake_button.clicked.connect(controller.next_mistake)
    inputs.previous_mistake_button.clicked.connect(controller.previous_mistake)
    window.session.trace_changed.connect(lambda: _show_verdict(window.session, inputs))
    return controller


def _show_verdict(session: Session, inputs) -> None:
    """The browser's 'labelled 7', and ' — read as 2' when the network reads it wrong."""
    source, trace = session.source, session.trace
    if source.kind != "test":
        inputs.show_test_digit(None)
        return
    read_as = None if trace is None else int(np.argmax(trace.probabilities))
    inputs.show_test_digit(source.index, source.label, read_as)
