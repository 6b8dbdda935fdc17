"""The CPU placement plan for a given set of cores (fake core counts: no process is actually pinned)."""

from __future__ import annotations

import os

import pytest

from core.run.pinning import MIN_CORES_TO_PIN, pin_process, plan_pinning


def test_two_cores_are_not_pinned_by_default():
    plan = plan_pinning([0, 1])
    assert not plan.enabled and plan.worker_cores == () and plan.tool_cores == ()
    assert "2 cores" in plan.reason and str(MIN_CORES_TO_PIN) in plan.reason
    assert plan.to_json() == {
        "enabled": False,
        "worker_cores": None,
        "tool_cores": None,
        "reason": plan.reason,
    }


def test_tx2_six_cores_tool_on_cpu0_worker_on_the_rest():
    plan = plan_pinning(range(6))
    assert plan.enabled
    assert plan.tool_cores == (0,) and plan.worker_cores == (1, 2, 3, 4, 5)
    assert plan.reason == "tool on CPU 0, worker on CPUs 1-5"


def test_tx2_with_denver_off_uses_the_online_a57s():
    plan = plan_pinning([0, 3, 4, 5])  # Max-Q: the Denver cores 1-2 are offline
    assert plan.tool_cores == (0,) and plan.worker_cores == (3, 4, 5)
    assert plan.to_json()["worker_cores"] == [3, 4, 5]


def test_forced_on_two_cores_and_forced_off_on_many():
    assert plan_pinning([0, 1], pin=True).worker_cores == (1,)
    off = plan_pinning(range(8), pin=False)
    assert not off.enabled and off.reason == "turned off"
    assert not plan_pinning([0], pin=True).enabled


def test_gaps_in_the_core_list_read_as_ranges():
    assert plan_pinning([0, 1, 2, 3, 5, 7]).reason.endswith("CPUs 1-3,5,7")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_pinning_this_process_to_its_own_cores_is_a_no_op_that_succeeds():
    cores = sorted(os.sched_getaffinity(0))
    assert pin_process(os.getpid(), cores) is None
    assert sorted(os.sched_getaffinity(0)) == cores
    assert "could not pin" in pin_process(os.getpid(), [10_000])


def test_pin_flag_maps_to_the_session_setting():
    from core.run.pinning import pin_setting

    assert (pin_setting("on"), pin_setting("off"), pin_setting("auto")) == (True, False, None)


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2, reason="Linux, 2 cores or more"
)
def test_placement_pins_the_tool_and_gives_its_cores_back():
    from core.run.pinning import Placement

    before = sorted(os.sched_getaffinity(0))
    placement = Placement(pin=True, cores=before)
    try:
        placement.pin_tool()
        assert sorted(os.sched_getaffinity(0)) == [before[0]]
    finally:
        placement.restore()
    assert sorted(os.sched_getaffinity(0)) == before
    placement.pin_worker(None)  # no worker process: nothing to do
    assert placement.to_json()["errors"] == [] and placement.to_json()["tool_cores"] == [before[0]]
