"""Who used the CPU during timing, from a fake /proc whose counters the test advances (no real timing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.measure.cpu_share import BUSY_OTHER_PCT_OF_ONE_CORE, CpuShare, process_cpu_s, system_busy_s

HZ = os.sysconf("SC_CLK_TCK")


class FakeProc:
    """/proc/stat with 2 cores and /proc/<pid>/stat for a worker (pid 10) and a tool (pid 20), in clock ticks."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.now = 100.0
        self.set(busy=0, idle=0, worker=0, tool=0)

    def set(self, busy: int, idle: int, worker: int, tool: int) -> None:
        (self.root / "stat").write_text(
            f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\nintr 1\n"
        )
        for pid, ticks in ((10, worker), (20, tool)):
            (self.root / str(pid)).mkdir(exist_ok=True)
            # utime, stime are fields 14 and 15; the command name holds a space and a paren on purpose.
            fields = ["S"] + ["0"] * 10 + [str(ticks), "0"] + ["0"] * 30
            (self.root / str(pid) / "stat").write_text(f"{pid} (tf worker) ) " + " ".join(fields) + "\n")

    def clock(self) -> float:
        return self.now


def share(fake: FakeProc) -> CpuShare:
    return CpuShare(worker_pid=10, tool_pid=20, proc_root=str(fake.root), clock=fake.clock)


def test_shares_over_the_timed_span(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    s = share(fake)
    s.start()
    # 2 s: the worker 1.8 s of CPU, the tool 0.1 s, the whole machine 2.5 s busy -> others 0.6 s.
    fake.now += 2.0
    fake.set(busy=int(2.5 * HZ), idle=int(1.5 * HZ), worker=int(1.8 * HZ), tool=int(0.1 * HZ))
    out = s.stop()
    assert out["cores"] == 2 and out["wall_s"] == 2.0
    assert out["worker_pct_of_one_core"] == pytest.approx(90.0)
    assert out["tool_pct_of_one_core"] == pytest.approx(5.0)
    assert out["system_busy_pct_of_one_core"] == pytest.approx(125.0)
    assert out["other_pct_of_one_core"] == pytest.approx(30.0)
    assert out["busy"] is (30.0 > BUSY_OTHER_PCT_OF_ONE_CORE) and out["reason"] is None


def test_a_quiet_machine_is_not_busy_and_rounding_never_goes_negative(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    s = share(fake)
    s.start()
    fake.now += 1.0
    fake.set(busy=int(1.0 * HZ), idle=HZ, worker=int(1.0 * HZ), tool=int(0.02 * HZ))
    out = s.stop()
    assert out["other_pct_of_one_core"] == 0.0 and out["busy"] is False


def test_unreadable_proc_gives_none_with_a_reason(tmp_path: Path) -> None:
    s = CpuShare(
        worker_pid=10, tool_pid=20, proc_root=str(tmp_path / "missing"), clock=iter([0.0, 1.0]).__next__
    )
    s.start()
    out = s.stop()
    assert out["other_pct_of_one_core"] is None and out["busy"] is None
    assert "/proc/stat" in out["reason"]
    assert process_cpu_s(10, str(tmp_path)) is None and system_busy_s(str(tmp_path)) is None


def test_stop_before_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        share(FakeProc(tmp_path)).stop()


def test_this_process_reads_on_linux() -> None:
    if not os.path.exists("/proc/self/stat"):
        pytest.skip("no /proc")
    assert process_cpu_s(os.getpid()) is not None
    busy = system_busy_s()
    assert busy is not None and busy[1] == os.cpu_count()
