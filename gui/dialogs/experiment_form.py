"""The settings of an experiment: the network, the setting to sweep (and its layer), the values,
and how much each run trains; everything else comes from the Train dialog's settings."""

from __future__ import annotations

from dataclasses import dataclass, replace

from convlens.engine.experiments import Experiment
from convlens.engine.spec import Activation, Architecture, Dense, Pool
from convlens.engine.sweep import LAYER_SETTINGS, apply, parse_value
from convlens.engine.training import TrainConfig
from convlens.gui.views.layer_text import describe_layer
from convlens.gui.views.sweep_table import show_value
from convlens.gui.views.training_panel import run_label
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

SETTING_NAMES = {  # engine.sweep setting -> what the form calls it
    "units": "Dense units",
    "filters": "Conv filters",
    "size": "Conv filter size",
    "stride": "Conv stride",
    "pool": "Pool operation",
    "activation": "Activation function",
    "dropout": "Dropout rate",
    "l1": "L1 λ",
    "l2": "L2 λ",
    "lr": "Learning rate",
    "batch_size": "Batch size",
    "images": "Training images",
}
EXAMPLES = {  # what the values field suggests for each setting
    "units": "4, 16, 64, 256",
    "filters": "2, 8, 32",
    "size": "3, 5, 7",
    "stride": "1, 2, 3",
    "pool": "max, average, min",
    "activation": "sigmoid, tanh, relu",
    "dropout": "0, 0.25, 0.5",
    "l1": "0, 0.0001, 0.001",
    "l2": "0, 0.0001, 0.001, 0.01",
    "lr": "0.0001, 0.001, 0.01",
    "batch_size": "16, 64, 256",
    "images": "250, 1000, 4000",
}
DEFAULT_IMAGES = 1000  # with 5 epochs: a sweep of 5 values in about a minute on 2 cores
DEFAULT_VALIDATION = 2000  # held out of the training set: ~1% noise on the accuracy
DEFAULT_EPOCHS = 5


@dataclass
class SweepRequest:
    """What the form asks for, checked: engine.sweep.sweep's arguments."""

    architecture: Architecture
    config: TrainConfig
    setting: str
    values: list
    layer: int | None


def _spin(low: int, high: int, step: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    return box


def preset_name(preset: str) -> str:
    """How the Network list names a preset."""
    return f"preset {preset}"


class ExperimentForm(QWidget):
    """``ExperimentForm(current, presets, config)``: the current model's (name, architecture),
    the presets' architectures by name, and the Train dialog's settings."""

    def __init__(
        self,
        current: tuple[str, Architecture],
        presets: dict[str, Architecture],
        config: TrainConfig,
        parent=None,
    ):
        super().__init__(parent)
        self.networks = {"": current[1]}  # named by set_current
        self.networks.update({preset_name(name): arch for name, arch in presets.items()})
        self.network = QComboBox()
        self.network.addItems(list(self.networks))
        self.setting = QComboBox()
        for key, name in SETTING_NAMES.items():
            self.setting.addItem(name, key)
        self.layer = QComboBox()
        self.values = QLineEdit()
        self.images = _spin(10, 60000, 500, DEFAULT_IMAGES)
        self.validation = _spin(0, 10000, 500, DEFAULT_VALIDATION)
        self.epochs = _spin(1, 200, 1, DEFAULT_EPOCHS)
        self.others = QLabel()
        self.others.setWordWrap(True)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        rows = {"Network": self.network, "Setting": self.setting, "Layer": self.layer}
        rows.update({"Values": self.values, "Training images": self.images})
        rows.update({"Validation images": self.validation, "Epochs": self.epochs})
        for label, widget in rows.items():
            form.addRow(label, widget)
        form.addRow(self.others)
        self.network.currentIndexChanged.connect(self._fill_layers)
        self.setting.currentIndexChanged.connect(self._on_setting)
        self.set_current(current, config)
        self._on_setting()

    def set_current(self, current: tuple[str, Architecture], config: TrainConfig) -> None:
        """The current model's (name, architecture) and the Train dialog's settings, now."""
        name = f"the current model ({current[0]})"
        presets = list(self.networks.items())[1:]
        self.networks = {name: current[1], **dict(presets)}
        self.network.setItemText(0, name)
        self.base = config
        self.others.setText(
            f"Other settings from Train ▸ Train…: {run_label(config)}, seed {config.seed}. "
            "Every run starts from random weights."
        )
        self._fill_layers()

    def architecture(self) -> Architecture:
        return self.networks[self.network.currentText()]

    def setting_key(self) -> str:
        return self.setting.currentData()

    def _on_setting(self) -> None:
        key = self.setting_key()
        self.values.setPlaceholderText(f"comma-separated, e.g. {EXAMPLES[key]}")
        self.images.setEnabled(key != "images")
        self._fill_layers()

    def _fill_layers(self) -> None:
        """The layers the setting may change: by default the first (every pool or activation
        layer at once); the output layer's 10 units are not a setting."""
        self.layer.clear()
        key = self.setting_key()
        if key not in LAYER_SETTINGS:
            self.layer.addItem("— (not a layer's setting)", None)
            self.layer.setEnabled(False)
            return
        kind = LAYER_SETTINGS[key][0]
        layers = self.architecture().layers
        found = [i for i, spec in enumerate(layers) if isinstance(spec, kind)]
        if kind is Dense:
            found = found[:-1]
        if kind in (Pool, Activation) and len(found) > 1:
            self.layer.addItem(f"every {kind.__name__.lower()} layer", None)
        for index in found:
            self.layer.addItem(f"layer {index}: {describe_layer(layers[index])}", index)
        if not found:
            self.layer.addItem(f"the network has no {kind.__name__.lower()} layer", None)
        self.layer.setEnabled(bool(found))

    def fill(self, experiment: Experiment) -> None:
        """Show a ready-made experiment's settings."""
        self.network.setCurrentText(preset_name(experiment.architecture))
        self.setting.setCurrentIndex(self.setting.findData(experiment.setting))
        self._fill_layers()
        if experiment.layer is not None:
            self.layer.setCurrentIndex(max(0, self.layer.findData(experiment.layer)))
        self.values.setText(", ".join(show_value(v) for v in experiment.values))
        self.images.setValue(experiment.images)
        self.epochs.setValue(experiment.epochs)

    def request(self) -> SweepRequest:
        """The sweep asked for; ValueError (its message for the user) when it cannot run."""
        key = self.setting_key()
        texts = [text.strip() for text in self.values.text().split(",") if text.strip()]
        if not texts:
            raise ValueError(f"Type the values to try, e.g. {EXAMPLES[key]}")
        try:
            values = [parse_value(key, text) for text in texts]
        except ValueError as error:
            raise ValueError(f"{SETTING_NAMES[key]}: {error}") from None
        config = replace(
            self.base,
            epochs=self.epochs.value(),
            train_limit=self.images.value(),
            validation=self.validation.value(),
            val_per_epoch=1,  # more passes over the held-out images would cost more than training
        )
        layer = self.layer.currentData()
        apply(self.architecture(), config, key, values[0], layer)  # no such layer: say so now
        return SweepRequest(self.architecture(), config, key, values, layer)
