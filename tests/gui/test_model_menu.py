"""Model ▸ Architecture… and Presets: an untrained model of the new shape, trained from the menu;
the weights view follows the model and the training; the dock layout is kept."""

import numpy as np
import pytest
from convlens.engine import presets
from convlens.engine.network import trace_image
from convlens.engine.spec import Activation, Conv
from convlens.engine.weights import layer_weights
from convlens.gui.main_window import MainWindow
from convlens.gui.services.mnist_source import FOLDER_KEY
from convlens.gui.views.weights_view import BINS
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.gui.helpers import show_image

TIMEOUT_MS = 120_000  # a loaded machine is slow; the tests assert on outcomes, not on time


def train_from_menu(window, qtbot, train_limit: int) -> None:
    """Train ▸ Train…: one epoch on the first ``train_limit`` images, on the CPU."""
    window.actions.train.trigger()
    dialog = window.training.dialog
    dialog.epochs.setValue(1)
    dialog.train_limit.setValue(train_limit)
    dialog.device.setCurrentText("cpu")
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(window.trainer.running_changed, timeout=TIMEOUT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def check_histograms(window, qtbot, model) -> None:
    """The Weights dock, brought in sight (only then are its histograms drawn), shows
    ``model``'s."""
    window.weights_dock.show()
    window.weights_dock.raise_()  # a tab behind the Training dock is not in sight
    qtbot.waitUntil(window.weights_view.in_sight)
    weights = layer_weights(model)
    assert set(window.weights_view.histograms) == set(weights)
    for i, (_, w) in weights.items():
        assert window.weights_view.bars[i].opts["height"].sum() == w.size
        assert len(window.weights_view.bars[i].opts["height"]) == BINS


def test_an_edited_architecture_is_applied_then_trained_from_the_menu(
    window, settings, small_mnist, qtbot
):
    settings.setValue(FOLDER_KEY, str(small_mnist))
    window.source.counts = None  # a subset: 2,000 and 1,000 images
    show_image(window, np.eye(28, dtype=np.float32))
    window.actions.architecture.trigger()
    editor = window.models.editor
    assert editor.isVisible()
    architecture = presets.tiny()
    architecture.layers[0] = Conv(6, 3)  # edited: 6 filters 3x3
    architecture.layers[1] = Activation("tanh")
    architecture.name = "tiny6"
    editor.set_architecture(architecture)
    apply = editor.box.button(QDialogButtonBox.StandardButton.Apply)
    qtbot.mouseClick(apply, Qt.MouseButton.LeftButton)

    model = window.session.model
    assert model.architecture.layers == architecture.layers
    assert [panel.info for panel in window.maps.panels] == model.infos
    assert len(window.maps.panels) == 5
    assert len(window.maps.panels[0].output.items) == 6  # 6 maps 26x26
    assert window.maps.panels[0].output.shape == (26, 26)
    assert len(window.maps.panels[0].kernels.items) == 6
    assert "tiny6 (untrained)" in window.status.model_label.text()
    trace = trace_image(model, window.session.image)
    np.testing.assert_array_equal(window.session.trace.probabilities, trace.probabilities)
    np.testing.assert_allclose(window.prediction.bars.values, trace.probabilities)
    assert window.prediction.digit == int(trace.probabilities.argmax())
    check_histograms(window, qtbot, model)
    editor.close()

    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        train_from_menu(window, qtbot, train_limit=1000)
        assert not window.actions.architecture.isEnabled()
        assert not window.actions.presets.isEnabled()
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    trained, result, evaluation, _ = finished.args
    assert not result.stopped and evaluation.confusion.sum() == 1_000
    assert window.session.model is trained and trained.architecture.layers == architecture.layers
    assert window.actions.architecture.isEnabled()

    gradients = window.weights_view.gradients  # recorded for each weighted layer, every report
    assert set(gradients) == {0, 4}
    assert all(len(values) == len(result.history) > 0 for values in gradients.values())
    for i, values in gradients.items():
        np.testing.assert_allclose(values, [p.grad_mean_abs[i] for p in result.history])
    check_histograms(window, qtbot, trained)
    assert window.weights_dock.toggleViewAction().isChecked()  # shown as a tab by the run


def answer(window, qtbot, button: str) -> None:
    """Click ``button`` of the open 'Save the trained model?' question."""
    question = window.files.guard.question
    assert question.isVisible()
    [clicked] = [b for b in question.buttons() if b.text() == button]
    qtbot.mouseClick(clicked, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not question.isVisible())


def test_a_model_trained_here_and_not_saved_is_replaced_only_when_the_user_agrees(
    window, settings, small_mnist, qtbot, tmp_path
):
    settings.setValue(FOLDER_KEY, str(small_mnist))
    window.source.counts = None  # a subset: 2,000 and 1,000 images
    [tiny, lenet] = [
        next(a for a in window.actions.presets.actions() if a.text() == name)
        for name in ("tiny", "lenet5")
    ]
    tiny.trigger()  # the shipped model is on disk: no question
    assert window.session.model.architecture.name == "tiny" and window.files.guard.question is None
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS) as finished:
        train_from_menu(window, qtbot, train_limit=500)
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    trained, name = finished.args[0], window.session.info.name
    assert window.session.model is trained

    lenet.trigger()
    answer(window, qtbot, "Cancel")
    assert window.session.model is trained
    window.files.save_model(tmp_path / "tiny.safetensors")
    lenet.trigger()  # saved now: replaced at once
    assert (
        window.session.model.architecture.name == "lenet5" and window.files.guard.question is None
    )

    window.files.open_dropped(tmp_path / "tiny.safetensors")  # back to the trained weights...
    with qtbot.waitSignal(window.trainer.finished, timeout=TIMEOUT_MS):
        train_from_menu(window, qtbot, train_limit=500)  # ...trained further, not saved
    qtbot.waitUntil(lambda: not window.trainer.is_running(), timeout=TIMEOUT_MS)
    window.files.open_dropped(tmp_path / "tiny.safetensors")
    answer(window, qtbot, "Discard")
    loaded = window.session.model
    assert loaded is not trained and window.session.info.name == name
    np.testing.assert_array_equal(
        loaded.layers[0].weight.detach(), trained.layers[0].weight.detach()
    )


def test_a_preset_from_the_menu_rebuilds_the_panels(window, qtbot):
    [lenet] = [a for a in window.actions.presets.actions() if a.text() == "lenet5"]
    lenet.trigger()
    assert window.session.model.architecture.name == "lenet5"
    assert len(window.maps.panels) == 12
    assert len(window.maps.panels[3].output.items) == 16  # the second conv's 16 maps
    assert "lenet5 (untrained)" in window.status.model_label.text()
    assert not window.weights_view.histograms  # the Weights dock is hidden: not drawn
    check_histograms(window, qtbot, window.session.model)


def test_the_dock_layout_is_kept(window, settings, qtbot):
    window.explain_dock.close()
    window.weights_dock.show()
    window.close()
    again = MainWindow(window.session.model, window.session.info, settings)
    qtbot.addWidget(again, before_close_func=lambda w: w.trainer.shutdown())
    again.show()
    qtbot.waitExposed(again)
    assert not again.explain_dock.isVisible()
    assert again.weights_dock.isVisible()


@pytest.fixture(autouse=True)
def _close_editor(window):
    yield
    if window.models.editor is not None:
        window.models.editor.close()
