"""Progress on stderr: redrawn on a terminal, one line per epoch or file anywhere else."""

import io

from convlens.engine.terminal import DownloadProgress, ProgressBar, StatusLine
from convlens.engine.training import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def reports(epochs=2, steps=3):
    """What engine.training reports: a few times per epoch, always at its last step."""
    for epoch in range(1, epochs + 1):
        for step in range(1, steps + 1):
            yield Progress(epoch, epochs, step, steps, 0.5 / epoch, 0.0, 0.9, 1000.0, step * 1.0)


def test_a_pipe_gets_one_line_per_epoch():
    stream = io.StringIO()
    bar = ProgressBar(stream, width=4)
    for report in reports():
        bar(report)
    lines = stream.getvalue().split("\n")
    assert "\r" not in stream.getvalue() and lines[-1] == ""
    assert [line.split(" [")[0] for line in lines[:-1]] == ["epoch 1/2", "epoch 2/2"]
    assert lines[0].startswith("epoch 1/2 [##--] loss 0.5000 acc 0.900")
    assert lines[1].startswith("epoch 2/2 [####] loss 0.2500 acc 0.900")


def test_a_terminal_gets_a_redrawn_line_ended_per_epoch():
    stream = Terminal()
    bar = ProgressBar(stream, width=4)
    for report in reports():
        bar(report)
    text = stream.getvalue()
    assert text.count("\r") == 6 and text.count("\n") == 2 and text.endswith("\n")
    assert text.split("\n")[0].split("\r")[1].startswith("epoch 1/2 [----]")  # 1/6 done


def test_a_shorter_text_blanks_out_the_longer_one_before_it():
    stream = Terminal()
    line = StatusLine(stream)
    line.show("a longer text")
    line.show("short")
    assert stream.getvalue() == "\ra longer text\rshort        "
    line.close()
    line.close()  # nothing left to end
    assert stream.getvalue().endswith("short        \n")


def test_download_progress_to_a_pipe_is_one_line_per_file():
    stream = io.StringIO()
    progress = DownloadProgress(stream)
    for done in (500_000, 1_000_000, 1_500_000):
        progress(done, 1_500_000, "a.gz")
    progress(28_881, 28_881, "b.gz")
    progress(1_000, 0, "c.gz")  # length unknown: nothing final to write
    progress.close()
    assert stream.getvalue() == "a.gz: 1.5 of 1.5 MB (100%)\nb.gz: 0.0 of 0.0 MB (100%)\n"


def test_download_progress_on_a_terminal_is_ended_by_close():
    stream = Terminal()
    progress = DownloadProgress(stream)
    progress(1_000_000, 2_000_000, "a.gz")
    progress.close()  # after an error: what is printed next gets a line of its own
    assert stream.getvalue() == "\ra.gz: 1.0 of 2.0 MB (50%)\n"
