"""One model of a comparison: which runs of a result to compare, one row per metric, and the verdict.

The CLI (Rich) and the dashboard (Textual) both render this model and build no rows or verdicts of their own,
so they cannot disagree; the result file stores its `to_dict()` form. Rows are in core.report.rows, the
verdict sentence in core.report.verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import UserError
from core.report.rows import METRICS, Metric, Row, make_row, metric_value, shown
from core.report.verdict import Verdict, verdict


class NothingToCompareError(UserError, ValueError):
    """A result holds no run to compare; the message names it."""


@dataclass(frozen=True)
class Comparison:
    """A run (`compressed`) against a reference run (`baseline`): rows and the verdict."""

    baseline: str
    compressed: str
    rows: tuple[Row, ...]
    verdict: Verdict

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)

    def unmeasured(self) -> list[Row]:
        """Rows neither run measured, so a screen can say what this machine could not measure."""
        return [r for r in self.rows if not r.measured]

    def to_dict(self) -> dict[str, Any]:
        """The form stored in the result file's `comparison` block (assets/result.schema.json)."""
        return {
            "baseline": self.baseline,
            "compressed": self.compressed,
            "metrics": [r.to_dict() for r in self.rows],
            "verdicts": [{"goal": c.goal, "text": c.text, "better": c.better} for c in self.verdict.clauses],
            "recommendation": self.verdict.recommendation,
            "summary": self.verdict.sentence,
            "verdict": self.verdict.to_dict(),
        }


# --- which runs to compare (one rule for the results screen, the compare screen and the CLI) ---------------


def is_baseline(run: dict[str, Any]) -> bool:
    return run.get("variant") == "baseline"


def baseline_run(result: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in result.get("runs") or [] if is_baseline(r)), None)


def compressed_runs(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The compressed runs of a result, in the order they were run."""
    return [r for r in result.get("runs") or [] if not is_baseline(r)]


def headline_run(result: dict[str, Any]) -> dict[str, Any] | None:
    """The run that stands for a result when only one is shown: its first compressed run, else its first run."""
    runs = result.get("runs") or []
    return next(iter(compressed_runs(result)), runs[0] if runs else None)


def comparisons_of(result: dict[str, Any]) -> list[Comparison]:
    """The baseline against each compressed run; empty when the result lacks either."""
    base = baseline_run(result)
    return [compare(base, comp) for comp in compressed_runs(result)] if base else []


def compare_results(a: dict[str, Any], b: dict[str, Any]) -> Comparison:
    """Two saved results: the headline run of `b` against that of `a`, labelled `model:variant`."""
    runs = []
    for data in (a, b):
        run = headline_run(data)
        if run is None:
            raise NothingToCompareError(f"the {data.get('model')} result holds no runs to compare")
        runs.append(run)
    label_a, label_b = (f"{d.get('model')}:{r.get('variant')}" for d, r in zip((a, b), runs, strict=True))
    return compare(runs[0], runs[1], label_a, label_b)


# --- two runs compared ----------------------------------------------------------------------------------


def compare(
    base: dict[str, Any], comp: dict[str, Any], base_label: str | None = None, comp_label: str | None = None
) -> Comparison:
    """The paper's before/after view of two runs: every metric, its change, and the verdict in words."""
    # A paired answer holds against the run it was paired with: the baseline of the same result, not another file.
    paired = base_label is None and is_baseline(base)
    rows = tuple(
        make_row(m, base, comp, inside_ci(m, base, comp), paired) for m in METRICS if shown(m, base, comp)
    )
    names = (base_label or str(base.get("variant")), comp_label or str(comp.get("variant")))
    return Comparison(*names, rows, verdict(rows) if is_baseline(base) else verdict(rows, names))


# Metrics whose change is judged against the runs' latency CIs. Energy per inference has no CI of its own, but
# it is power times time, so its noise is at least the latency's: a change inside those bounds is not a finding.
CI_JUDGED = ("latency_mean_s", "energy_j")


def inside_ci(metric: Metric, base: dict[str, Any], comp: dict[str, Any]) -> bool | None:
    """Whether the change lies inside both runs' 95% latency confidence bounds; None when not judged or no CI."""
    if metric.key not in CI_JUDGED:
        return None
    hb, hc = (metric_value(r, ("latency", "ci95_halfwidth_pct")) for r in (base, comp))
    vb, vc = (metric_value(r, metric.path) for r in (base, comp))
    if hb is None or hc is None or vb is None or vc is None:
        return None
    return abs(vc - vb) <= abs(vb) * hb / 100 + abs(vc) * hc / 100
