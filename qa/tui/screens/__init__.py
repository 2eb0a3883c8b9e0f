"""The chat's screens: document viewer, help, conversation list."""

from qa.tui.screens.conversations import ConversationsScreen
from qa.tui.screens.document import DocumentScreen
from qa.tui.screens.help import HelpScreen

__all__ = ["ConversationsScreen", "DocumentScreen", "HelpScreen"]
