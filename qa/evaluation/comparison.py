"""`--compare`: several configurations evaluated on the same questions, side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import DEFAULT_ANSWER_K, DEFAULT_COMPOSE, DEFAULT_LLM, DEFAULT_MODE
from qa.evaluation.chart import plot_comparison
from qa.evaluation.corpora import Progress, _slug, index_with_model
from qa.evaluation.report import write_report, write_rows
from qa.evaluation.runner import _base_index, _questions, _run_questions, _settings
from qa.evaluation.scorecard import Scorecard
from qa.retrieval.index import Index

if TYPE_CHECKING:
    from qa.answering.backends import Backend


COMPARE_KEYS = ("mode", "llm", "model", "k", "retrieval_k", "compose")


def parse_compare(spec: str) -> list[dict[str, str]]:
    """`mode=dense,mode=bm25` → one dict of settings per configuration.

    Configurations are separated by commas; one configuration may change several
    settings joined with `+` (`mode=dense+k=6`). Keys: mode, llm, model, k, retrieval_k,
    compose.
    """
    configs: list[dict[str, str]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        settings: dict[str, str] = {}
        for setting in part.split("+"):
            key, sep, value = setting.partition("=")
            key = key.strip().lower().replace("-", "_")
            if not sep or key not in COMPARE_KEYS or not value.strip():
                raise ValueError(
                    f"cannot read {setting!r} in --compare: write KEY=VALUE with KEY one of "
                    f"{', '.join(COMPARE_KEYS)} (e.g. mode=dense,mode=hybrid)"
                )
            if key in ("k", "retrieval_k") and not value.strip().isdigit():
                raise ValueError(f"{key} in --compare must be a whole number, not {value!r}")
            settings[key] = value.strip()
        configs.append(settings)
    if not configs:
        raise ValueError("--compare needs at least one configuration, e.g. mode=dense,mode=hybrid")
    return configs


def config_label(config: Mapping[str, str]) -> str:
    return "+".join(f"{key}={value}" for key, value in config.items())


def compare(
    configs: Sequence[Mapping[str, str]],
    gold: Path | None = None,
    *,
    index: Index | None = None,
    index_dir: Path | None = None,
    corpus: Path | None = None,
    llm: str | Backend = DEFAULT_LLM,
    mode: str = DEFAULT_MODE,
    k: int = DEFAULT_ANSWER_K,
    retrieval_k: int = 10,
    compose: str = DEFAULT_COMPOSE,
    out: Path | None = None,
    report: Path | None = None,
    chart: Path | None = None,
    progress: Progress | None = None,
    retrieval_only: bool = False,
    limit: int | None = None,
    embedder: Any = None,
    split: str = "all",
    reader: bool = False,
) -> list[Scorecard]:
    """Evaluate several configurations on the same questions (see `parse_compare`).

    Each `out`/`report` file is written once per configuration, its name suffixed by
    the configuration's label; `chart` gets a bar chart of the main metrics.
    """
    gold_path, questions = _questions(gold, limit, split, reader)
    cards: list[Scorecard] = []
    with _base_index(index, index_dir, corpus, None, embedder, progress) as base:
        indexes: dict[str, Index] = {}
        for config in configs:
            label = config_label(config)
            run_index = base
            if config.get("model"):
                name = config["model"]
                if name not in indexes:
                    indexes[name] = index_with_model(base, name, progress=progress)
                run_index = indexes[name]
            run_llm: str | Backend = config.get("llm", llm)
            settings = _settings(
                gold_path,
                corpus,
                run_llm,
                config.get("mode", mode),
                int(config.get("k", k)),
                int(config.get("retrieval_k", retrieval_k)),
                retrieval_only,
                config.get("compose", compose),
                split,
                reader,
            )
            card = _run_questions(
                run_index, questions, label=label, settings=settings, llm=run_llm, progress=progress
            )
            cards.append(card)
            if out:
                write_rows(card, _suffixed(out, label))
            if report:
                write_report(card, _suffixed(report, label))
    if chart:
        plot_comparison(cards, chart)
    return cards


def _suffixed(path: Path, label: str) -> Path:
    path = Path(path)
    return path.with_name(f"{path.stem}.{_slug(label.replace('=', '-'))}{path.suffix}")
