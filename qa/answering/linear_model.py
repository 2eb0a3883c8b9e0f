"""A fitted linear scorer: standardised features, weights and a bias, read as a
probability. The evidence ranker and the span ranker are both one (their fitting is
scripts/pairwise.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    """p = sigmoid(((x - mean) / scale) @ weights + bias)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        if not len(features):
            return np.zeros(0)
        z = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def linear_json(self, version: int, features: tuple[str, ...]) -> dict[str, Any]:
        """The model file's common part: version, feature names, the linear scorer."""
        return {
            "version": version,
            "features": list(features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": self.weights.round(6).tolist(),
            "bias": round(self.bias, 6),
        }

    @staticmethod
    def fits(data: dict, version: int, features: tuple[str, ...]) -> bool:
        """Whether a model file was fitted for this version's features."""
        return data.get("version") == version and data.get("features") == list(features)

    @staticmethod
    def linear_fields(data: dict) -> dict[str, Any]:
        """The constructor arguments of the linear scorer read from a model file."""
        return {
            "mean": np.array(data["mean"]),
            "scale": np.array(data["scale"]),
            "weights": np.array(data["weights"]),
            "bias": float(data["bias"]),
        }


def read_model_file(name: str, what: str, script: str, error: type[Exception]) -> dict:
    """A model file shipped in qa/answering/data, or `error` naming the script that
    refits it."""
    source = resources.files("qa.answering") / "data" / name
    try:
        return json.loads(source.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise error(
            f"the {what} ({source}) is missing or unreadable: {exc}; "
            f"refit it with `python scripts/{script}`"
        ) from exc
