"""The saved conversations: pick one to reopen it, or delete it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from qa.conversations import Conversation, ConversationStore


def conversation_line(conversation: Conversation) -> Content:
    when = conversation.updated.replace("T", " ")[:16]
    return Content.assemble(
        (conversation.title, "bold"),
        "\n",
        (f"{when} · {conversation.n_messages} messages", "$text-muted"),
    )


class ConversationsScreen(ModalScreen[int | None]):
    """Dismissed with the id of the chosen conversation, or None."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
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
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#conversation-list").focus()

    def _fill(self) -> None:
        conversations = self.store.conversations()
        option_list = self.query_one("#conversation-list", OptionList)
        options: list[Option | None] = []
        for i, conversation in enumerate(conversations):
            if i:
                options.append(None)  # a separator line
            options.append(Option(conversation_line(conversation), id=str(conversation.id)))
        option_list.set_options(options)
        if conversations:
            option_list.highlighted = 0
        self.query_one("#conversations-empty").display = not conversations
        option_list.display = bool(conversations)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_delete(self) -> None:
        option = self.query_one("#conversation-list", OptionList).highlighted_option
        if option is None or option.id is None:
            return
        self.store.delete(int(option.id))
        self._fill()
        self.notify("Conversation deleted.")

    def action_close(self) -> None:
        self.dismiss(None)
