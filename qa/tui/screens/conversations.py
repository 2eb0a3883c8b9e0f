"""The saved conversations: pick one to reopen it, rename it or delete it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from qa.conversations import Conversation, ConversationStore


def conversation_line(conversation: Conversation) -> Content:
    when = conversation.updated.replace("T", " ")[:16]
    latest = f" · {conversation.short_answer}" if conversation.short_answer else ""
    return Content.assemble(
        (conversation.title, "bold"),
        "\n",
        (f"{when} · {conversation.n_messages} messages{latest}", "$text-muted"),
    )


class ConversationsScreen(ModalScreen[int | None]):
    """Dismissed with the id of the chosen conversation, or None."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("r,f2", "rename", "Rename"),
        Binding("delete,ctrl+d", "delete", "Delete"),
    ]

    def __init__(self, store: ConversationStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with Vertical(id="conversations-dialog"):
            yield Static("Conversations", id="conversations-title")
            yield Static("No saved conversation yet.", id="conversations-empty")
            yield OptionList(id="conversation-list")
            yield Input(placeholder="New title (Enter saves, Esc cancels)", id="conversation-title")
        yield Footer()

    def on_mount(self) -> None:
        self.title_input.display = False
        self._fill()
        self.query_one("#conversation-list").focus()

    @property
    def title_input(self) -> Input:
        return self.query_one("#conversation-title", Input)

    @property
    def renaming(self) -> bool:
        return bool(self.title_input.display)

    def _fill(self, keep: str | None = None) -> None:
        conversations = self.store.conversations()
        option_list = self.query_one("#conversation-list", OptionList)
        options: list[Option | None] = []
        for i, conversation in enumerate(conversations):
            if i:
                options.append(None)  # a separator line
            options.append(Option(conversation_line(conversation), id=str(conversation.id)))
        option_list.set_options(options)
        if conversations:
            ids = [str(c.id) for c in conversations]
            option_list.highlighted = option_list.get_option_index(keep) if keep in ids else 0
        self.query_one("#conversations-empty").display = not conversations
        option_list.display = bool(conversations)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def _highlighted_id(self) -> int | None:
        option = self.query_one("#conversation-list", OptionList).highlighted_option
        return None if option is None or option.id is None else int(option.id)

    def action_delete(self) -> None:
        chosen = self._highlighted_id()
        if chosen is None or self.renaming:
            return
        self.store.delete(chosen)
        self._fill()
        self.notify("Conversation deleted.")

    def action_rename(self) -> None:
        """Edit the title of the highlighted conversation (Enter saves it)."""
        chosen = self._highlighted_id()
        conversation = self.store.conversation(chosen) if chosen is not None else None
        if conversation is None:
            return
        title = self.title_input
        title.value = conversation.title
        title.display = True
        title.focus()

    @on(Input.Submitted, "#conversation-title")
    def rename(self, event: Input.Submitted) -> None:
        event.stop()
        chosen = self._highlighted_id()
        new_title = event.value.strip()
        if chosen is not None and new_title:
            self.store.rename(chosen, new_title)
            self.notify("Conversation renamed.")
        self._end_rename(keep=str(chosen))

    def _end_rename(self, keep: str | None = None) -> None:
        self.title_input.display = False
        self._fill(keep)
        self.query_one("#conversation-list").focus()

    def action_close(self) -> None:
        if self.renaming:  # Esc while renaming: only the renaming is cancelled
            self._end_rename(keep=str(self._highlighted_id()))
            return
        self.dismiss(None)
