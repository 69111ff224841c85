"""The embedding dock: the test set through the last hidden layer, projected to 2-D in a
worker (cached per set of weights), the current drawing placed on it live, and a click on a
test digit making it the input, as the test-set browser does."""

from __future__ import annotations

import copy

import numpy as np
from convlens.engine import embedding as em
from convlens.engine.mnist import DatasetError
from convlens.engine.probe import weights_fingerprint
from convlens.gui.controllers.data import DataController
from convlens.gui.services.latest import Latest
from convlens.gui.session import ImageSource, Session
from convlens.gui.views.embedding_view import EmbeddingView
from PySide6.QtCore import QObject

KEPT = 4  # embeddings kept, one per set of weights (going back to a model finds its own)


class EmbeddingController(QObject):
    """Between the Session, the MNIST source and the embedding view."""

    def __init__(self, session: Session, view: EmbeddingView, data: DataController, parent):
        super().__init__(parent)
        self._session = session
        self._view = view
        self._data = data
        self.active = False  # the dock is shown
        self.embeddings: dict[str, em.Embedding] = {}  # by weights fingerprint, oldest first
        self.embedding: em.Embedding | None = None  # the one shown, for the weights shown
        self._fingerprint: str | None = None
        self.job = Latest(self)
        self.job.failed.connect(self._on_failed)
        view.compute_clicked.connect(self.compute)
        view.get_data_clicked.connect(self.compute)
        view.point_hovered.connect(self._on_hovered)
        view.point_clicked.connect(self.choose)
        session.model_changed.connect(self._on_weights_changed)
        session.weights_changed.connect(self._on_weights_changed)
        session.trace_changed.connect(self.place_current)
        self._on_weights_changed()

    def set_active(self, active: bool) -> None:
        """Shown: computed at once if MNIST is there and the weights hold still."""
        self.active = active
        if active:
            self._compute_if_due()
            self.place_current()

    def _compute_if_due(self) -> None:
        if not self.active or self.embedding is not None or self.job.busy():
            return
        if self._session.training:
            return
        if self._data.source.available():
            self._compute_now()
        else:
            self._view.show_text(
                f"The embedding needs the MNIST test digits, which are not in "
                f"{self._data.source.folder()}.",
                missing_data=True,
            )

    def shutdown(self) -> None:
        self.job.shutdown()

    def compute(self) -> None:
        self._data.ensure(self._compute_now, need="The embedding needs")

    def _compute_now(self) -> None:
        model, load = copy.deepcopy(self._session.shown_model), self._data.source.load

        def call(progress, should_stop):
            test = load()
            return em.embed(model, test.test_images, test.test_labels, 1000, progress, should_stop)

        self._view.show_text("Running the test digits through the network…")
        self._view.set_busy(True)
        self.job.submit(call, self._on_done, self._view.show_progress)

    def _on_done(self, embedding: em.Embedding) -> None:
        self.embeddings[embedding.fingerprint] = embedding
        while len(self.embeddings) > KEPT:
            del self.embeddings[next(iter(self.embeddings))]
        self._view.set_busy(False)
        self._show()

    def _on_failed(self, text: str) -> None:
        self._view.set_busy(False)
        self._view.show_text(f"The embedding failed: {text}")

    def _on_weights_changed(self) -> None:
        s = self._session
        # a run's weights move on at every snapshot: no embedding is for them, none hashed
        self._fingerprint = None if s.training else weights_fingerprint(s.shown_model)
        self._show()
        self._compute_if_due()  # another model, or a run's end: its own embedding

    def _show(self) -> None:
        self.embedding = self.embeddings.get(self._fingerprint)
        e = self.embedding
        if e is None:
            note = "training changes them" if self._session.training else "Compute to see it"
            self._view.set_points(None, None, f"No embedding for these weights yet: {note}.")
            return
        share = float(e.explained.sum())
        self._view.set_points(
            e.points,
            e.labels,
            f"{len(e.points):,} test digits: the features of layer {e.layer} along their two "
            f"principal components ({share:.0%} of their variance).",
        )
        self.place_current()

    def place_current(self) -> None:
        """The current drawing's point (one forward pass), if the embedding is for its weights."""
        image, e = self._session.image, self.embedding
        if not self.active or e is None or image is None:
            self._view.set_current(None)
            return
        self._view.set_current(e.project(self._session.shown_model, image))

    def _test_digit(self, index: int) -> tuple[np.ndarray, int] | None:
        try:
            test = self._data.source.load()
        except DatasetError as error:
            self._session.error.emit("MNIST is not available", str(error))
            return None
        return test.test_images[index].astype(np.float32) / 255.0, int(test.test_labels[index])

    def _on_hovered(self, index: int) -> None:
        digit = self._test_digit(index)
        if digit is not None:
            self._view.show_digit(digit[0], f"Test digit #{index}, labelled {digit[1]}")

    def choose(self, index: int) -> None:
        """Test digit ``index`` becomes the input (and where the browser's Next goes on)."""
        digit = self._test_digit(index)
        if digit is not None:
            image, label = digit
            self._data.source.index = index
            self._session.set_image(image, ImageSource("test", index=index, label=label), image)
