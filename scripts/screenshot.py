"""Save an SVG screenshot of a real `kenes chat` conversation (for the README).

    .venv/bin/python scripts/screenshot.py [--llm extractive] [--out docs/chat.svg] QUESTION...

Runs the real app headless on the default index, asks each question, waits for the
checked answer and saves the screen.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import typer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(
    questions: list[str],
    llm: str = "extractive",
    out: Path = Path("docs/chat.svg"),
    size: str = "140x40",
) -> None:
    import os

    from qa.answering.assistant import Assistant
    from qa.retrieval.index import ensure_index
    from qa.tui.app import KenesApp

    os.environ.setdefault("KENES_DATA_DIR", tempfile.mkdtemp())  # keep saved chats clean
    index = ensure_index(
        Path(os.environ.get("KENES_INDEX", "")) if "KENES_INDEX" in os.environ else None
    )
    app = KenesApp(Assistant(index, llm=llm))
    width, height = (int(n) for n in size.split("x"))

    async def run() -> None:
        async with app.run_test(size=(width, height)) as pilot:
            for question in questions:
                before = len(app.chat.answers())
                app.prompt.focus()
                app.prompt.value = question
                await pilot.press("enter")
                deadline = time.monotonic() + 120
                while not (len(app.chat.answers()) > before and not app.is_answering):
                    assert time.monotonic() < deadline, "no answer in time"
                    await pilot.pause(0.1)
            await pilot.pause(0.5)
            out.parent.mkdir(parents=True, exist_ok=True)
            app.save_screenshot(filename=out.name, path=str(out.parent))

    asyncio.run(run())
    print(f"saved {out}")


if __name__ == "__main__":
    typer.run(main)
