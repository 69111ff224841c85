"""MNIST from hostile servers and damaged folders: caps on what is downloaded and unpacked,
Cancel that works on a server that drips, and files checked for what they must hold."""

import gzip
import hashlib
import json
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from convlens.engine import download, idx, mnist
from convlens.engine.mnist import (
    SIZES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DatasetError,
    DownloadCancelled,
    download_mnist,
    load_mnist,
)

from tests.engine.hostile import error_of, special_file
from tests.engine.test_mnist import MNIST_DIR, Server, idx_bytes, needs_mnist, tiny_set, write_set


def zeros_gzip(size: int) -> bytes:
    """A gzip archive of `size` zero bytes, made a megabyte at a time (a gzip bomb)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(2**20)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


@pytest.fixture
def hostile():
    """A server for tiny MNIST files; tests put misbehaving answers at its paths. Yields
    (server, sha256 table, base URL, a dest folder maker holding all files but `missing`)."""
    raw = {name: idx_bytes(array) for name, array in tiny_set().items()}
    sums = {name: hashlib.sha256(data).hexdigest() for name, data in raw.items()}
    server = Server({f"/mnist/{name}.gz": gzip.compress(data) for name, data in raw.items()})

    def dest_without(folder: Path, missing: str) -> Path:
        write_set(folder, {n: a for n, a in tiny_set().items() if n != missing})
        return folder

    yield server, sums, server.url + "/mnist/", dest_without
    server.close()


def answer(status=200, headers=(), body=b"", then=None):
    """A handler callable: status, headers, body; then `then(handler)` (say, write forever)."""

    def respond(handler):
        handler.send_response(status)
        for key, value in headers:
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)
        if then is not None:
            try:
                then(handler)
            except OSError:
                pass  # the client hung up: what a good client does

    return respond


def endless(handler):
    block = bytes(64 * 1024)
    while True:
        handler.wfile.write(block)


def drip(handler, sent: threading.Event | None = None, seconds: float = 0.5):
    for count in range(1, 10_000):
        handler.wfile.write(b"\x1f")
        handler.wfile.flush()
        if sent is not None and count == 3:
            sent.set()
        time.sleep(seconds)


def test_an_endless_body_is_cut_at_the_files_size_plus_a_margin(hostile, tmp_path):
    server, sums, url, dest_without = hostile
    server.files[f"/mnist/{TEST_LABELS}.gz"] = answer(then=endless)  # no Content-Length
    dest = dest_without(tmp_path, TEST_LABELS)
    with pytest.raises(DatasetError) as caught:
        download_mnist(dest, base_urls=[url], sha256=sums)
    cap = SIZES[TEST_LABELS] + SIZES[TEST_LABELS] // 100 + 64 * 1024
    assert f"the body is larger than the {cap:,} bytes expected" in str(caught.value)
    assert not (dest / f"{TEST_LABELS}.gz").exists()


def test_a_2_gb_content_length_is_refused_before_reading(hostile, tmp_path):
    server, sums, url, dest_without = hostile
    server.files[f"/mnist/{TEST_LABELS}.gz"] = answer(
        headers=[("Content-Length", "2000000000")], then=endless
    )
    with pytest.raises(DatasetError, match="announces 2,000,000,000 bytes, not at most"):
        download_mnist(dest_without(tmp_path, TEST_LABELS), base_urls=[url], sha256=sums)


@pytest.mark.parametrize("lie", ["shorter", "longer"])
def test_a_wrong_content_length(lie, hostile, tmp_path):
    server, sums, url, dest_without = hostile
    good = server.files[f"/mnist/{TEST_LABELS}.gz"]
    declared = len(good) // 2 if lie == "shorter" else len(good) + 1000
    server.files[f"/mnist/{TEST_LABELS}.gz"] = answer(
        headers=[("Content-Length", str(declared))], body=good
    )
    with pytest.raises(DatasetError) as caught:
        download_mnist(dest_without(tmp_path, TEST_LABELS), base_urls=[url], sha256=sums)
    reason = "the archive is cut short" if lie == "shorter" else "the body ended after"
    assert reason in str(caught.value)


def test_a_gzip_bomb_download_fails_fast_under_a_memory_limit(hostile, tmp_path):
    """64 MB of zeros in 64 KB: unpacking stops past the 47 MB of the largest MNIST file."""
    server, sums, url, _ = hostile
    server.files[f"/mnist/{TRAIN_IMAGES}.gz"] = zeros_gzip(64 * 2**20)
    message = error_of(
        "import json\nfrom convlens.engine.mnist import DatasetError, download_mnist",
        "download_mnist(sys.argv[1], base_urls=[sys.argv[2]], sha256=json.loads(sys.argv[3]))",
        "DatasetError",
        tmp_path / "data",
        url,
        json.dumps(sums),
    )
    assert "it unpacks to more than 47,040,016 bytes" in message


def test_a_gzip_bomb_in_the_folder_fails_fast_under_a_memory_limit(tmp_path):
    write_set(tmp_path, tiny_set())
    (tmp_path / f"{TRAIN_IMAGES}.gz").write_bytes(zeros_gzip(64 * 2**20))
    message = error_of(
        "from convlens.engine.mnist import DatasetError, load_mnist",
        "load_mnist(sys.argv[1])",
        "DatasetError",
        tmp_path,
    )
    assert message == (
        f"{TRAIN_IMAGES}.gz is not an MNIST file: it unpacks to more than 47,040,016 bytes"
    )


def test_the_largest_file_sets_the_cap():
    assert idx.MAX_IDX_BYTES == max(SIZES.values())


def test_a_stalled_server_is_given_up(hostile, tmp_path):
    server, sums, url, dest_without = hostile
    server.files[f"/mnist/{TEST_LABELS}.gz"] = answer(then=drip)
    with pytest.raises(DatasetError, match="less than 16 KiB in 1 s: it has stalled"):
        download_mnist(dest_without(tmp_path, TEST_LABELS), base_urls=[url], sha256=sums, timeout=1)


def test_cancel_works_while_a_server_drips_one_byte_every_half_second(hostile, tmp_path):
    """The old read(64 KiB) stayed blocked 45 s after Cancel. The 10 s bound below only
    tells a hang from a return: download.POLL_SECONDS (0.2 s) is what is promised."""
    server, sums, url, dest_without = hostile
    three_bytes_sent, stop = threading.Event(), threading.Event()
    server.files[f"/mnist/{TEST_LABELS}.gz"] = answer(then=lambda h: drip(h, three_bytes_sent))
    dest = dest_without(tmp_path, TEST_LABELS)
    outcome = []

    def run():
        try:
            download_mnist(dest, base_urls=[url], sha256=sums, should_stop=stop.is_set)
        except Exception as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    assert three_bytes_sent.wait(30)
    stop.set()
    worker.join(10)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], DownloadCancelled)
    assert not (dest / f"{TEST_LABELS}.gz").exists()


def test_cancel_while_the_headers_drip(hostile, tmp_path):
    server, sums, url, dest_without = hostile
    three_bytes_sent, calls = threading.Event(), []

    def headers_drip(handler):
        handler.wfile.write(b"HTTP/1.0 200 OK\r\n")
        drip(handler, three_bytes_sent)

    server.files[f"/mnist/{TEST_LABELS}.gz"] = lambda h: _quietly(headers_drip, h)

    def should_stop():
        calls.append(None)
        return three_bytes_sent.is_set()

    with pytest.raises(DownloadCancelled):
        download_mnist(
            dest_without(tmp_path, TEST_LABELS),
            base_urls=[url],
            sha256=sums,
            should_stop=should_stop,
        )
    assert len(calls) > 3  # polled while waiting, not only between chunks


def _quietly(respond, handler):
    try:
        respond(handler)
    except OSError:
        pass


def test_a_corrupt_cached_file_is_downloaded_again(hostile, tmp_path):
    server, sums, url, _ = hostile
    write_set(tmp_path, tiny_set())
    (tmp_path / f"{TRAIN_LABELS}.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01garbage"))
    (tmp_path / TEST_IMAGES).write_bytes(b"a damaged raw file beside a good .gz")
    download_mnist(tmp_path, base_urls=[url], sha256=sums)
    assert server.requests == [f"/mnist/{TRAIN_LABELS}.gz", f"/mnist/{TEST_IMAGES}.gz"]
    assert not (tmp_path / TEST_IMAGES).exists()  # it would have hidden the good .gz
    data = load_mnist(tmp_path, counts=None)
    np.testing.assert_array_equal(data.train_labels, tiny_set()[TRAIN_LABELS])
    np.testing.assert_array_equal(data.test_images, tiny_set()[TEST_IMAGES])
    download_mnist(tmp_path, base_urls=[url], sha256=sums)
    assert len(server.requests) == 2  # now all are good: nothing asked


def test_a_download_of_the_wrong_file_is_refused_without_a_checksum(hostile, tmp_path):
    """With no SHA-256 for a file, its structure and count are checked instead."""
    server, sums, url, dest_without = hostile
    del sums[TEST_LABELS]
    with pytest.raises(DatasetError, match="holds 2 items, not 10,000"):
        download_mnist(dest_without(tmp_path, TEST_LABELS), base_urls=[url], sha256=sums)


def test_swapped_training_and_test_files_are_reported(tmp_path):
    arrays = tiny_set(train=3, test=2)
    swapped = {
        TRAIN_IMAGES: arrays[TEST_IMAGES],
        TRAIN_LABELS: arrays[TEST_LABELS],
        TEST_IMAGES: arrays[TRAIN_IMAGES],
        TEST_LABELS: arrays[TRAIN_LABELS],
    }
    write_set(tmp_path, swapped)
    with pytest.raises(DatasetError) as caught:
        load_mnist(tmp_path, counts=(3, 2))
    assert str(caught.value) == (
        f"{TRAIN_IMAGES}.gz holds 2 images; the MNIST training set has 3 "
        "(are the training and test files swapped?)"
    )


@needs_mnist
def test_the_real_files_swapped_are_reported(tmp_path):
    pairs = {TRAIN_IMAGES: TEST_IMAGES, TRAIN_LABELS: TEST_LABELS}
    pairs.update({v: k for k, v in pairs.items()})
    for name, other in pairs.items():
        (tmp_path / f"{name}.gz").symlink_to(MNIST_DIR / f"{other}.gz")
    with pytest.raises(
        DatasetError, match="holds 10,000 images; the MNIST training set has 60,000"
    ):
        load_mnist(tmp_path)
    with pytest.raises(DatasetError, match="holds 60,000 images; the MNIST test set has 10,000"):
        mnist.load_test_split(tmp_path)


def test_a_raw_file_and_its_gz_that_disagree(tmp_path):
    arrays = tiny_set()
    write_set(tmp_path, arrays)
    other = arrays[TEST_LABELS].copy()
    other[0] = (other[0] + 1) % 10
    (tmp_path / TEST_LABELS).write_bytes(idx_bytes(other))
    with pytest.raises(DatasetError, match=f"{TEST_LABELS} and {TEST_LABELS}.gz in .* hold"):
        load_mnist(tmp_path, counts=None)
    (tmp_path / TEST_LABELS).write_bytes(idx_bytes(arrays[TEST_LABELS]))  # agreeing: fine
    assert load_mnist(tmp_path, counts=None).test_labels.tolist() == arrays[TEST_LABELS].tolist()


def test_a_data_path_that_is_a_file(tmp_path):
    path = tmp_path / "mnist.zip"
    path.write_bytes(b"PK")
    with pytest.raises(DatasetError, match="mnist.zip is a file, not a folder"):
        load_mnist(path)


def test_a_fifo_in_the_folder_is_missing_not_a_hang(tmp_path):
    write_set(tmp_path, tiny_set())
    (tmp_path / f"{TEST_LABELS}.gz").unlink()
    special_file("fifo", tmp_path / f"{TEST_LABELS}.gz")
    with pytest.raises(DatasetError, match=f"{TEST_LABELS}.gz is missing"):
        load_mnist(tmp_path, counts=None)
    with pytest.raises(DatasetError, match="it is a device or a pipe"):
        idx.read_idx(tmp_path / f"{TEST_LABELS}.gz")


def test_fetch_alone_respects_its_cap(hostile):
    server, _, url, _ = hostile
    body = server.files[f"/mnist/{TEST_LABELS}.gz"]
    assert download.fetch(url + f"{TEST_LABELS}.gz", max_bytes=len(body)) == body
    with pytest.raises(download.DownloadError, match="announces"):
        download.fetch(url + f"{TEST_LABELS}.gz", max_bytes=len(body) - 1)


def test_all_names_have_sizes():
    assert set(SIZES) == set(mnist.FILE_NAMES)
