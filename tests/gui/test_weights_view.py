"""The weights view: histograms and near-zero shares per layer, gradient curves on a log scale."""

import numpy as np
import pytest
import torch
from convlens.engine import presets
from convlens.engine.training import Progress, build_model
from convlens.engine.weights import layer_weights
from convlens.gui.views.weights_view import WeightsView, near_zero_share


@pytest.fixture
def view(qtbot):
    widget = WeightsView()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _progress(step: int, grads: dict[int, float]) -> Progress:
    return Progress(1, 2, step, 10, 0.5, 0.01, 0.9, 1000.0, step * 0.1, grads)


def test_near_zero_share():
    assert near_zero_share(np.array([1.0, -0.5, 0.005, -0.001, 0.0])) == 0.6
    assert near_zero_share(np.zeros(4)) == 1.0


def test_l1_style_sparse_weights_show_a_larger_near_zero_share(view):
    dense = build_model(presets.tiny(), seed=0)
    sparse = build_model(presets.tiny(), seed=0)
    with torch.no_grad():
        for module in (sparse.layers[0], sparse.layers[4]):
            # What L1 does: most weights pulled to (about) zero, a few kept.
            keep = torch.rand(module.weight.shape, generator=torch.Generator().manual_seed(1)) < 0.2
            module.weight.mul_(keep).add_(~keep * 1e-5)
    view.update_weights(layer_weights(dense))
    shares = dict(view.near_zero)
    assert list(shares) == [0, 4] and all(share < 0.05 for share in shares.values())
    heights = view.bars[4].opts["height"]
    assert heights.sum() == 5760 and len(heights) == 41
    view.update_weights(layer_weights(sparse))
    assert all(view.near_zero[i] > 0.7 > shares[i] for i in shares)
    assert "near 0" in view.histograms[0].titleLabel.text
    assert view.bars[0].opts["height"][20] >= 0.75 * 100  # the spike, in the bin centred on 0


def test_gradients_plot_per_layer_and_rebuild_with_the_architecture(view):
    view.update_weights(layer_weights(build_model(presets.tiny(), seed=0)))
    for step in range(1, 4):
        view.add_gradients(_progress(step, {0: 10.0**-step, 4: 0.1}))
    view.add_gradients(_progress(4, {}))  # a report without gradients adds nothing
    x, y = view.curves[0].getOriginalDataset()
    np.testing.assert_allclose(x, [0.1, 0.2, 0.3])
    np.testing.assert_allclose(y, [0.1, 0.01, 0.001])
    assert view.gradient_plot.ctrl.logYCheck.isChecked()
    view.update_weights(layer_weights(build_model(presets.deep_sigmoid(), seed=0)))
    assert set(view.histograms) == {0, 2, 5, 9, 11, 13}
    view.add_gradients(_progress(1, {i: 1e-3 for i in view.histograms}))
    assert len(view.curves[13].getOriginalDataset()[1]) == 1
    view.clear_gradients()
    assert view.times == [] and view.gradients[13] == []
    assert view.curves[13].getOriginalDataset()[1] is None  # pyqtgraph's empty curve


def test_the_plots_and_the_legend_fit_a_dock_beside_the_explain_panel(view, qtbot):
    """At 1366x768 the dock below the maps is 862 pixels wide: one-line titles made the plots
    1,044 wide (the gradient plot cut off), and the legend inside hid the curves' top right."""
    view.resize(862, 290)
    view.update_weights(layer_weights(build_model(presets.default(), seed=0)))
    legend, plot = view.gradient_legend, view.gradient_plot
    assert [label.text for _, label in legend.items] == list(view.labels.values())
    assert legend.parentItem() is not plot and legend not in plot.items

    def laid_out_in_sight():
        names, curves = legend.sceneBoundingRect(), plot.sceneBoundingRect()
        assert names.left() >= curves.right() - 1 and names.right() <= view.width()
        for histogram in view.histograms.values():
            assert histogram.sceneBoundingRect().right() <= curves.left() + 1

    qtbot.waitUntil(laid_out_in_sight)


def test_gradients_out_of_sight_are_kept_and_drawn_once_shown(qtbot):
    view = WeightsView()  # never shown: as behind the Training dock's tab
    qtbot.addWidget(view)
    view.update_weights(layer_weights(build_model(presets.tiny(), seed=0)))
    view.add_gradients(_progress(1, {0: 0.5, 4: 0.1}))
    assert view.gradients[0] == [0.5] and view.curves[0].getOriginalDataset()[1] is None
    view.draw_gradients()
    np.testing.assert_allclose(view.curves[0].getOriginalDataset()[1], [0.5])


def test_the_reports_before_the_first_histograms_are_drawn_once_shown(view, qtbot):
    """The dock first shown mid-run: the histograms are built then, and the gradient curves
    still hold every report of the run (they began where the dock was shown), on an axis of
    plain epochs (it read "epochs (x0.001)", 640 to 730)."""
    steps = range(64, 74)  # epochs 0.64 to 0.73
    for step in steps:
        view.add_gradients(Progress(1, 1, step, 100, 0.5, 0.0, 0.9, 1e3, 1.0, {0: 0.1, 4: 0.2}))
    view.update_weights(layer_weights(build_model(presets.tiny(), seed=0)))
    x, y = view.curves[4].getOriginalDataset()
    np.testing.assert_allclose(x, [step / 100 for step in steps])
    np.testing.assert_allclose(y, [0.2] * len(steps))
    axis = view.gradient_plot.getAxis("bottom")
    qtbot.waitUntil(lambda: 0.7 < axis.range[1] < 1)  # the axis follows the curves' range
    assert axis.labelString().count("epochs") == 1 and "x0.001" not in axis.labelString()
