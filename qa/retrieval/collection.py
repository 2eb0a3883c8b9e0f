"""Collections: the named groups of documents one index holds.

The shipped corpus is one collection (its name comes from its manifest.toml, "oic");
each `kenes index add PATH…` adds or extends another. An index records, per collection,
the paths it was read from and the documents removed by hand, so that re-reading the
sources finds the same documents again.

A source that has gone (moved, deleted, unreadable) never breaks search: its documents
are kept from the index's own copy (documents.jsonl) and reported as missing.

Every change to an index folder happens under its lock (`index_lock`), after checking
that the folder is writable, so two runs never lose each other's documents.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import settings
from qa.retrieval.corpus import (
    CorpusError,
    LoadReport,
    default_collection_name,
    load_sources,
    manifest_collection,
)
from qa.types import Document

if TYPE_CHECKING:
    from qa.retrieval.index import Index, Progress

LOCK_NAME = ".lock"


@dataclass
class Collection:
    name: str
    sources: list[str] = field(default_factory=list)  # paths; empty: the default corpus
    excluded: list[str] = field(default_factory=list)  # paths (or ids) removed by hand

    def excludes(self, document: Document) -> bool:
        return document.path in self.excluded or document.id in self.excluded


def default_corpus_name() -> str:
    """The shipped (KENES_CORPUS) corpus's collection name, from its manifest."""
    return manifest_collection(settings().corpus_dir)


def recorded_collections(
    rows: Sequence[dict[str, Any]], sources: Sequence[str]
) -> list[Collection]:
    """An index's collections; an index written before collections has one, named after
    its sources (or the shipped corpus when it had none)."""
    if rows:
        return [Collection(**{**row, "name": str(row["name"])}) for row in rows]
    name = default_collection_name(sources) if sources else default_corpus_name()
    return [Collection(name, list(sources))]


def missing_documents(documents: Sequence[Document]) -> list[Document]:
    """Documents whose source file is gone (moved or deleted) since indexing."""
    return [d for d in documents if d.path and not Path(d.path).exists()]


# ------------------------------------------------------------------ locking
def check_writable(folder: Path) -> None:
    """Fail now, with the folder named, if the index cannot be written there.

    Tries what a build does (create the folder, write and remove a file) rather than
    asking os.access, which says yes to root whatever the permissions or the mount.
    """
    from qa.retrieval.index import IndexNotWritable

    probe = folder / f".write-test-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise IndexNotWritable(
            f"Cannot write the index folder {folder} ({reason}). Choose a writable folder "
            "with --index DIR (or KENES_INDEX)."
        ) from None


def is_writable(folder: Path) -> bool:
    from qa.retrieval.index import IndexNotWritable

    try:
        check_writable(folder)
    except IndexNotWritable:
        return False
    return True


@contextlib.contextmanager
def index_lock(folder: Path) -> Iterator[None]:
    """Hold the index folder's lock; a second run waits KENES_INDEX_LOCK_TIMEOUT seconds,
    then fails with IndexBusy. Re-entrant within one process."""
    from filelock import FileLock, Timeout

    from qa.retrieval.index import IndexBusy

    check_writable(folder)
    timeout = settings().lock_timeout
    lock = FileLock(str(folder / LOCK_NAME), timeout=timeout, is_singleton=True)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusy(
            f"Another Kenes run is updating the index at {folder} (still busy after "
            f"{timeout:g} s); try again when it has finished."
        ) from None
    try:
        yield
    finally:
        lock.release()


