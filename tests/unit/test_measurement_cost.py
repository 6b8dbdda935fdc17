"""The result says what measuring cost and warns when the machine was busy (core.run.environment helpers)."""

from __future__ import annotations

from core.report.wording import busy_warnings, measurement_cost_line
from core.run.environment import collect_environment


def result(busy: bool | None, other: float = 35.0) -> dict:
    cpu = {"busy": busy, "other_pct_of_one_core": other, "busy_threshold_pct_of_one_core": 20.0,
           "tool_pct_of_one_core": 3.25}  # fmt: skip
    return {
        "environment": {
            "dashboard_mode": "quiet while timing",
            "sampler": {"cpu_pct_of_one_core": 0.41},
            "pinning": {"enabled": False, "reason": "2 cores"},
        },
        "runs": [{"variant": "baseline", "latency": {"cpu": cpu}}, {"variant": "q8", "latency": None}],
    }


def test_busy_machine_gets_one_warning_per_run_timed_while_busy():
    (line,) = busy_warnings(result(True))
    assert (
        line.startswith("baseline: the machine was busy") and "35% of a core" in line and "above 20%" in line
    )
    assert busy_warnings(result(False)) == [] and busy_warnings(result(None)) == []
    assert busy_warnings({"runs": [{"variant": "x"}]}) == []


def test_cost_line_names_mode_sampler_tool_and_pinning():
    line = measurement_cost_line(result(False))
    assert line == (
        "measured with dashboard quiet while timing; sampler 0.4% of a core; tool 3.2% of a core while timing; "
        "not pinned"
    )
    assert measurement_cost_line({"environment": {}, "runs": []}) is None


def test_environment_block_has_the_cost_fields_with_cli_defaults():
    env = collect_environment("/nonexistent")
    assert env["dashboard_mode"] == "none" and env["sampler"] is None and env["pinning"] is None
