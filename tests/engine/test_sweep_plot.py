"""``sweep --plot``: the results drawn into a PNG, each point where its numbers say."""

import io

from convlens.engine.sweep import SweepRun
from convlens.engine.sweep_plot import PANEL, TRAIN_COLOUR, VAL_COLOUR, point, sweep_png
from PIL import Image

from tests.engine.test_cli import run as run_cli

RUNS = [
    SweepRun(4, 100, 0.5, 0.45, 1.6, 1.7, 1.0),
    SweepRun(30, error="the filter is larger than its 28x28 input"),
    SweepRun(64, 900, 0.99, 0.9, 0.05, 0.4, 2.0),
]


def pixel(png: bytes, xy) -> tuple[int, int, int]:
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel(xy)


def test_each_point_is_drawn_where_its_numbers_say():
    png = sweep_png(RUNS, "units")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (2 * (60 + PANEL[0] + 20), 40 + PANEL[1] + 60)
    for index in (0, 2):
        run = RUNS[index]
        assert pixel(png, point(RUNS, 0, index, run.train_accuracy)) == TRAIN_COLOUR
        assert pixel(png, point(RUNS, 0, index, run.val_accuracy)) == VAL_COLOUR
        assert pixel(png, point(RUNS, 1, index, run.val_loss)) == VAL_COLOUR
    # The values spaced evenly in the order given; accuracy from 0 to 1, loss to its largest.
    assert point(RUNS, 0, 0, 1.0) == (60 + PANEL[0] // 6, 40)
    assert point(RUNS, 1, 2, 1.7) == (560 + 350, 40)  # panel 1 starts at 60 + 420 + 20 + 60
    assert point(RUNS, 1, 2, 0.0)[1] == 40 + PANEL[1]
    # No marker for the value that could not be trained: its column crosses the lines only.
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for index, low, high in ((0, 6, 99), (1, 1, 3), (2, 6, 99)):
        x = point(RUNS, 0, index, 0)[0]
        column = [image.getpixel((x, y)) for y in range(40, 40 + PANEL[1])]
        assert low <= column.count(TRAIN_COLOUR) <= high


def test_the_sweep_command_plots_and_says_when_there_is_no_validation(mnist_dir, tmp_path):
    out = tmp_path / "sweep.png"
    result = run_cli(
        "sweep", "--data", mnist_dir, "--arch", "tiny", "--param", "filters", "--values", "2,3",
        "--limit", "200", "--validation", "0", "--epochs", "1", "--plot", out,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0].startswith("filters = 2: 2,942 parameters, train ")
    assert lines[0].endswith(" s") and ", no validation split, " in lines[0]
    assert lines[2] == f"plotted {out}"
    with Image.open(out) as image:
        assert image.size == (2 * (60 + PANEL[0] + 20), 40 + PANEL[1] + 60)


def test_a_plot_that_cannot_be_written_fails_before_training(tmp_path):
    result = run_cli(
        "sweep", "--param", "units", "--values", "4", "--plot", tmp_path / "no" / "p.png",
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == f"error: --plot {tmp_path / 'no' / 'p.png'}: the folder " \
        f"{tmp_path / 'no'} does not exist\n"  # fmt: skip
