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
    notices: list[tuple[str, str]] = field(default_factory=list)  # (path, note), e.g. encoding
    unindexed: list[str] = field(default_factory=list)  # paths given that gave no document


# Kazakh letters that only a Kazakh code page writes: cp1251 has no ә ғ қ ң ө ұ ү һ і,
# and the same bytes decode there to other signs (Ђ, ќ, ў …).
_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_LEGACY_ENCODINGS = (
    "cp1251",
    "kz1048",
    "ptcp154",
    "cp866",
    "koi8_r",
    "mac_cyrillic",
    "iso8859_5",
    "cp1252",
    "latin_1",
)
_ENCODING_NAMES = {
    "cp1251": "cp1251 (Windows Cyrillic)",
    "kz1048": "RK1048 (Kazakh Windows)",
    "ptcp154": "PT154 (Kazakh/Cyrillic Asian)",
    "cp866": "cp866 (DOS Cyrillic)",
    "koi8_r": "KOI8-R",
}


def _decode(data: bytes) -> tuple[str, str]:
    """The text of `data` and the encoding used ("" for UTF-8 or UTF-16 with a BOM).

    Anything else is detected with charset-normalizer; between the Cyrillic Windows
    code pages, the reading with more Kazakh letters wins (RK1048 over cp1251).
    """
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data.decode(encoding), ""
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ValueError("not text (binary data)")
    from charset_normalizer import from_bytes

    # Only the code pages Kazakh, Russian and English text is found in: a short file
    # fits many others (Urdu, UTF-16 without a byte-order mark) by chance.
    best = from_bytes(data, cp_isolation=list(_LEGACY_ENCODINGS)).best()
    if best is None:
        raise ValueError("not text: binary data or an unknown encoding")
    encoding = best.encoding
    if encoding in ("cp1251", "kz1048", "ptcp154"):
        readings = {}
        for candidate in ("cp1251", "kz1048"):  # a tie (no Kazakh letter) is cp1251
            try:
                readings[candidate] = data.decode(candidate)
            except UnicodeDecodeError:
                continue
        encoding = max(
            readings, key=lambda e: sum(c in _KAZAKH_LETTERS for c in readings[e]), default=encoding
        )
    return data.decode(encoding), encoding


def _read_text_with_encoding(path: Path) -> tuple[str, str]:
    return _decode(path.read_bytes())


def _read_text(path: Path) -> str:
    return _decode(path.read_bytes())[0]


def describe_encoding(encoding: str) -> str:
    return _ENCODING_NAMES.get(encoding, encoding)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    pages = [page.extract_text() or "" for page in reader.pages]
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise ValueError("the PDF has no text layer (scanned images need OCR first)")
    return text


def _read_docx(path: Path) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError("not a valid .docx file (not a Word document, or damaged)") from exc
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
    return _read_document(path, doc_id)[0]


def _read_document(path: Path, doc_id: str | None = None) -> tuple[Document, str]:
    """The Document of one file, and the encoding its text was read in ("" for UTF)."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"unsupported file type '{path.suffix or '(none)'}'")
    encoding = ""
    try:
        if reader is _read_text:
            text, encoding = _read_text_with_encoding(path)
        else:
            text = reader(path)
    except ValueError:
        raise
    except Exception as exc:  # readers raise many kinds of errors on broken files
        raise ValueError(f"unreadable: {exc}") from exc
    if not text.strip():
        raise ValueError("empty file")
    document = Document(
        id=doc_id or slugify(path.stem),
        title=_guess_title(text, path.stem),
        origin=path.name,
        text=text,
        path=str(path),
        script=_detect_script(text),
    )
    return document, encoding


def manifest_collection(folder: Path) -> str:
    """The collection name a corpus manifest gives (`collection = "…"`), else the folder's."""
    try:
        data = tomllib.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        name = str(data.get("collection", "")).strip()
    except (OSError, tomllib.TOMLDecodeError):
        name = ""
    return name or slugify(folder.name)


def default_collection_name(paths: Iterable[str | Path]) -> str:
    """The collection name for files added without --collection: the first path's folder
    or file name (a corpus folder's manifest may name it)."""
    for path in paths:
        path = Path(path).expanduser()
        if path.is_dir() and (path / MANIFEST_NAME).is_file():
            return manifest_collection(path)
        return slugify(path.name if path.is_dir() else path.stem)
    return "documents"


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
        before = len(report.documents)
        _load_path(path, add, report)
        if len(report.documents) == before:
            report.unindexed.append(str(path))
    return report


def _load_path(path: Path, add: Callable[[Document], None], report: LoadReport) -> None:
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


def _add_file(path: Path, add: Callable[[Document], None], report: LoadReport) -> None:
    try:
        document, encoding = _read_document(path)
    except (OSError, ValueError) as exc:
        report.skipped.append((str(path), str(exc)))
        return
    add(document)
    if encoding:
        report.notices.append((str(path), f"read as {describe_encoding(encoding)} text"))


def load_sources(sources: Iterable[str | Path] = ()) -> LoadReport:
    """Documents from the given paths, or the shipped corpus when none are given."""
    sources = list(sources)
    return load_paths(Path(s) for s in sources) if sources else load_manifest_corpus()
