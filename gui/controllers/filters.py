"""What each filter looks for, in the layer detail: a gallery under every conv layer's
kernels, filled by workers (the top test-set patches of every conv layer at once, cached per
set of weights; an activation-maximisation image per filter on demand)."""

from __future__ import annotations

import copy

from convlens.engine import filter_views as fv
from convlens.engine.probe import conv_layers, weights_fingerprint
from convlens.gui.controllers.data import DataController
from convlens.gui.services.latest import Latest
from convlens.gui.session import Session
from convlens.gui.views.feature_maps import FeatureMapView
from convlens.gui.views.filter_gallery import FilterGallery
from convlens.gui.views.layer_panel import KERNELS
from PySide6.QtCore import QObject

COUNT = 9  # patches per filter


class FilterController(QObject):
    """Adds a ``FilterGallery`` to each conv panel of ``maps`` and keeps it filled."""

    def __init__(self, session: Session, maps: FeatureMapView, data: DataController, parent):
        super().__init__(parent)
        self._session = session
        self._maps = maps
        self._data = data
        self.cache = fv.PatchCache()
        self.galleries: dict[int, FilterGallery] = {}
        self.made: dict[tuple[int, int], fv.FilterImage] = {}  # for the weights fingerprinted
        self._fingerprint: str | None = None  # of the weights the galleries show
        self.patches = Latest(self)
        self.images = Latest(self)
        for job, what in ((self.patches, "Finding top patches"), (self.images, "Making an image")):
            job.failed.connect(lambda text, what=what: self._on_failed(what, text))
        maps.layers_built.connect(self._attach)
        session.model_changed.connect(self._on_weights_changed)
        session.weights_changed.connect(self._on_weights_changed)
        session.run_changed.connect(self._on_run_changed)
        self._attach()

    def shutdown(self) -> None:
        self.patches.shutdown()
        self.images.shutdown()

    # --- the galleries ---------------------------------------------------------------------
    def _attach(self) -> None:
        """A gallery under the kernels of every conv panel (the panels were just rebuilt)."""
        self.galleries = {}
        for panel in self._maps.panels:
            if panel.kernels is None:
                continue
            layer = panel.info.index
            gallery = FilterGallery(layer, panel.info.layer.filters)
            gallery.find_clicked.connect(self.find)
            gallery.maximise_clicked.connect(lambda f, layer=layer: self.maximise(layer, f))
            gallery.filter_changed.connect(lambda _f, layer=layer: self._show(layer))
            panel.clicked.connect(self._on_panel_clicked)
            panel.add_below_kernels(gallery, gallery.header)
            gallery.set_training(self._session.training)
            self.galleries[layer] = gallery
        self._on_weights_changed()

    def _on_run_changed(self) -> None:
        for gallery in self.galleries.values():
            gallery.set_training(self._session.training)

    def _on_panel_clicked(self, layer: int, kind: str, index: int, _row: int, _col: int) -> None:
        if kind == KERNELS and layer in self.galleries:
            self.galleries[layer].choose(index)

    def _on_weights_changed(self) -> None:
        s = self._session
        # a run's weights move on at every snapshot: none is cached, none hashed (~3 ms)
        fingerprint = None if s.training else weights_fingerprint(s.shown_model)
        if fingerprint != self._fingerprint:
            self._fingerprint, self.made = fingerprint, {}
        for layer in self.galleries:
            self._show(layer)

    def _show(self, layer: int) -> None:
        gallery = self.galleries[layer]
        chosen = gallery.chosen()
        result = self.cache.get(self._fingerprint, layer, COUNT)
        if result is None:
            gallery.show_patches(None)  # the buttons' tooltips say what they find
        else:
            digits = ", ".join(f"#{i}" for i in result.images[chosen])
            values = ", ".join(f"{v:.3g}" for v in result.activations[chosen])
            gallery.show_patches(
                result.patches[chosen],
                f"Filter {chosen}'s strongest responses, best first: test digits {digits}; "
                f"activations {values}.",
            )
        made = self.made.get((layer, chosen))
        gallery.show_made(
            None if made is None else made.image,
            ""
            if made is None
            else f"Right: an image made to excite it (mean activation {made.start:.3g} on "
            f"noise, {made.final:.3g} after {made.steps} steps).",
        )

    # --- the work --------------------------------------------------------------------------
    def find(self) -> None:
        """The top patches of every conv layer, for the weights shown (MNIST needed)."""
        self._data.ensure(self._find_now, need="Finding the patches that excite a filter needs")

    def _find_now(self) -> None:
        model, load = copy.deepcopy(self._session.shown_model), self._data.source.load
        layers = conv_layers(model)

        def call(progress, should_stop):
            images = load().test_images
            results = []
            for k, layer in enumerate(layers):
                result = fv.top_patches(
                    model,
                    layer,
                    images,
                    COUNT,
                    progress=lambda done, total, k=k: progress(
                        k * total + done, len(layers) * total
                    ),
                    should_stop=should_stop,
                )
                if result is None:
                    return None
                results.append(result)
            return results

        for gallery in self.galleries.values():
            gallery.set_busy(True)
        self.patches.submit(call, self._on_found, self._on_progress)

    def _on_progress(self, done: int, total: int) -> None:
        for gallery in self.galleries.values():
            gallery.show_progress(done, total)

    def _on_found(self, results: list[fv.TopPatches]) -> None:
        for result in results:
            self.cache.put(result)
        for layer, gallery in self.galleries.items():
            gallery.set_busy(False)
            self._show(layer)

    def maximise(self, layer: int, filter: int) -> None:
        """An activation-maximisation image for one filter, in a worker."""
        model = copy.deepcopy(self._session.shown_model)
        fingerprint = self._fingerprint
        gallery = self.galleries[layer]

        def call(progress, should_stop):
            return fv.maximise_filter(
                model, layer, filter, progress=progress, should_stop=should_stop
            )

        def done(made: fv.FilterImage) -> None:
            if fingerprint == self._fingerprint:
                self.made[(layer, filter)] = made
                if self.galleries.get(layer) is gallery:  # not rebuilt meanwhile
                    gallery.show_progress(1, 1)
                    self._show(layer)

        self.images.submit(call, done, gallery.show_progress)

    def _on_failed(self, what: str, text: str) -> None:
        for gallery in self.galleries.values():
            gallery.set_busy(False)
        self._session.error.emit(f"{what} failed", text)
