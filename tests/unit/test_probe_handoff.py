"""tui.probes.ProbeHandoff: the start-up probe's live sources go to the first run only, and are closed otherwise."""

from __future__ import annotations

from core.telemetry.detect import SourceStatus
from tui.probes import ProbeHandoff


class Source:
    name = "jtop"
    closed = False

    def close(self) -> None:
        self.closed = True


def probed() -> tuple[list[SourceStatus], Source]:
    source = Source()
    return [
        SourceStatus("jtop", True, "connected", {}, source),
        SourceStatus("nvml", False, "no driver"),
    ], source


def test_the_first_run_takes_the_live_sources_later_runs_get_plain_data():
    handoff = ProbeHandoff()
    assert handoff.for_run() is None  # not probed yet: the run probes for itself
    statuses, source = probed()
    handoff.arrived(statuses, run_started=False)
    assert handoff.for_run()[0].source is source
    again = handoff.for_run()
    assert [(s.name, s.available, s.source) for s in again] == [("jtop", True, None), ("nvml", False, None)]
    handoff.close()
    assert not source.closed  # the first run owns it now


def test_live_sources_no_run_takes_are_closed():
    statuses, source = probed()
    late = ProbeHandoff()
    late.arrived(statuses, run_started=True)  # a run (or replay) started before the probe finished
    assert source.closed and late.statuses == statuses
    statuses, source = probed()
    unused = ProbeHandoff()
    unused.arrived(statuses, run_started=False)
    unused.close()  # quitting from the setup screen
    assert source.closed
