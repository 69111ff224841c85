"""``convlens download`` against a local HTTP server that serves the real MNIST files (so the
real SHA-256 sums are checked), with failures made on purpose."""

import gzip

import numpy as np
import pytest
from convlens.engine import cli, mnist

from tests.engine.test_mnist import Server


class FailingFirst(dict):
    """The server's files; the first `failures` look-ups find nothing (HTTP 404)."""

    def __init__(self, files, failures):
        super().__init__(files)
        self.failures = failures

    def get(self, key, default=None):
        if self.failures:
            self.failures -= 1
            return default
        return super().get(key, default)


@pytest.fixture
def server(mnist_dir):
    names = [f"{name}.gz" for name in mnist.FILE_NAMES]
    server = Server({f"/mnist/{name}": (mnist_dir / name).read_bytes() for name in names})
    yield server
    server.close()


def download(server, folder, capsys):
    status = cli.main(["download", "--data", str(folder), "--mirror", server.url + "/mnist/"])
    return status, *capsys.readouterr()


def test_download_retries_after_a_failure(server, mnist_dir, tmp_path, capsys):
    server.files = FailingFirst(server.files, failures=1)
    status, out, err = download(server, tmp_path / "data", capsys)
    assert status == 0 and out == f"MNIST is in {tmp_path / 'data'}\n"
    first = f"/mnist/{mnist.TRAIN_IMAGES}.gz"
    assert server.requests == [first, *(f"/mnist/{name}.gz" for name in mnist.FILE_NAMES)]
    lines = err.splitlines()
    assert lines[0].startswith(f"could not download {mnist.TRAIN_IMAGES}.gz (")
    assert "HTTP 404" in lines[0]
    assert lines[1] == f"trying again in {cli.RETRY_DELAYS[0]:g} s"
    # Then, as stderr is no terminal here, one line per file and no redraws.
    assert [line.split(":")[0] for line in lines[2:]] == [f"{n}.gz" for n in mnist.FILE_NAMES]
    assert all(line.endswith("(100%)") for line in lines[2:]) and "\r" not in err
    for name in mnist.FILE_NAMES:
        got = gzip.decompress((tmp_path / "data" / f"{name}.gz").read_bytes())
        assert got == gzip.decompress((mnist_dir / f"{name}.gz").read_bytes())
    labels = mnist.load_test_split(tmp_path / "data")[1]
    assert np.bincount(labels)[:3].tolist() == [980, 1135, 1032]
    # A second run finds everything there and asks the server for nothing.
    status, out, _ = download(server, tmp_path / "data", capsys)
    assert status == 0 and out == f"MNIST is already in {tmp_path / 'data'}\n"
    assert len(server.requests) == 5


def test_download_gives_up_after_the_retries(server, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "RETRY_DELAYS", (0.01, 0.02))
    server.files = FailingFirst(server.files, failures=3)
    status, out, err = download(server, tmp_path / "data", capsys)
    assert status == 2 and out == ""
    lines = err.splitlines()
    assert [line for line in lines if line.startswith("trying")] == [
        "trying again in 0.01 s",
        "trying again in 0.02 s",
    ]
    assert lines[-1].startswith(f"error: could not download {mnist.TRAIN_IMAGES}.gz (")
    assert "check your connection" in lines[-1] and "convlens download" not in lines[-1]
    assert len(server.requests) == 3 and list((tmp_path / "data").iterdir()) == []


def test_a_corrupt_file_fails_its_checksum(server, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "RETRY_DELAYS", ())
    name = f"/mnist/{mnist.TEST_LABELS}.gz"
    labels = bytearray(gzip.decompress(server.files[name]))
    labels[100] = (labels[100] + 1) % 10  # a valid file, one label changed
    server.files[name] = gzip.compress(bytes(labels))
    status, _, err = download(server, tmp_path, capsys)
    assert status == 2
    assert f"error: {mnist.TEST_LABELS}.gz failed its SHA-256 checksum check" in err
    assert not (tmp_path / f"{mnist.TEST_LABELS}.gz").exists()
