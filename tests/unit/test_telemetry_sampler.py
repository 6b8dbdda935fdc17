"""Sampler and ring buffer: bounded memory, ring order after wrap, windows, errors, stop, the tick schedule.

Nothing here asserts a rate or a duration (benchmarks/bench_sampler_rate.py prints those). The sources here
are small scripted objects that follow the Source protocol (no hardware involved).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core.telemetry.sampler import RingBuffer, Sampler, Series, next_tick


class CounterSource:
    """Returns an increasing counter; can be told to fail or vanish (None) from a given read on."""

    def __init__(self, name: str = "counter", rate_hz: float = 200.0, fail_from: int | None = None,
                 vanish_from: int | None = None, read_delay_s: float = 0.0) -> None:  # fmt: skip
        self.name = name
        self.default_rate_hz = rate_hz
        self.fail_from = fail_from
        self.vanish_from = vanish_from
        self.read_delay_s = read_delay_s
        self.reads = 0
        self.closed = threading.Event()

    def probe(self):
        raise AssertionError("the sampler must not probe")

    def read(self) -> dict[str, float | None]:
        self.reads += 1
        if self.read_delay_s:
            time.sleep(self.read_delay_s)
        if self.fail_from is not None and self.reads >= self.fail_from:
            raise OSError("sensor went away")
        if self.vanish_from is not None and self.reads >= self.vanish_from:
            return {"power_mw": None}
        return {"power_mw": float(self.reads)}

    def close(self) -> None:
        self.closed.set()


def run_until(sampler: Sampler, reached, timeout_s: float = 10.0) -> None:
    """Start, wait until `reached()` holds (failing after `timeout_s`, a guard, not a speed check), then stop."""
    sampler.start()
    deadline = time.monotonic() + timeout_s
    while not reached():
        assert time.monotonic() < deadline, "the sampler never got there"
        time.sleep(0.005)
    sampler.stop()


class SettableClock:
    """time.monotonic, unless frozen at a given value (to ask a stopped sampler for "the last N seconds")."""

    def __init__(self) -> None:
        self.frozen_s: float | None = None

    def __call__(self) -> float:
        return time.monotonic() if self.frozen_s is None else self.frozen_s


# --- ring buffer -----------------------------------------------------------------------------------------------


def test_ring_keeps_newest_rows_in_order_after_wrapping():
    buf = RingBuffer(5)
    for i in range(12):
        buf.append(float(i), {"x": i * 10.0})
    s = buf.select()
    assert len(buf) == 5
    assert s.t.tolist() == [7.0, 8.0, 9.0, 10.0, 11.0]
    assert s.values["x"].tolist() == [70.0, 80.0, 90.0, 100.0, 110.0]
    assert s.latest("x") == 110.0


def test_ring_memory_is_bounded_by_capacity_not_by_rows_written():
    buf = RingBuffer(3000)
    for i in range(2000):
        buf.append(float(i), {"a": 1.0, "b": 2.0})
    grown_bytes = buf.nbytes
    for i in range(2000, 50_000):
        buf.append(float(i), {"a": 1.0, "b": 2.0})
    assert len(buf) == 3000
    assert buf.nbytes == 3000 * 8 * 3  # t + two columns, float64
    assert grown_bytes <= buf.nbytes  # storage grew by doubling up to the capacity, then stopped
    assert buf.select().t[0] == 47_000.0


def test_ring_starts_small_for_short_runs():
    buf = RingBuffer(600_000)
    buf.append(0.0, {"a": 1.0})
    assert buf.nbytes < 100_000


def test_new_keys_get_a_column_with_nan_for_earlier_rows_and_missing_keys_are_nan():
    buf = RingBuffer(10)
    buf.append(0.0, {"a": 1.0})
    buf.append(1.0, {"a": 2.0, "b": 5.0})
    buf.append(2.0, {"b": 6.0, "a": None})
    s = buf.select()
    np.testing.assert_array_equal(s.values["a"], [1.0, 2.0, np.nan])
    np.testing.assert_array_equal(s.values["b"], [np.nan, 5.0, 6.0])
    assert s.latest("a") is None
    assert s.latest("missing") is None
    assert buf.last_row() == {"a": None, "b": 6.0}


def test_select_picks_rows_in_time_range_across_the_wrap_point():
    buf = RingBuffer(8)
    for i in range(13):  # physical storage wraps; logical order is 5..12
        buf.append(float(i), {"x": float(i)})
    assert buf.select(6.5, 9.0).t.tolist() == [7.0, 8.0, 9.0]
    assert buf.select(6.5, 9.0, bracket=True).t.tolist() == [6.0, 7.0, 8.0, 9.0, 10.0]
    assert buf.select(11.0).t.tolist() == [11.0, 12.0]
    assert buf.select(0.0, 5.0).t.tolist() == [5.0]
    assert buf.select(20.0, 30.0).t.tolist() == []


def test_select_returns_copies():
    buf = RingBuffer(4)
    buf.append(0.0, {"x": 1.0})
    s = buf.select()
    s.values["x"][0] = 99.0
    assert buf.select().values["x"][0] == 1.0


def test_non_numeric_reading_raises_without_writing_a_partial_row():
    buf = RingBuffer(4)
    with pytest.raises(ValueError):
        buf.append(0.0, {"a": 1.0, "b": "on"})  # type: ignore[dict-item]
    assert len(buf) == 0


def test_series_latest_on_empty():
    assert Series(np.array([]), {"x": np.array([])}).latest("x") is None


# --- sampler threads ---------------------------------------------------------------------------------------------


def test_sampler_stops_its_thread_closes_its_source_and_keeps_every_row_in_order():
    source = CounterSource(rate_hz=200.0)
    sampler = Sampler([source])
    run_until(sampler, lambda: source.reads >= 10)
    assert not sampler.running
    assert source.closed.is_set()
    s = sampler.snapshot()["counter"]
    assert np.all(np.diff(s.t) > 0)  # strictly increasing in time
    assert s.values["power_mw"].tolist() == list(range(1, len(s) + 1))  # no row lost or reordered
    assert len(s) == source.reads


def test_rate_override_and_capacity_bound_the_rows():
    source = CounterSource(rate_hz=10.0)
    sampler = Sampler([source], rates_hz={"counter": 400.0}, capacity_s=0.05)  # 20 rows
    assert sampler.rates_hz == {"counter": 400.0}
    run_until(sampler, lambda: source.reads > 40)
    s = sampler.snapshot()["counter"]
    assert len(s) == 20
    assert s.values["power_mw"][-1] == source.reads  # the newest rows are the ones kept


def test_failing_source_is_recorded_and_sampling_goes_on():
    source = CounterSource(fail_from=5)
    sampler = Sampler([source])
    run_until(sampler, lambda: source.reads >= 10)
    errors = sampler.errors["counter"]
    assert errors.count == source.reads - 4
    assert "sensor went away" in errors.last
    s = sampler.snapshot()["counter"]
    assert len(s) == source.reads  # a failed read is a row of NaN, so the gap is visible
    assert np.isnan(s.values["power_mw"][-1])
    assert sampler.latest() == {"power_mw": None}


def test_vanished_source_gives_none_and_others_keep_sampling():
    gone = CounterSource("gone", vanish_from=3)
    alive = CounterSource("alive")
    sampler = Sampler([gone, alive])
    run_until(sampler, lambda: gone.reads >= 4 and alive.reads >= 4)
    assert sampler.snapshot()["gone"].latest("power_mw") is None
    assert sampler.snapshot()["alive"].latest("power_mw") == alive.reads


def test_latest_merges_sources_first_listed_with_a_value_wins():
    a = CounterSource("a", vanish_from=1)  # always None
    b = CounterSource("b")
    sampler = Sampler([a, b])
    run_until(sampler, lambda: a.reads >= 2 and b.reads >= 2)
    assert sampler.latest()["power_mw"] == float(b.reads)


def test_next_tick_keeps_the_grid_when_on_time():
    assert next_tick(1.0, 1.004, 0.01) == pytest.approx(1.01)
    assert next_tick(1.0, 1.015, 0.01) == pytest.approx(1.01)  # late by less than a period: catch up once


def test_next_tick_skips_missed_periods_instead_of_bursting():
    # A 35 ms read at 100 Hz: the next read is due on the grid within one period of now, not three reads ago.
    tick = next_tick(1.0, 1.045, 0.01)
    assert 1.045 - 0.01 < tick <= 1.045
    assert (tick - 1.0) / 0.01 == pytest.approx(round((tick - 1.0) / 0.01))  # still on the 10 ms grid


def test_snapshot_seconds_and_window():
    clock = SettableClock()
    source = CounterSource(rate_hz=200.0)
    sampler = Sampler([source], clock=clock)
    run_until(sampler, lambda: source.reads >= 30)
    full = sampler.snapshot()["counter"]
    clock.frozen_s = float(full.t[-1])
    recent = sampler.snapshot(seconds=float(full.t[-1] - full.t[20]))["counter"]
    assert recent.t.tolist() == full.t[20:].tolist()
    t0, t1 = full.t[10], full.t[20]
    win = sampler.window(t0, t1)["counter"]
    assert win.t.tolist() == full.t[10:21].tolist()
    assert sampler.window(t0, t1, bracket=True)["counter"].t.tolist() == full.t[9:22].tolist()


def test_stop_closes_a_source_stuck_in_read():
    release = threading.Event()

    class Stuck(CounterSource):
        def read(self):
            self.reads += 1
            release.wait(30.0)
            return {}

        def close(self):
            release.set()
            super().close()

    source = Stuck()
    sampler = Sampler([source])
    sampler.start()
    deadline = time.monotonic() + 10.0
    while source.reads == 0:
        assert time.monotonic() < deadline, "the sampler never read"
        time.sleep(0.005)
    sampler.stop(timeout_s=0.1)  # the thread is still in read(): stop must close the source to unblock it
    assert source.closed.is_set()
    assert release.is_set()


def test_invalid_configuration_is_one_clear_error():
    with pytest.raises(ValueError, match="share a name"):
        Sampler([CounterSource(), CounterSource()])
    with pytest.raises(ValueError, match="must be > 0 Hz"):
        Sampler([CounterSource()], rates_hz={"counter": 0.0})


def test_cost_reports_each_thread_cpu_once_stopped_and_says_why_before():
    fast, slow = CounterSource("fast", rate_hz=500.0), CounterSource("slow", rate_hz=20.0)
    sampler = Sampler([fast, slow])
    before = sampler.cost()
    assert before["cpu_pct_of_one_core"] is None and before["reason"] == "measured when the sampler stops"
    run_until(sampler, lambda: fast.reads >= 20 and slow.reads >= 2)
    cost = sampler.cost()
    assert cost["reason"] is None
    assert set(cost["sources"]) == {"fast", "slow"}
    assert cost["sources"]["fast"]["target_hz"] == 500.0 and cost["sources"]["slow"]["target_hz"] == 20.0
    shares = [s["cpu_pct_of_one_core"] for s in cost["sources"].values()]
    assert all(share is not None and share >= 0 for share in shares)
    assert cost["cpu_pct_of_one_core"] == pytest.approx(sum(shares))
    assert all(s["achieved_hz"] is not None for s in cost["sources"].values())
