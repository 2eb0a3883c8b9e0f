"""A non-editable install works outside the repository.

The wheel is built from this checkout and installed into a folder of its own; a
question asked from a directory outside the repository is answered from the corpus and
prompts the wheel carries (package data), not from the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kenes installed (not editable) into a target folder, from a wheel of this checkout."""
    wheels = tmp_path_factory.mktemp("wheel")
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(wheels.glob("kenes-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    return target


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(installed),  # ahead of the editable checkout on sys.path
        "KENES_DATA_DIR": str(cwd / "data"),
        "HF_HUB_OFFLINE": "1",
    }
    for name in ("KENES_CORPUS", "KENES_PROMPTS", "KENES_INDEX"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_wheel_carries_the_corpus_prompts_and_glossary(installed: Path, tmp_path: Path):
    code = (
        "import json, qa, qa.config as c; s = c.settings(); "
        "print(json.dumps([qa.__file__, str(s.corpus_dir), str(s.prompts_dir)]))"
    )
    result = _run(installed, tmp_path, "-c", code)
    assert result.returncode == 0, result.stderr
    module, corpus, prompts = json.loads(result.stdout)
    for path in (module, corpus, prompts):
        assert Path(path).is_relative_to(installed), path
    assert (Path(corpus) / "manifest.toml").is_file()
    assert (Path(corpus) / "gold.jsonl").is_file()
    assert (Path(prompts) / "system.md").is_file()
    assert (installed / "qa" / "text" / "data" / "glossary.tsv").is_file()
    assert (installed / "qa" / "tui" / "kenes.tcss").is_file()


def test_a_non_editable_install_answers_from_outside_the_repository(
    installed: Path, tmp_path: Path
):
    question = "Сомалиге қанша көмек жиналды?"
    result = _run(installed, tmp_path, "-m", "qa.cli", "ask", question, "--llm", "extractive")
    assert result.returncode == 0, result.stderr
    assert "[1]" in result.stdout
    assert "350" in result.stdout
