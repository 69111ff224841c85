"""Installed from its wheel, ConvLens works from any folder and owns one top-level name.

The wheel test builds the wheel from a copy of the checkout, installs it into a new virtual
environment and runs ``convlens predict`` there from another folder. The new environment
borrows this one's dependencies through a .pth file rather than installing PyTorch again;
deselect it with ``-m 'not wheel'``.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
import torch
from convlens.engine.images import load_digit
from convlens.engine.model_file import load_model
from convlens.engine.network import predict
from convlens.engine.shipped import DEFAULT_MODEL
from PIL import Image, ImageDraw

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
# Never part of the package (and nothing built or cached here goes into the copy either).
NOT_SHIPPED = ("tests", "benchmarks", "docs")
SKIP_COPY = (".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".git", "shots")


def package_folders() -> set[str]:
    """The packages that the checkout's engine/ and gui/ folders hold, as dotted names."""
    folders = {p.parent for top in ("engine", "gui") for p in (ROOT / top).rglob("*.py")}
    return {".".join(("convlens", *f.relative_to(ROOT).parts)) for f in folders}


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == {"convlens", *package_folders()}, (
        "list every package under engine/ and gui/ in pyproject.toml's [tool.setuptools] packages"
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(ROOT, source, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*SKIP_COPY))
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source],
        check=True,
        capture_output=True,
    )
    [built] = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with the wheel installed, and this environment's
    site-packages after its own (a .pth file), for PyTorch, Qt and the rest."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel],
        check=True,
        capture_output=True,
    )
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip())
    ours = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (site / "borrowed.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    return venv


def in_venv(venv, program, *args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    folder = venv / ("Scripts" if os.name == "nt" else "bin")
    return subprocess.run(
        [folder / program, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.wheel
def test_the_wheel_holds_the_package_alone(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    info = f"convlens-{VERSION}.dist-info/"
    assert all(n.startswith(("convlens/", info)) for n in names), "one top-level name only"
    assert not [n for n in names if any(f"/{part}/" in n for part in NOT_SHIPPED)]
    modules = {n for n in names if n.endswith(".py")}
    checkout = {
        "convlens/" + p.relative_to(ROOT).as_posix()
        for top in ("engine", "gui")
        for p in (ROOT / top).rglob("*.py")
    }
    assert modules == {"convlens/__init__.py", "convlens/main.py", *checkout}
    assert "convlens/resources/default.safetensors" in names
    samples = sorted(p.name for p in (ROOT / "resources" / "samples").glob("*.png"))
    assert sorted(n.split("/")[-1] for n in names if "/samples/" in n) == samples
    metadata = zipfile.ZipFile(wheel).read(info + "METADATA").decode()
    assert "License-Expression: MIT" in metadata.splitlines()
    assert info + "licenses/LICENSE" in names
    entry_points = zipfile.ZipFile(wheel).read(info + "entry_points.txt").decode()
    assert "convlens = convlens.main:main" in entry_points.splitlines()


@pytest.mark.wheel
def test_installed_convlens_predicts_from_any_folder(venv, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    image = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(image).line([(100, 30), (100, 170)], fill=0, width=18)  # a "1"
    image.save(elsewhere / "one.png")

    info = in_venv(venv, "convlens", "--info", cwd=elsewhere)
    assert info.returncode == 0, info.stderr
    name, package = info.stdout.splitlines()[0].split(" (")  # "ConvLens 0.1.0 (/its/folder)"
    assert name == f"ConvLens {VERSION}"  # the wheel's metadata
    assert Path(package[:-1]).is_relative_to(venv), "the wheel's convlens, not the checkout's"

    result = in_venv(venv, "convlens", "predict", "one.png", "--json", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    checkout_model, _ = load_model(DEFAULT_MODEL)
    expected = predict(checkout_model, torch.from_numpy(load_digit(elsewhere / "one.png"))[None])
    assert verdict["digit"] == 1 == int(expected[0].argmax())
    assert verdict["probs"] == pytest.approx(expected[0].tolist(), abs=1e-6)
