"""engine.mnist on IDX files written here, the real data set, and a local download server."""

import gzip
import hashlib
import http.server
import socket
import struct
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from convlens.engine import mnist
from convlens.engine.mnist import (
    FILE_NAMES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DatasetError,
    DownloadCancelled,
    download_mnist,
    has_mnist,
    load_mnist,
    read_idx,
)

MNIST_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mnist"
needs_mnist = pytest.mark.skipif(not MNIST_DIR.is_dir(), reason=f"MNIST not found at {MNIST_DIR}")


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array: magic 00 00 08 ndim, big-endian sizes, the bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def tiny_set(train: int = 3, test: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        TRAIN_IMAGES: rng.integers(0, 256, (train, 28, 28), np.uint8),
        TRAIN_LABELS: rng.integers(0, 10, train, np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (test, 28, 28), np.uint8),
        TEST_LABELS: rng.integers(0, 10, test, np.uint8),
    }


def write_set(folder: Path, arrays: dict[str, np.ndarray], gz: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        data = idx_bytes(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


# --- read_idx ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(gz, tmp_path):
    images = tiny_set()[TRAIN_IMAGES]
    data = idx_bytes(images)
    path = tmp_path / "images"
    path.write_bytes(gzip.compress(data) if gz else data)
    read = read_idx(path)
    assert read.dtype == np.uint8 and read.shape == (3, 28, 28)
    np.testing.assert_array_equal(read, images)
    assert read.flags.writeable  # torch.from_numpy would warn otherwise


def test_gzip_is_told_by_content_not_name(tmp_path):
    labels = np.array([3, 1, 4], np.uint8)
    raw_named_gz = tmp_path / "labels.gz"
    raw_named_gz.write_bytes(idx_bytes(labels))
    gz_named_raw = tmp_path / "labels"
    gz_named_raw.write_bytes(gzip.compress(idx_bytes(labels)))
    np.testing.assert_array_equal(read_idx(raw_named_gz), labels)
    np.testing.assert_array_equal(read_idx(gz_named_raw), labels)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x01\x02\x08\x03" + bytes(100), "not an MNIST"),
        (b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + bytes(8), "type 0x0d"),
        (b"\x00\x00\x08\x03" + bytes(6), "header is incomplete"),
        (b"", "not an MNIST"),
        (gzip.compress(idx_bytes(np.zeros((3, 28, 28))))[:40], "damaged gzip"),
        (idx_bytes(np.zeros(5)) + b"\x00", "unexpected bytes"),
    ],
    ids=["magic", "dtype", "short_header", "empty", "cut_gzip", "trailing"],
)
def test_read_idx_rejects(content, message, tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=message) as caught:
        read_idx(path)
    assert "t10k-images-idx3-ubyte.gz" in str(caught.value)


def test_truncated_file_says_how_much(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    data = idx_bytes(np.zeros((10, 28, 28)))
    path.write_bytes(gzip.compress(data[: 16 + 1234]))
    with pytest.raises(DatasetError) as caught:
        read_idx(path)
    assert str(caught.value) == (
        "t10k-images-idx3-ubyte.gz is truncated: expected 7840 bytes of pixels, found 1234"
    )


def test_wrong_dimension_count(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.zeros((2, 3))))
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte has 2 dimensions, expected 1"):
        read_idx(path, ndim=1)


# --- load_mnist -------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist(gz, tmp_path):
    arrays = tiny_set()
    data = load_mnist(write_set(tmp_path, arrays, gz=gz), counts=None)
    np.testing.assert_array_equal(data.train_images, arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(data.test_labels, arrays[TEST_LABELS])
    assert data.train_images.dtype == np.uint8
    assert data.train_labels.dtype == np.int64
    assert has_mnist(tmp_path)


@pytest.mark.parametrize("missing", FILE_NAMES)
def test_missing_file_is_named(missing, tmp_path):
    write_set(tmp_path, tiny_set())
    (tmp_path / f"{missing}.gz").unlink()
    assert not has_mnist(tmp_path)
    with pytest.raises(DatasetError, match=f"{missing}.gz is missing") as caught:
        load_mnist(tmp_path, counts=None)
    assert "download MNIST" in str(caught.value)


def test_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match="does not exist: download MNIST"):
        load_mnist(tmp_path / "nowhere")


