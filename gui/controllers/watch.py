"""Watching a run: its pause, step, speed and learning-rate buttons, the run list (runs of
this session and of opened model files), and Train ▸ Export run…."""

from __future__ import annotations

from pathlib import Path

from convlens.engine.files import atomic_write
from convlens.engine.history import confusion_csv, curves_csv, read_history, write_text
from convlens.engine.model_file import ModelFileError
from convlens.gui.services.trainer import Trainer
from convlens.gui.session import Session
from convlens.gui.views.training_panel import TrainingPanel, run_label
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

EXPORT_FILTER = "PNG and CSV files (*.png *.csv);;All files (*)"
ENDED = {"stopped": "stopped early", "failed": "failed"}


def png_bytes(widget: QWidget) -> bytes:
    """The widget as drawn on screen, as PNG file bytes."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    buffer.close()
    return bytes(data)


class WatchController(QObject):
    """Wires the training panel's controls to the Trainer, names the runs that end, lists the
    run history of every opened model, and exports runs."""

    def __init__(
        self,
        session: Session,
        trainer: Trainer,
        panel: TrainingPanel,
        settings: QSettings,
        parent: QWidget,
    ):
        super().__init__(parent)
        self._session, self._trainer, self._panel = session, trainer, panel
        self._settings, self._parent = settings, parent
        self._live = None  # the Session's run the panel is drawing
        self._diverged = False
        controls = panel.controls
        controls.pause_toggled.connect(lambda on: trainer.pause() if on else trainer.resume())
        controls.step_clicked.connect(trainer.step)
        controls.speed_changed.connect(trainer.set_speed)
        controls.lr_set.connect(self._set_lr)
        controls.export_clicked.connect(self.ask_export)
        trainer.running_changed.connect(controls.set_running)
        trainer.paused_changed.connect(controls.set_paused)
        trainer.diverged.connect(self._on_diverged)
        session.run_changed.connect(self._on_run_changed)
        session.model_changed.connect(self._show_history)

    def _set_lr(self, lr: float) -> None:
        self._trainer.set_lr(lr)
        self._session.message.emit(
            f"Learning rate {lr:g} from the next step on (the schedule no longer steers it)"
        )

    def _on_diverged(self, _why: str) -> None:
        self._diverged = True

    def _on_run_changed(self) -> None:
        run = self._session.run
        if run is not None and run.running and run is not self._live:
            self._live, self._diverged = run, False
        elif run is self._live and run is not None and not run.running:
            note = "diverged" if self._diverged else ENDED.get(run.state, "")
            self._live = None
            self._panel.end_run(note)

    def _show_history(self) -> None:
        """An opened model's run history (config and curves) joins the run list."""
        session, run = self._session, self._session.run
        info = session.info
        if info.history is None or (run is not None and run.model is session.model):
            return  # no history, or the run just drawn live
        try:
            config, columns = read_history(info.history, info.name)
        except ModelFileError as error:
            session.message.emit(str(error))
            return
        label = f"{info.name}: {run_label(config)}"
        if info.history.get("stopped"):
            label += ", stopped early"
        self._panel.add_finished_run(label, columns)
        if run is None:  # no run of this session's owns the panel's words
            note = f"{info.name}: the curves of the run that made it are in the run list."
            self._panel.show_outcome(note, None, False)

    # --- export ----------------------------------------------------------------------------
    def ask_export(self) -> None:
        """Train ▸ Export run…: ask for a file name, then write the PNGs and CSVs beside it."""
        if self._panel.chosen_run() is None:
            self._session.message.emit("No run to export yet")
            return
        folder = self._settings.value("folders/export", str(Path.home()), type=str)
        path, _ = QFileDialog.getSaveFileName(
            self._parent, "Export the run", str(Path(folder) / "run"), EXPORT_FILTER
        )
        if path:
            self.export_run(Path(path).with_suffix(""))

    def export_run(self, base: Path) -> list[Path]:
        """The chosen run's curves (CSV), the curves as shown (PNG) and, when there is one,
        the confusion matrix (CSV and PNG): ``base``-curves.csv and so on."""
        run = self._panel.chosen_run()
        if run is None:
            return []
        matrix = self._panel.confusion.matrix
        texts = {"curves.csv": curves_csv(run.columns)}
        images = {"curves.png": self._panel.curves}
        if matrix.any():
            texts["confusion.csv"] = confusion_csv(matrix)
            images["confusion.png"] = self._panel.confusion
        written = []
        try:
            for suffix, text in texts.items():
                written.append(base.with_name(f"{base.name}-{suffix}"))
                write_text(written[-1], text)
            for suffix, widget in images.items():
                written.append(base.with_name(f"{base.name}-{suffix}"))
                atomic_write(written[-1], png_bytes(widget))
        except OSError as error:
            self._session.error.emit("Cannot export the run", f"{written[-1]}: {error}")
            return written[:-1]
        self._settings.setValue("folders/export", str(base.parent))
        names = ", ".join(path.name for path in written)
        self._session.message.emit(f"Exported {names} to {base.parent}")
        return written