# --------------------------------------------------------------- gathering
@dataclass
class Gathered:
    """The documents of every collection, read afresh where their sources allow."""

    documents: list[Document] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)
    kept: list[Document] = field(default_factory=list)  # from the index: source gone

    def notices(self) -> list[str]:
        missing = missing_documents(self.kept)
        if not missing:
            return []
        names = "; ".join(f"{d.title} ({d.path})" for d in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        return [
            f"{len(missing)} indexed source(s) are gone (moved or deleted): {names}{more}. "
            "Their indexed text is still searched; `kenes index list` shows them, "
            "`kenes index remove NAME` drops them."
        ]


def gather(collections: Sequence[Collection], stored: Sequence[Document] = ()) -> Gathered:
    """Read every collection's sources; keep the stored copy of a document whose source
    cannot be read any more. Document ids are made unique across collections."""
    result = Gathered()
    by_collection: dict[str, list[Document]] = {}
    for document in stored:
        by_collection.setdefault(document.collection, []).append(document)
    seen: set[str] = set()
    for collection in collections:
        try:
            report = load_sources(collection.sources)
        except CorpusError as exc:  # the default corpus folder is gone or broken
            if not by_collection.get(collection.name):
                raise  # nothing indexed to fall back on: say what is wrong
            report = LoadReport(skipped=[(str(settings().corpus_dir), str(exc))])
        result.report.skipped.extend(report.skipped)
        result.report.notices.extend(report.notices)
        fresh = [
            replace(d, collection=collection.name)
            for d in report.documents
            if not collection.excludes(d)
        ]
        # The default corpus is matched by id (its folder may move with Kenes), files by path.
        by_id = not collection.sources
        read = {d.id if by_id else d.path for d in fresh}
        kept = [
            d
            for d in by_collection.get(collection.name, [])
            if (d.id if by_id else d.path) not in read and not collection.excludes(d)
        ]
        result.kept.extend(kept)
        for document in [*fresh, *kept]:
            doc_id, n = document.id, 2
            while doc_id in seen:
                doc_id, n = f"{document.id}-{n}", n + 1
            seen.add(doc_id)
            result.documents.append(
                document if doc_id == document.id else replace(document, id=doc_id)
            )
    return result


# ---------------------------------------------------------------- updating
@dataclass
class State:
    index: Index | None
    collections: list[Collection]
    stored: list[Document]


def read_state(folder: Path, *, embedder: Any = None, damaged_ok: bool = False) -> State:
    """What the index folder holds now. A mismatched (or, with `damaged_ok`, damaged)
    index is read leniently: its collections and stored documents, to rebuild from."""
    from qa.retrieval.index import Index, IndexCorrupt, IndexMismatch, IndexMissing

    lenient: tuple[type[Exception], ...] = (
        (IndexMismatch, IndexCorrupt) if damaged_ok else (IndexMismatch,)
    )
    try:
        index = Index.open(folder, embedder=embedder)
    except IndexMissing:
        return State(None, [], [])
    except lenient:
        return _lenient_state(folder)
    return State(index, list(index.collections), list(index.documents.values()))


def _lenient_state(folder: Path) -> State:
    from qa.retrieval.index import IndexProblem, current_generation
    from qa.retrieval.stored_rows import StoredDocuments

    try:
        generation = current_generation(folder)
        data = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
        collections = recorded_collections(data.get("collections", []), data.get("sources", []))
    except (IndexProblem, OSError, ValueError, KeyError, TypeError):
        return State(None, [], [])
    try:
        stored = list(StoredDocuments(generation / "documents.jsonl", "").values())
    except (OSError, ValueError, TypeError):
        stored = []
    unnamed = collections[0].name
    stored = [d if d.collection else replace(d, collection=unnamed) for d in stored]
    return State(None, collections, stored)


Change = Callable[[list[Collection], list[Document]], list[Collection]]


def update_index(
    folder: Path | None = None,
    *,
    change: Change | None = None,
    force: bool = True,
    damaged_ok: bool = True,
    model: str | None = None,
    embedder: Any = None,
    faiss_kind: str | None = None,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
    build_options: dict[str, Any] | None = None,
) -> tuple[Index, Gathered]:
    """Under the folder's lock: read its collections, apply `change`, re-read the sources
    and build a new generation (only new or changed passages are embedded).

    A new index starts with the default corpus. Without `force` and `change`, an index
    whose documents are unchanged is returned as it is.
    """
    from qa.retrieval.index import Index, write_failed

    folder = Path(folder or settings().index_dir)
    say = notify or (lambda message: None)
    with index_lock(folder):
        state = read_state(folder, embedder=embedder, damaged_ok=damaged_ok)
        collections = state.collections or [Collection(default_corpus_name())]
        if change is not None:
            collections = change(collections, state.stored)
        gathered = gather(collections, state.stored)
        for notice in gathered.notices():
            say(notice)
        index = state.index
        if index is not None and not force and change is None:
            from qa.retrieval.index import corpus_fingerprint

            if corpus_fingerprint(gathered.documents) == index.manifest.corpus_fingerprint:
                return index, gathered
            say("The documents changed since the last indexing run: updating the index.")
        if not gathered.documents:
            raise ValueError("nothing to index: no readable documents")
        if embedder is None and model is None and index is not None:
            # Keep the index's model and embedder backend unless told otherwise, so that
            # the passages already embedded are reused, not embedded again.
            from qa.retrieval.ingest import load_index_embedder

            model = index.manifest.model
            backend = index.manifest.storage.get("embedder", "torch")
            embedder = load_index_embedder(model, backend=backend)
        kind = faiss_kind  # None: the builder's default
        sources = [s for c in collections for s in c.sources]
        try:
            built = Index.build(
                gathered.documents,
                folder,
                model=model,
                embedder=embedder,
                sources=sources,
                collections=[asdict(c) for c in collections],
                progress=progress,
                **({"faiss_kind": kind} if kind else {}),
                **(build_options or {}),
            )
        except OSError as exc:  # e.g. the disk filled up while embedding batches were saved
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                raise
            raise write_failed(folder, exc) from None
        return built, gathered


# ------------------------------------------------------- changes to collections
def adding(paths: Sequence[str], name: str) -> Change:
    """Add `paths` to collection `name` (created when new; removed documents come back)."""

    def change(collections: list[Collection], stored: list[Document]) -> list[Collection]:
        collections = [replace(c) for c in collections]
        target = next((c for c in collections if c.name == name), None)
        if target is None:
            collections.append(Collection(name, list(paths)))
            return collections
        if not target.sources:
            raise ValueError(
                f"'{name}' is the default corpus collection; add your files under another "
                "name (--collection NAME)"
            )
        target.sources = list(dict.fromkeys([*target.sources, *paths]))
        target.excluded = [e for e in target.excluded if not any(_under(e, Path(p)) for p in paths)]
        return collections

    return change


def _under(path: str, folder: Path) -> bool:
    try:
        return Path(path).is_relative_to(folder)
    except ValueError:
        return False


def removing(target: str) -> Change:
    """Remove collection `target`, or the one document it names (id, file name, path or
    title)."""

    def change(collections: list[Collection], stored: list[Document]) -> list[Collection]:
        names = [c.name for c in collections]
        if target in names:
            if len(collections) == 1:
                raise ValueError(
                    f"'{target}' is the index's only collection; delete the index folder "
                    "instead, or add another collection first"
                )
            return [c for c in collections if c.name != target]
        matches = [
            d
            for d in stored
            if target in (d.id, d.origin, d.title, d.path)
            or (d.path and Path(d.path).name == target)
            or _same_path(target, d.path)
        ]
        if not matches:
            raise ValueError(
                f"no collection or document '{target}' in the index: collections are "
                f"{', '.join(names)} (see `kenes index list`)"
            )
        if len({d.id for d in matches}) > 1:
            found = ", ".join(f"{d.id} ({d.collection})" for d in matches[:6])
            raise ValueError(f"'{target}' names several documents ({found}): give its id")
        document = matches[0]
        collections = [replace(c) for c in collections]
        owner = next(c for c in collections if c.name == document.collection)
        owner.excluded = [*owner.excluded, document.id if not owner.sources else document.path]
        return collections

    return change


def _same_path(given: str, path: str) -> bool:
    if not path:
        return False
    with contextlib.suppress(OSError, ValueError):
        return Path(given).expanduser().resolve() == Path(path).resolve()
    return False
