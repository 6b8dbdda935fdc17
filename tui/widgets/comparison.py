"""The comparison on screen: a Static showing tui.view.tables' renderings of the core.report.comparison model."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from core.report.comparison import Comparison
from tui.view.tables import comparison_view, run_view


class ComparisonView(Static):
    """One or more comparisons (table, verdict sentence, what was not measured), or a lone run's values."""

    DEFAULT_CSS = """
    ComparisonView { height: auto; }
    """

    def show(
        self, comparisons: list[Comparison], base_label: str | None = None, comp_label: str | None = None
    ) -> None:
        """Draw the comparisons one under the other, with a blank line between them."""
        parts: list[Any] = []
        for comparison in comparisons:
            if parts:
                parts.append(Text(""))
            parts.append(comparison_view(comparison, base_label, comp_label))
        self.update(Group(*parts))

    def show_run(self, run: dict[str, Any], note: str | None = None) -> None:
        """A run with nothing to compare it with; `note` says why (the other run was not measured)."""
        view = run_view(run)
        self.update(view if note is None else Group(view, Text(note, style="yellow")))
