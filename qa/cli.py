"""The `kenes` command line. Each command mirrors a function of the Python API."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from qa.config import DEFAULT_ANSWER_K, DEFAULT_COMPOSE, DEFAULT_LLM, DEFAULT_MODE, DEFAULT_SEARCH_K
from qa.errors import user_errors
from qa.types import Compose

CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    help="Kenes (кеңес): ask questions about Kazakh documents, answered with checked citations.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # one-line errors stay one line

LLM_KINDS = ("auto", "ollama", "llama-cpp", "extractive")
FaissKind = Literal["auto", "flat", "hnsw", "ivf"]


def _plain_help() -> None:
    """Typer 0.29's help shows "<bool>" beside a flag and "{question}" for a required
    argument; show flags bare and arguments in capitals, as click does."""
    from typer.core import TyperArgument, TyperOption

    display_type = TyperOption.display_type_rich

    def option_type(self: Any, ctx: Any) -> str | None:
        return None if getattr(self, "is_flag", False) else display_type(self, ctx)

    def argument_usage(self: Any) -> str:
        name = (self.metavar or self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    if hasattr(TyperOption, "display_type_rich"):
        TyperOption.display_type_rich = option_type
    if hasattr(TyperArgument, "_usage_display_name"):
        TyperArgument._usage_display_name = argument_usage


_plain_help()


def _check_llm(value: str) -> str:
    """`--llm` is checked before anything loads: auto, ollama[:MODEL], llama-cpp[:PATH]."""
    kind, _, arg = value.strip().partition(":")
    if kind.lower() not in LLM_KINDS or (arg and kind.lower() in ("auto", "extractive")):
        raise typer.BadParameter(
            f"'{value}' is not a language model: choose auto, ollama[:MODEL], "
            "llama-cpp[:PATH.gguf] or extractive"
        )
    return value


IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Index folder (default: the user data folder).")
]
Mode = Literal["hybrid", "dense", "bm25"]  # qa.retrieval.index.SEARCH_MODES (heavy import)
ModeOption = Annotated[Mode, typer.Option("--mode", help="Retrieval mode.")]
LlmOption = Annotated[
    str,
    typer.Option(
        "--llm",
        callback=_check_llm,
        metavar="auto|ollama[:MODEL]|llama-cpp[:PATH.gguf]|extractive",
        help="The language model.",
    ),
]
CollectionOption = Annotated[
    str | None,
    typer.Option(
        "--collection",
        "-c",
        help="Search only this collection (see `kenes index list`). Default: all.",
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Where dense vectors live: faiss (default) or milvus:URI (a milvus-lite "
        "folder ending in .db, or http://host:19530). Default: KENES_STORE.",
    ),
]
RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="Embed on Ray: 'local' (start one here), 'auto' (the running cluster) or "
        "an address such as ray://host:10001.",
    ),
]


def scale_build_options(store: str | None, ray: str | None) -> dict[str, Any]:
    """`Index.build` keyword arguments of `--store` and `--ray` (docs/scale.md)."""
    from qa.retrieval.ingest import parse_store

    if store is not None:
        parse_store(store)  # a wrong value fails before anything loads
    return {"store": store, "ray": ray}


ComposeOption = Annotated[
    Compose,
    typer.Option(
        "--compose",
        help="How the answer is written: generate (the model), quote (the best sentences, "
        "translated for ru/en), or auto (quote Kazakh answers when the model is the small "
        "embedded one).",
    ),
]


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Known problems become one clear line on stderr and exit code 1, never a traceback."""
    try:
        yield
    except KeyboardInterrupt:
        err.print("[yellow]Interrupted.[/]")
        raise typer.Exit(130) from None
    except user_errors() as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except (ValueError, FileNotFoundError) as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar fed by the index builder's (stage, done, total) reports."""
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=max(total, 1))
            progress.update(tasks[stage], completed=done, total=max(total, 1))

        yield report


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            console.print(f"kenes {version('kenes')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            console.print("kenes (not installed)")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """With no command, open the chat."""
    # Piped output is not wrapped at 80 columns: the reader's program wraps it.
    console.soft_wrap = not console.is_terminal
    if ctx.invoked_subcommand is None:
        ctx.invoke(chat)


class _IndexGroup(typer.core.TyperGroup):
    """`kenes index PATH…` is `kenes index add PATH…` (the form before collections)."""

    _VALUED = ("--index", "--model", "--faiss", "--store", "--ray", "--collection", "-c")

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        i = 0
        while i < len(args) and args[i].startswith("-"):
            i += 2 if args[i] in self._VALUED else 1
        if i < len(args) and args[i] not in self.commands:
            args = [*args[:i], "add", *args[i:]]
        return super().parse_args(ctx, args)


index_app = typer.Typer(
    cls=_IndexGroup,
    invoke_without_command=True,
    context_settings=CONTEXT,
    help="Build or update the index, manage its collections (add, list, remove), verify it.",
)
app.add_typer(index_app, name="index")

ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="Embedding model: a local folder or a cached hub id."),
]
FaissOption = Annotated[
    FaissKind | None,
    typer.Option("--faiss", help="Vector index: auto (flat below 50k passages), flat, hnsw, ivf."),
]


def _index_folder(ctx: typer.Context, index_dir: Path | None) -> Path:
    """--index given to the subcommand, else to `kenes index` itself, else the default."""
    from qa.config import settings

    parent = ctx.parent.params.get("index_dir") if ctx.parent else None
    return Path(index_dir or parent or settings().index_dir).expanduser()


def _print_load_report(report: Any) -> None:
    for path, reason in report.skipped:
        err.print(f"[yellow]Skipped[/] {escape(path)}: {escape(reason)}")
    for path, note in report.notices:
        err.print(f"[dim]{escape(path)}: {escape(note)}[/]")


def _run_update(folder: Path, **kwargs: Any) -> Any:
    from qa.retrieval.collection import update_index

    started = time.perf_counter()
    with progress_bar() as progress:
        built, gathered = update_index(folder, progress=progress, notify=_notice, **kwargs)
    _print_load_report(gathered.report)
    seconds = time.perf_counter() - started
    console.print(
        f"Indexed {built.describe()} in {seconds:.1f} s "
        f"({built.embedded_count} passages embedded, the rest reused) → {built.folder}"
    )
    return built


def _notice(message: str) -> None:
    err.print(f"[yellow]{escape(message)}[/]")


@index_app.callback()
def index(
    ctx: typer.Context,
    index_dir: IndexOption = None,
    model: ModelOption = None,
    faiss_kind: FaissOption = None,
    store: StoreOption = None,
    ray: RayOption = None,
) -> None:
    """Build or update the index: the shipped corpus and every collection added to it
    (only new or changed passages are embedded). `kenes index PATH…` adds files, as
    `kenes index add`."""
    if ctx.invoked_subcommand is not None:
        return
    from qa.retrieval.collection import Collection, default_corpus_name

    def with_default_corpus(collections: list[Any], stored: list[Any]) -> list[Any]:
        if any(not c.sources for c in collections):
            return collections
        return [Collection(default_corpus_name()), *collections]  # added back if removed

    with friendly_errors():
        folder = _index_folder(ctx, index_dir)
        _run_update(
            folder,
            change=with_default_corpus,
            model=model,
            faiss_kind=faiss_kind,
            build_options=scale_build_options(store, ray),
        )


@index_app.command("add")
def index_add(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders to add (.txt .md .pdf .docx).")
    ],
    collection: Annotated[
        str | None,
        typer.Option(
            "--collection",
            "-c",
            help="The collection to add them to (default: the first path's folder or file name).",
        ),
    ] = None,
    index_dir: IndexOption = None,
    model: ModelOption = None,
    faiss_kind: FaissOption = None,
    store: StoreOption = None,
    ray: RayOption = None,
) -> None:
    """Add files or folders to a collection of the index (the others are kept).

    Exits with 2 when a path given could not be indexed; the readable ones are still added.
    """
    from qa.retrieval.collection import adding
    from qa.retrieval.corpus import default_collection_name, load_sources

    with friendly_errors():
        folder = _index_folder(ctx, index_dir)
        sources = [str(p.expanduser().resolve()) for p in paths]
        name = (collection or default_collection_name(sources)).strip()
        if not name:
            raise ValueError("the collection name is empty")
        report = load_sources(sources)  # read first: nothing loads for unreadable input
        if not report.documents:
            _print_load_report(report)
            raise ValueError("no readable documents to index")
        built = _run_update(
            folder,
            change=adding(sources, name),
            model=model,
            faiss_kind=faiss_kind,
            build_options=scale_build_options(store, ray),
        )
        added = [d for d in built.documents.values() if d.collection == name]
        console.print(f"Collection '{name}': {len(added)} documents.")
        if report.unindexed:
            err.print(
                f"[bold red]Error:[/] not indexed: {escape(', '.join(report.unindexed))} "
                "(see above); the other paths were indexed."
            )
            raise typer.Exit(2)


@index_app.command("list")
def index_list(
    ctx: typer.Context,
    index_dir: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the collections, their documents (titles, passages) and missing sources."""
    from qa.retrieval.collection import missing_documents
    from qa.retrieval.index import Index

    with friendly_errors():
        opened = Index.open(_index_folder(ctx, index_dir))
        counts: dict[str, int] = {}
        folded: dict[str, int] = {}
        for passage in opened.passages.values():
            counts[passage.doc_id] = counts.get(passage.doc_id, 0) + 1
            if passage.duplicate_of:
                folded[passage.doc_id] = folded.get(passage.doc_id, 0) + 1
        missing = {d.id for d in missing_documents(list(opened.documents.values()))}
        rows = []
        for collection in opened.collections:
            documents = [d for d in opened.documents.values() if d.collection == collection.name]
            rows.append(
                {
                    "name": collection.name,
                    "sources": collection.sources or ["the shipped corpus"],
                    "documents": [
                        {
                            "id": d.id,
                            "title": d.title,
                            "file": d.path or d.origin,
                            "passages": counts.get(d.id, 0),
                            "near_duplicates": folded.get(d.id, 0),
                            "missing": d.id in missing,
                        }
                        for d in documents
                    ],
                }
            )
        if as_json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        console.print(f"Index {opened.folder}: {opened.describe()}")
        for row in rows:
            documents = row["documents"]
            passages = sum(d["passages"] for d in documents)
            console.print(
                f"\n[bold]{escape(row['name'])}[/] — {len(documents)} documents, "
                f"{passages} passages [dim]({escape(', '.join(row['sources']))})[/]"
            )
            for d in documents:
                count = f"{d['passages']} passages"
                if d["near_duplicates"]:
                    count += f", {d['near_duplicates']} folded into another copy"
                console.print(f"  {escape(d['title'])} [dim]· {escape(d['id'])} · {count}[/]")
                if d["missing"]:
                    console.print(f"    [red]missing:[/] {escape(d['file'])}")
                else:
                    console.print(f"    [dim]{escape(d['file'])}[/]")
        if missing:
            _notice(
                f"{len(missing)} source(s) are missing; their indexed text is still searched. "
                "Remove one with: kenes index remove ID"
            )


@index_app.command("verify")
def index_verify(ctx: typer.Context, index_dir: IndexOption = None) -> None:
    """Check every byte of the index against its manifest's checksums (opening the index
    re-checks only files whose size or modification time changed)."""
    from qa.retrieval.index import Index

    with friendly_errors():
        started = time.perf_counter()
        opened = Index.open(_index_folder(ctx, index_dir), verify=True)
        files = [opened.generation / name for name in opened.manifest.files]
        size = sum(path.stat().st_size for path in files)
        console.print(
            f"The index at {opened.folder} is intact: {len(files)} files, "
            f"{size / 1e6:.1f} MB checked in {time.perf_counter() - started:.1f} s."
        )


@index_app.command("remove")
def index_remove(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="A collection name, or one document's id, file name, path or title.",
        ),
    ],
    index_dir: IndexOption = None,
) -> None:
    """Remove a collection, or one document, from the index (no file is deleted)."""
    from qa.retrieval.collection import removing

    with friendly_errors():
        _run_update(_index_folder(ctx, index_dir), change=removing(target))


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(metavar="QUERY", help="The question or keywords, in any script.")
    ],
    k: Annotated[int, typer.Option("-k", min=1, help="How many passages.")] = DEFAULT_SEARCH_K,
    mode: ModeOption = DEFAULT_MODE,
    collection: CollectionOption = None,
    index_dir: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the index and print the best passages."""
    from qa.retrieval.index import ensure_index

    with friendly_errors():
        with progress_bar() as progress:
            opened = ensure_index(index_dir, progress=progress, notify=_notice)
        results = opened.search(query, k=k, mode=mode, collection=collection)
        if as_json:
            print(json.dumps([p.to_dict() for p in results], ensure_ascii=False, indent=2))
            return
        if not results:
            console.print("No passage matches.")
        table = Table(show_lines=True)
        table.add_column("#", justify="right")
        table.add_column("score", justify="right")
        table.add_column("document")
        table.add_column("passage")
        for rank, passage in enumerate(results, 1):
            snippet = passage.text[:300] + ("…" if len(passage.text) > 300 else "")
            title = escape(passage.title) + _also_in(opened, passage)
            table.add_row(str(rank), f"{passage.score:.3f}", title, escape(snippet))
        console.print(table)


def _also_in(index: Any, passage: Any) -> str:
    """The other copies (a full and an abridged article) of a passage, by title."""
    titles = []
    for alternative in passage.alternatives:
        copy = index.passages.get(alternative)
        if copy is not None and copy.title != passage.title and copy.title not in titles:
            titles.append(copy.title)
    return "".join(f"\n    [dim]also in: {escape(t)}[/]" for t in titles)


def _hash_like(file_name: str) -> bool:
    """A file name such as 000_5d7aaecc78686823.txt says nothing to a reader."""
    import re

    return bool(re.fullmatch(r"[\w-]*[0-9a-f]{12,}[\w-]*(\.\w+)?", file_name))


@app.command()
def ask(
    question: Annotated[
        str,
        typer.Argument(
            metavar="QUESTION", help="The question: Kazakh (any script), Russian or English."
        ),
    ],
    llm: LlmOption = DEFAULT_LLM,
    k: Annotated[int, typer.Option("-k", min=1, help="Passages to retrieve.")] = DEFAULT_ANSWER_K,
    mode: ModeOption = DEFAULT_MODE,
    compose: ComposeOption = DEFAULT_COMPOSE,
    collection: CollectionOption = None,
    index_dir: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
) -> None:
    """Answer a question from the documents, streaming, then list the cited passages."""
    from qa.answering.assistant import Assistant
    from qa.retrieval.index import ensure_index
    from qa.retrieval.question import analyse_question
    from qa.types import Answer

    with friendly_errors():
        analyse_question(question)  # an empty question is refused before any model loads
        with progress_bar() as progress:
            opened = ensure_index(index_dir, progress=progress, notify=_notice)
        opened.check_collection(collection)  # before the language model loads
        assistant = Assistant(
            opened, llm=llm, k=k, mode=mode, compose=compose, collection=collection
        )
        for notice in assistant.notices:
            err.print(f"[yellow]{escape(notice)}[/]")
        if not as_json:
            err.print(f"[dim]{assistant.backend.name} · {escape(assistant.backend.model)}[/]")
        answer = None
        marks = _MarkNumbers()
        # A quoted answer comes whole at the end: shown after its short answer. A written
        # one streams as the model writes it; the short answer follows the stream.
        quoting = assistant.backend.name == "extractive" or assistant.quotes(
            analyse_question(question).language
        )
        live = not as_json and not quoting
        for piece in assistant.stream(question):
            if isinstance(piece, Answer):
                answer = piece
            elif live:
                console.print(marks.feed(piece), end="", markup=False, highlight=False)
        assert answer is not None
        if as_json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
            return
        if live:
            console.print(marks.flush(), markup=False, highlight=False)
        for notice in assistant.answer_notices(answer):  # why the checked text differs
            err.print(f"[yellow]{escape(notice)}[/]")
        same = live and " ".join(marks.streamed.split()) == " ".join(answer.text.split())
        _print_checked_answer(answer, opened, repeat=not same, streamed=live)


class _MarkNumbers:
    """Renumbers the `[n]` marks of streamed text 1, 2, 3… in order of appearance, as
    the sources are listed (n itself is the passage's search rank)."""

    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}
        self.streamed = ""
        self._pending = ""

    def feed(self, piece: str) -> str:
        self.streamed += piece
        text = self._pending + piece
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut < 12:
            text, self._pending = text[:cut], text[cut:]  # a mark may be split: wait
        else:
            self._pending = ""
        return renumber_marks(text, self.numbers)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return renumber_marks(text, self.numbers)


