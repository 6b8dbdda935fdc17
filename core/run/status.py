"""The status of a whole run (complete, partial, failed or cancelled) from what its variants produced.

A pure function, so the rule is read and tested in one place rather than worked out inside the session's loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

STATUSES = ("complete", "partial", "failed", "cancelled")


def run_status(
    runs: Sequence[dict[str, Any]], expected_variants: int, errors: Sequence[str], cancelled: bool
) -> str:
    """`cancelled` wins; complete needs every expected variant and no error; else partial if anything was measured.

    `runs` are the RunResult blocks filed (one per variant that started), `errors` the run's error lines.
    Measured means a variant got as far as its model size or its latency: a file worth keeping.
    """
    if cancelled:
        return "cancelled"
    if not errors and len(runs) >= expected_variants and all(r.get("status") == "complete" for r in runs):
        return "complete"
    return "partial" if any(r.get("latency") or r.get("model") for r in runs) else "failed"


__all__ = ["STATUSES", "run_status"]
