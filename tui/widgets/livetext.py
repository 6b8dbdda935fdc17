"""A text widget for values redrawn several times a second: it repaints only when the content really changed.

`Static.update()` asks for a new layout of the whole screen on every call (about 40 ms at 120x40), which at 4 Hz
across six panels cost a tenth of a core; a LiveText has its size fixed by CSS, so a change is a repaint only.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget


class LiveText(Widget):
    """Shows one renderable; `show()` repaints when it differs from the last one (Text compares by value)."""

    DEFAULT_CSS = """
    LiveText { height: 1; }
    """

    def __init__(
        self, content: RenderableType = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.content: RenderableType = content

    def show(self, content: RenderableType) -> None:
        if isinstance(content, Text) and isinstance(self.content, Text) and content == self.content:
            return
        self.content = content
        self.refresh()

    def render(self) -> RenderResult:
        return self.content
