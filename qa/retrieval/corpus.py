"""Documents in: the shipped corpus (with its manifest) and the user's own files.

Readers are per file type; anything unknown or unreadable is reported and skipped,
never fatal, so one bad file does not stop an indexing run.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import settings
from qa.types import Document

MANIFEST_NAME = "manifest.toml"


class CorpusError(RuntimeError):
    """The corpus cannot be read (missing folder, broken manifest)."""


@dataclass
class LoadReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 (or UTF-16 with a byte-order mark) text") from None


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    pages = [page.extract_text() or "" for page in reader.pages]
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ValueError("the PDF has no text layer (scanned images need OCR first)")
    return text


def _read_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    return "\n\n".join(p.text for p in document.paragraphs if p.text.strip())


READERS: dict[str, Callable[[Path], str]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".markdown": _read_text,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name)
    slug = re.sub(r"[^\w]+", "-", ascii_name.lower(), flags=re.UNICODE).strip("-")
    return slug or "document"


def _guess_title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line.startswith("date "):  # web scrapes carry a "date YYYY-MM" prefix
            line = re.sub(r"^date \S+\s*", "", line)
        if len(line) > 3:
            return line[:120]
    return fallback


def _detect_script(text: str) -> str:
    arabic = sum(1 for c in text if "\u0600" <= c <= "\u06ff")
    letters = sum(1 for c in text if c.isalpha()) or 1
    return "Arab" if arabic / letters > 0.5 else "Cyrl"


def read_file(path: Path, doc_id: str | None = None) -> Document:
    """Read one file into a Document; raises ValueError with a readable reason."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"unsupported file type '{path.suffix or '(none)'}'")
    try:
        text = reader(path)
    except ValueError:
        raise
    except Exception as exc:  # readers raise many kinds of errors on broken files
        raise ValueError(f"unreadable: {exc}") from exc
    if not text.strip():
        raise ValueError("empty file")
    return Document(
        id=doc_id or slugify(path.stem),
        title=_guess_title(text, path.stem),
        origin=path.name,
        text=text,
        path=str(path),
        script=_detect_script(text),
    )


def load_manifest_corpus(folder: Path | None = None) -> LoadReport:
    """The documents listed in `folder/manifest.toml` (the shipped corpus by default)."""
    folder = folder or settings().corpus_dir
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        raise CorpusError(f"no {MANIFEST_NAME} in {folder}")
    try:
        entries = tomllib.loads(manifest.read_text(encoding="utf-8"))["documents"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise CorpusError(f"{manifest} is not a valid corpus manifest: {exc}") from exc
    report = LoadReport()
    for entry in entries:
        path = folder / entry["file"]
        try:
            text = _read_text(path)
        except (OSError, ValueError) as exc:
            report.skipped.append((str(path), str(exc)))
            continue
        report.documents.append(
            Document(
                id=entry["id"],
                title=entry["title"],
                origin=entry["origin"],
                text=text,
                path=str(path),
                authors=tuple(entry.get("authors", ())),
                publisher=entry.get("publisher", ""),
                date=str(entry.get("date", "")),
                language=entry.get("language", "kk"),
                script=entry.get("script", "Cyrl"),
            )
        )
    return report


def load_paths(paths: Iterable[Path]) -> LoadReport:
    """The user's own files and folders (folders are walked recursively).

    A folder that holds a manifest.toml is read through its manifest.
    """
    report = LoadReport()
    seen_ids: set[str] = set()

    def add(document: Document) -> None:
        doc_id, n = document.id, 2
        while doc_id in seen_ids:  # same file name in two folders
            doc_id, n = f"{document.id}-{n}", n + 1
        seen_ids.add(doc_id)
        if doc_id != document.id:
            document = Document(**{**document.__dict__, "id": doc_id})
        report.documents.append(document)

    for path in paths:
        path = Path(path).expanduser()
        if not path.exists():
            report.skipped.append((str(path), "no such file or folder"))
        elif path.is_dir() and (path / MANIFEST_NAME).is_file():
            sub = load_manifest_corpus(path)
            for document in sub.documents:
                add(document)
            report.skipped.extend(sub.skipped)
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if file.name == MANIFEST_NAME or file.name.startswith("."):
                    continue
                _add_file(file, add, report)
        else:
            _add_file(path, add, report)
    return report


def _add_file(path: Path, add: Callable[[Document], None], report: LoadReport) -> None:
    try:
        add(read_file(path))
    except (OSError, ValueError) as exc:
        report.skipped.append((str(path), str(exc)))


def load_sources(sources: Iterable[str | Path] = ()) -> LoadReport:
    """Documents from the given paths, or the shipped corpus when none are given."""
    sources = list(sources)
    return load_paths(Path(s) for s in sources) if sources else load_manifest_corpus()