def test_count_mismatch(tmp_path):
    arrays = tiny_set()
    arrays[TEST_LABELS] = arrays[TEST_LABELS][:1]
    write_set(tmp_path, arrays)
    with pytest.raises(DatasetError, match="has 2 images but t10k-labels-idx1-ubyte.gz has 1"):
        load_mnist(tmp_path, counts=None)


def test_wrong_image_size(tmp_path):
    arrays = tiny_set()
    arrays[TRAIN_IMAGES] = np.zeros((3, 27, 28), np.uint8)
    write_set(tmp_path, arrays)
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz holds 27x28 images"):
        load_mnist(tmp_path, counts=None)


def test_label_out_of_range(tmp_path):
    arrays = tiny_set()
    arrays[TRAIN_LABELS] = np.array([1, 12, 3], np.uint8)
    write_set(tmp_path, arrays)
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz holds label 12"):
        load_mnist(tmp_path, counts=None)


def test_images_file_in_place_of_labels(tmp_path):
    arrays = tiny_set()
    arrays[TEST_LABELS] = arrays[TEST_IMAGES]
    write_set(tmp_path, arrays)
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz has 3 dimensions"):
        load_mnist(tmp_path, counts=None)


@needs_mnist
def test_real_mnist():
    data = load_mnist(MNIST_DIR)
    assert data.train_images.shape == (60000, 28, 28)
    assert data.test_images.shape == (10000, 28, 28)
    assert data.train_labels.shape == (60000,) and data.test_labels.shape == (10000,)
    train_counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    test_counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(data.train_labels).tolist() == train_counts
    assert np.bincount(data.test_labels).tolist() == test_counts
    assert data.train_images.max() == 255


@needs_mnist
def test_real_checksums_match_the_table():
    for name in (TRAIN_LABELS, TEST_LABELS):  # the small files: cheap to hash
        content = gzip.decompress((MNIST_DIR / f"{name}.gz").read_bytes())
        assert hashlib.sha256(content).hexdigest() == mnist.SHA256[name]


# --- where the data lives ---------------------------------------------------------------------


def test_resolve_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv(mnist.DATA_ENV_VAR, str(tmp_path / "from_env"))
    assert mnist.resolve_data_dir(tmp_path / "given") == tmp_path / "given"
    assert mnist.resolve_data_dir() == tmp_path / "from_env"
    monkeypatch.delenv(mnist.DATA_ENV_VAR)
    assert mnist.resolve_data_dir() == mnist.default_data_dir()


