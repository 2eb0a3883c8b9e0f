"""The FAISS vector store: inner product over L2-normalised vectors (= cosine).

`flat` is exact and right for small corpora; `hnsw` and `ivf` trade a little recall
for speed on large ones (IVF needs enough vectors to train its clusters, so it falls
back to flat below that).
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

FAISS_KINDS = ("flat", "hnsw", "ivf")
_IVF_MIN_VECTORS = 4096


class VectorStore:
    def __init__(self, index: faiss.Index, kind: str) -> None:
        self.index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat") -> VectorStore:
        if kind not in FAISS_KINDS:
            raise ValueError(f"unknown FAISS index kind '{kind}': choose {', '.join(FAISS_KINDS)}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = 128
        elif kind == "ivf" and len(vectors) >= _IVF_MIN_VECTORS:
            nlist = int(4 * np.sqrt(len(vectors)))
            index = faiss.IndexIVFFlat(
                faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT
            )
            index.train(vectors)
            index.nprobe = max(8, nlist // 16)
        else:
            kind = "flat" if kind == "ivf" else kind
            index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return cls(index, kind)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str) -> VectorStore:
        return cls(faiss.read_index(str(path)), kind)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, positions) of the k nearest vectors; positions -1 are padding."""
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, positions = self.index.search(query, min(k, self.size))
        return scores[0], positions[0]