def renumber_marks(text: str, numbers: dict[int, int]) -> str:
    """`text` with each `[n]` (or `[n, m]`) renumbered through `numbers`, which gains
    the next number for each n not seen yet."""
    import re

    def number(n: int) -> int:
        return numbers.setdefault(n, len(numbers) + 1)

    def mark(match: re.Match[str]) -> str:
        shown = [str(number(int(n))) for n in re.split(r"\s*,\s*", match[1])]
        return f"[{', '.join(shown)}]"

    return re.sub(r"\[(\d+(?:\s*,\s*\d+)*)\]", mark, text)


def _print_checked_answer(
    answer: Any, index: Any = None, *, repeat: bool = True, streamed: bool = True
) -> None:
    """The short answer in bold; the checked answer (marks fixed) unless it is what
    streamed; then its sources: numbered as the marks show them, one per passage, by
    title (with the other copy of a near-duplicate article)."""
    numbers: dict[int, int] = {}
    text = renumber_marks(answer.text, numbers)
    if answer.short_answer:
        console.print(f"[bold]{escape(renumber_marks(answer.short_answer, numbers))}[/]")
    if repeat and streamed:
        console.rule("checked answer", style="dim")
    if repeat:
        console.print(escape(text))
    console.rule("sources", style="dim")
    by_passage: dict[int, list[Any]] = {}
    for citation in answer.citations:
        by_passage.setdefault(citation.n, []).append(citation)
    for n in sorted(by_passage, key=lambda n: numbers.setdefault(n, len(numbers) + 1)):
        first = by_passage[n][0]
        passage = answer.passages[n - 1] if 0 < n <= len(answer.passages) else None
        also = _also_in(index, passage) if index is not None and passage is not None else ""
        origin = "" if _hash_like(first.origin) else f"\n    [dim]{escape(first.origin)}[/]"
        console.print(f"\n[bold][{numbers[n]}][/] {escape(first.title)}{also}{origin}")
        for citation in by_passage[n]:
            console.print(
                f"    «{escape(citation.quote)}» [dim](chars {citation.start}-{citation.end}, "
                f"support {citation.support:.2f})[/]"
            )
    if answer.unsupported:
        err.print(f"[yellow]{len(answer.unsupported)} unsupported sentence(s) left out[/]")
    t = answer.timings
    first_token = f"{t.first_token_ms / 1000:.1f} s" if t.first_token_ms else "-"
    err.print(
        f"[dim]retrieval {t.retrieval_ms:.0f} ms · first token {first_token} · "
        f"total {t.total_ms / 1000:.1f} s[/]"
    )


