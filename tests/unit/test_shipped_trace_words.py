"""The shipped demo recordings read as the current worker writes: no Python dict in a log line (issue 15: the run
screen's log printed `graph: {'integer_weights': 4, ...}` when the demo replayed)."""

import gzip
import json
from pathlib import Path

import pytest

TRACES = sorted((Path(__file__).parents[2] / "assets" / "traces").glob("*.jsonl.gz"))


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.name)
def test_no_log_line_of_a_shipped_recording_is_a_python_dict(path: Path) -> None:
    messages = []
    for line in gzip.open(path, "rt"):
        event = json.loads(line).get("event") or json.loads(line)
        if isinstance(event, dict) and event.get("type") == "log":
            messages.append(str(event.get("message")))
    assert all("{" not in m and "': " not in m for m in messages), messages
    if path.name.startswith("tx2-digits-cnn"):
        assert any(m.startswith("graph: 8 float32 weight tensors") for m in messages)
