"""Reading documents: the shipped corpus, and the user's own files of every kind."""

import docx
import pytest

from qa.retrieval.corpus import (
    CorpusError,
    load_manifest_corpus,
    load_paths,
    load_sources,
    read_file,
)


def _write_pdf(path, text: str) -> None:
    """A one-page PDF with a real text layer (Helvetica; ASCII text)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))


def test_shipped_corpus_keeps_original_file_names():
    report = load_manifest_corpus()
    assert len(report.documents) == 5
    origins = {d.origin for d in report.documents}
    assert "002_333347ecba06a0a0.txt" in origins
    arabic = next(d for d in report.documents if d.origin == "002_333347ecba06a0a0.txt")
    assert arabic.script == "Arab"
    assert load_sources([]).documents == report.documents


def test_every_supported_file_type(tmp_path):
    (tmp_path / "a.txt").write_text("Қазақстан 1995 жылдан бері мүше.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Бітімгерлік\n\nUNIFIL миссиясы.", encoding="utf-8")
    word = docx.Document()
    word.add_paragraph("Астана 2011 жылы кеңесті өткізді.")
    word.save(tmp_path / "c.docx")
    _write_pdf(tmp_path / "d.pdf", "Kazakhstan chaired the OIC Council in 2011.")
    report = load_paths([tmp_path])
    texts = {d.origin: d.text for d in report.documents}
    assert set(texts) == {"a.txt", "b.md", "c.docx", "d.pdf"}
    assert "2011" in texts["c.docx"] and "chaired the OIC" in texts["d.pdf"]
    assert next(d for d in report.documents if d.origin == "b.md").title == "Бітімгерлік"
    assert not report.skipped


def test_unknown_and_broken_files_are_reported_not_fatal(tmp_path):
    (tmp_path / "good.txt").write_text("Мәтін бар.", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "broken.pdf").write_bytes(b"not a pdf at all")
    (tmp_path / "empty.txt").write_text("   ", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)))
    (tmp_path / "broken.docx").write_bytes(b"not a Word file")
    report = load_paths([tmp_path, tmp_path / "missing.docx", tmp_path / "image.png"])
    assert [d.origin for d in report.documents] == ["good.txt"]
    reasons = dict(report.skipped)
    assert "unsupported file type '.png'" in reasons[str(tmp_path / "image.png")]
    assert "unreadable" in reasons[str(tmp_path / "broken.pdf")]
    assert reasons[str(tmp_path / "empty.txt")] == "empty file"
    assert "not text" in reasons[str(tmp_path / "binary.txt")]
    assert reasons[str(tmp_path / "broken.docx")].startswith("not a valid .docx file")
    assert "Package not found" not in reasons[str(tmp_path / "broken.docx")]
    assert reasons[str(tmp_path / "missing.docx")] == "no such file or folder"
    # The given paths that gave no document: the folder gave one, these none.
    assert report.unindexed == [str(tmp_path / "missing.docx"), str(tmp_path / "image.png")]


KAZAKH = "Қазақстан Ислам ынтымақтастық ұйымына 1995 жылы мүше болды. Әр елдің үні бар."
RUSSIAN = "Казахстан вступил в Организацию исламского сотрудничества в 1995 году."


@pytest.mark.parametrize(
    ("text", "encoding", "named"),
    [(KAZAKH, "kz1048", "RK1048"), (RUSSIAN, "cp1251", "cp1251"), (KAZAKH, "utf-16", "")],
)
def test_windows_code_pages_are_read_and_named(tmp_path, text, encoding, named):
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(encoding))
    report = load_paths([path])
    assert not report.skipped
    assert [d.text for d in report.documents] == [text]
    if named:
        [(where, note)] = report.notices
        assert where == str(path) and note.startswith(f"read as {named}")
    else:
        assert report.notices == []  # UTF-16 with a byte-order mark needs no notice


def test_same_file_name_in_two_folders_gets_two_ids(tmp_path):
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(f"{folder} мәтін", encoding="utf-8")
    ids = [d.id for d in load_paths([tmp_path / "x", tmp_path / "y"]).documents]
    assert ids == ["notes", "notes-2"]


def test_broken_manifest_is_explained(tmp_path):
    (tmp_path / "manifest.toml").write_text("[[documents]\nid = ", encoding="utf-8")
    with pytest.raises(CorpusError, match="not a valid corpus manifest"):
        load_manifest_corpus(tmp_path)


def test_read_file_rejects_unknown_type(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(ValueError, match="unsupported"):
        read_file(path)