@app.command()
def translit(
    to: Annotated[str, typer.Option("--to", help="cyrl, arab or latn.")] = "cyrl",
) -> None:
    """Transliterate Kazakh text read from stdin (Arabic/Latin/Cyrillic scripts)."""
    from qa.text.transliterate import transliterate

    with friendly_errors():
        sys.stdout.write(transliterate(sys.stdin.read(), to=to))


@app.command()
def models() -> None:
    """Prepare the embedded models (embedding model and GGUF LLM) in the cache folder."""
    from qa.setup_models import prepare_models

    with friendly_errors():
        for name, path in prepare_models(progress=err.print).items():
            console.print(f"{name}: {path}")


@app.command()
def chat(
    llm: LlmOption = DEFAULT_LLM,
    compose: ComposeOption = DEFAULT_COMPOSE,
    collection: CollectionOption = None,
    index_dir: IndexOption = None,
) -> None:
    """Open the chat in the terminal."""
    from qa.tui.app import run_chat

    with friendly_errors():
        run_chat(llm=llm, compose=compose, index_dir=index_dir, collection=collection)


@app.command("eval")
def eval_command(
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="Gold questions (JSONL). Default: corpus/gold.jsonl."),
    ] = None,
    index_dir: IndexOption = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus",
            help="Evaluate over this corpus instead of the default index: a passages JSONL "
            "(id, title, text; origin = id; its index is cached by file hash in the user data "
            "folder) or files/a folder (indexed into --index, else a temporary folder).",
        ),
    ] = None,
    llm: LlmOption = DEFAULT_LLM,
    mode: ModeOption = DEFAULT_MODE,
    k: Annotated[
        int, typer.Option("-k", min=1, help="Passages retrieved for the generator.")
    ] = DEFAULT_ANSWER_K,
    compose: ComposeOption = DEFAULT_COMPOSE,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write one JSON row per question here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a Markdown report with every failure.")
    ] = None,
    compare_spec: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="Compare configurations on the same questions: comma-separated, each KEY=VALUE "
            "(KEY: mode, llm, model, k, retrieval_k, compose; join several with +), e.g. "
            "'mode=dense,mode=bm25,mode=hybrid', 'llm=extractive,llm=llama-cpp', "
            "'compose=generate,compose=auto', "
            "'model=multilingual-e5-small,model=/path/to/model' (each model gets its own "
            "cached index) or 'mode=dense+k=6,mode=hybrid'. --out/--report files get the "
            "configuration in their name.",
        ),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Bar chart PNG of --compare (default: eval-compare.png)."),
    ] = None,
    retrieval_only: Annotated[
        bool, typer.Option("--retrieval-only", help="Score retrieval only; skip generation.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N questions.")
    ] = None,
    split: Annotated[
        str,
        typer.Option(
            "--split",
            help="Questions of this split only: dev, test or all (default; dev and test "
            "are then shown apart when the gold file marks both).",
        ),
    ] = "all",
    reader: Annotated[
        bool,
        typer.Option(
            "--reader",
            help="Read each question's gold `context` as its only passage instead of "
            "searching (reading comprehension; KazQAD gold files have it).",
        ),
    ] = False,
) -> None:
    """Measure retrieval, answers, refusals and citations on gold questions."""
    import qa.evaluation as evaluation

    with friendly_errors():
        common: dict[str, Any] = {
            "index_dir": index_dir,
            "corpus": corpus,
            "llm": llm,
            "mode": mode,
            "k": k,
            "compose": compose,
            "out": out,
            "report": report,
            "retrieval_only": retrieval_only,
            "limit": limit,
            "split": split,
            "reader": reader,
        }
        if compare_spec:
            configs = evaluation.parse_compare(compare_spec)
            chart = chart or Path("eval-compare.png")
            with progress_bar() as progress:
                cards = evaluation.compare(configs, gold, chart=chart, progress=progress, **common)
            for card in cards:
                evaluation.print_scorecard(card, console)
            console.print(evaluation.comparison_table(cards))
            console.print(f"Chart: {chart}")
        else:
            with progress_bar() as progress:
                card = evaluation.evaluate(gold, progress=progress, **common)
            cards = [card]
            evaluation.print_scorecard(card, console)
        for notice in dict.fromkeys(n for c in cards for n in c.settings.get("notices", [])):
            err.print(f"[yellow]{escape(notice)}[/]")
        each = " (one file per configuration)" if compare_spec else ""
        if out:
            console.print(f"Rows: {out}{each}")
        if report:
            console.print(f"Report: {report}{each}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