@pytest.mark.parametrize(
    "platform, env, expected",
    [
        ("linux", {"XDG_CACHE_HOME": "/xdg"}, "/xdg/convlens/mnist"),
        ("linux", {"XDG_CACHE_HOME": "relative"}, "~/.cache/convlens/mnist"),
        ("linux", {}, "~/.cache/convlens/mnist"),
        ("darwin", {}, "~/Library/Caches/convlens/mnist"),
        ("win32", {"LOCALAPPDATA": "/appdata"}, "/appdata/convlens/mnist"),
    ],
)
def test_default_data_dir(platform, env, expected, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("HOME", str(tmp_path))
    for key in ("XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert mnist.default_data_dir() == Path(expected.replace("~", str(tmp_path)))


# --- download_mnist against a local server ----------------------------------------------------


class Server:
    """A local HTTP server with files at paths; it records what was asked for. A file may be
    a callable taking the request handler, which then writes the whole answer itself."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                body = outer.files.get(self.path)
                if callable(body):  # a misbehaving server: the callable answers itself
                    body(self)
                    return
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass  # keep test output clean

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def served():
    """Tiny MNIST files served under /mnist/; yields (server, arrays, their sha256 table)."""
    arrays = tiny_set()
    raw = {name: idx_bytes(array) for name, array in arrays.items()}
    sums = {name: hashlib.sha256(data).hexdigest() for name, data in raw.items()}
    server = Server({f"/mnist/{name}.gz": gzip.compress(data) for name, data in raw.items()})
    yield server, arrays, sums
    server.close()


def test_download(served, tmp_path):
    server, arrays, sums = served
    calls = []
    folder = download_mnist(
        tmp_path / "data",
        base_urls=[server.url + "/mnist/"],
        sha256=sums,
        progress=lambda done, total, name: calls.append((done, total, name)),
    )
    assert folder == tmp_path / "data"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.gz" for n in FILE_NAMES)
    data = load_mnist(folder, counts=None)
    np.testing.assert_array_equal(data.train_images, arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(data.test_labels, arrays[TEST_LABELS])
    finished = {name: (done, total) for done, total, name in calls}
    assert set(finished) == {f"{n}.gz" for n in FILE_NAMES}
    assert all(done == total > 0 for done, total in finished.values())
    # Everything is there now: a second call asks the server for nothing.
    asked = len(server.requests)
    download_mnist(folder, base_urls=[server.url + "/mnist/"], sha256=sums)
    assert len(server.requests) == asked


def test_download_uses_env_folder(served, tmp_path, monkeypatch):
    server, _, sums = served
    monkeypatch.setenv(mnist.DATA_ENV_VAR, str(tmp_path / "env"))
    assert download_mnist(base_urls=[server.url + "/mnist/"], sha256=sums) == tmp_path / "env"
    assert has_mnist(tmp_path / "env")


def test_checksum_mismatch_leaves_nothing(served, tmp_path):
    server, _, sums = served
    sums = {**sums, TRAIN_IMAGES: "0" * 64}
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz failed its SHA-256"):
        download_mnist(tmp_path, base_urls=[server.url + "/mnist/"], sha256=sums)
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one


def test_server_unreachable(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatasetError) as caught:
        download_mnist(tmp_path, base_urls=[f"http://127.0.0.1:{port}/"], timeout=5)
    message = str(caught.value)
    assert message.startswith("could not download train-images-idx3-ubyte.gz")
    assert "check your connection, or choose a folder that holds the MNIST files" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("first_mirror", ["404", "corrupt"])
def test_falls_back_to_next_mirror(first_mirror, served, tmp_path):
    server, arrays, sums = served
    if first_mirror == "corrupt":
        for name in FILE_NAMES:
            good = server.files[f"/mnist/{name}.gz"]
            server.files[f"/broken/{name}.gz"] = good[: len(good) // 2]
    mirrors = [server.url + "/broken/", server.url + "/mnist/"]
    folder = download_mnist(tmp_path, base_urls=mirrors, sha256=sums)
    np.testing.assert_array_equal(
        load_mnist(folder, counts=None).train_images, arrays[TRAIN_IMAGES]
    )
    assert server.requests[:2] == [f"/broken/{TRAIN_IMAGES}.gz", f"/mnist/{TRAIN_IMAGES}.gz"]


def test_every_mirror_failing_is_reported(served, tmp_path):
    server, _, sums = served
    with pytest.raises(DatasetError, match="HTTP 404") as caught:
        download_mnist(tmp_path, base_urls=[server.url + "/a/", server.url + "/b/"], sha256=sums)
    assert "/a/train-images-idx3-ubyte.gz" in str(caught.value)
    assert "/b/train-images-idx3-ubyte.gz" in str(caught.value)


def test_cancel(served, tmp_path):
    server, _, sums = served
    with pytest.raises(DownloadCancelled):
        download_mnist(
            tmp_path, base_urls=[server.url + "/mnist/"], sha256=sums, should_stop=lambda: True
        )
    assert list(tmp_path.iterdir()) == []
