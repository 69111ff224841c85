"""What a filter looks for, in the layer detail: the gallery under the kernels shows the
engine's top patches (found in a worker, cached per weights) and its maximisation image."""

import numpy as np
import pytest
from convlens.engine import filter_views as fv
from convlens.engine.training import build_model
from convlens.gui.services.mnist_source import FOLDER_KEY
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.gui.test_explain_wiring import click


@pytest.fixture
def mnist_window(window, settings, small_mnist):
    settings.setValue(FOLDER_KEY, str(small_mnist))
    window.source.counts = None  # a subset: 2,000 and 1,000 images
    return window


def found(window, qtbot) -> None:
    """Find the top patches with a real click, and wait for the worker."""
    gallery = window.why.filters.galleries[0]
    window.show_detail(0)
    QApplication.processEvents()
    QTest.mouseClick(gallery.find_button, Qt.MouseButton.LeftButton)
    assert not gallery.find_button.isEnabled()  # one search at a time
    qtbot.waitUntil(lambda: not window.why.filters.patches.busy(), timeout=60_000)


def test_every_conv_panel_has_a_gallery_under_its_kernels(window):
    filters = window.why.filters
    assert sorted(filters.galleries) == [0, 3]
    for layer, gallery in filters.galleries.items():
        panel = window.maps.panels[layer]
        layout = panel.layout()
        assert layout.indexOf(gallery) == layout.indexOf(panel.kernels) + 1
        assert gallery.filter.maximum() == panel.info.layer.filters - 1
        assert not any(item.isVisible() for item in gallery.patch_items)
        assert gallery.plot.isHidden()  # no room taken until there is something to see


def test_the_gallery_shows_the_engines_top_patches(mnist_window, mnist_subset, qtbot):
    window = mnist_window
    model = window.session.model
    found(window, qtbot)
    gallery = window.why.filters.galleries[0]
    for layer, gallery in window.why.filters.galleries.items():
        expected = fv.top_patches(model, layer, mnist_subset.test_images)
        shown = np.stack([item.image for item in gallery.patch_items])
        np.testing.assert_array_equal(shown, expected.patches[gallery.chosen()])
        assert all(item.isVisible() for item in gallery.patch_items)
        assert not gallery.plot.isHidden()
        assert f"#{expected.images[0, 0]}" in gallery.caption.text()
    kernels = window.maps.panels[0].kernels
    click(kernels, kernels.items[5], 1, 1)  # a real click on filter 5's kernel chooses it
    gallery = window.why.filters.galleries[0]
    assert gallery.chosen() == 5
    expected = fv.top_patches(model, 0, mnist_subset.test_images)
    shown = np.stack([item.image for item in gallery.patch_items])
    np.testing.assert_array_equal(shown, expected.patches[5])
    row = expected.fields[5, 0]
    assert shown.shape[1:] == (row[2] - row[0], row[3] - row[1])  # the receptive field: 5x5


def test_new_weights_empty_the_gallery_and_the_same_weights_find_it_again(mnist_window, qtbot):
    window = mnist_window
    found(window, qtbot)
    session, gallery = window.session, window.why.filters.galleries[0]
    model, info = session.model, session.info
    session.set_model(build_model(model.architecture, seed=3), info)
    gallery = window.why.filters.galleries[0]  # the panels stay: the layers are the same
    assert not any(item.isVisible() for item in gallery.patch_items)
    assert gallery.caption.text() == "" and gallery.caption.isHidden()  # no stale patches
    session.set_model(model, info)  # back to the weights the cache holds
    assert all(item.isVisible() for item in gallery.patch_items)


def test_an_image_made_to_excite_a_filter(window, qtbot):
    gallery = window.why.filters.galleries[3]
    window.show_detail(3)
    gallery.choose(7)
    QTest.mouseClick(gallery.maximise_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (3, 7) in window.why.filters.made, timeout=60_000)
    qtbot.waitUntil(lambda: not window.why.filters.images.busy())
    expected = fv.maximise_filter(window.session.model, 3, 7)
    np.testing.assert_array_equal(gallery.made_item.image, expected.image)
    assert expected.final > expected.start
    assert f"{expected.final:.3g} after 100 steps" in gallery.caption.text()
    gallery.choose(6)
    assert not gallery.made_item.isVisible()  # filter 6 has none yet


def test_without_mnist_finding_asks_for_it(window, settings, tmp_path):
    settings.setValue(FOLDER_KEY, str(tmp_path))
    gallery = window.why.filters.galleries[0]
    QTest.mouseClick(gallery.find_button, Qt.MouseButton.LeftButton)
    box = window.data.question
    assert box is not None and box.isVisible() and "MNIST" in box.text()
    assert not window.why.filters.patches.busy()
    box.reject()
