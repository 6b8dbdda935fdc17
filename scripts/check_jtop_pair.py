"""jtop across Pythons, as on a TX2: the jetson-stats 4.3.2 service under Python 3.6, the dashboard's client here.

On a TX2 the jtop service runs under the stock Python 3.6 (jetson-stats 4.3.2 is the last for it) while the
dashboard runs a newer Python with its own jetson-stats client. This starts the real 4.3.2 service against an
emulated TX2 (the board tree of tests/fixtures/boards.py bound over /sys in a private mount namespace, with a
private /run for its socket and a `jtop` group, so nothing outside changes), then asks the dashboard's sensor
detection which sources work, once with this Python's jetson-stats and once with a 4.3.2 client under this Python.

    sudo python scripts/check_jtop_pair.py      # needs root and unshare(1); builds two small venvs in the cache

Prints one block per client; exit 0 when the matched pair reads the rails and the mismatch is reported in one line,
1 when not, 2 where it cannot run (not root, no unshare, no Python 3.6), 3 when jetson-stats cannot be installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.make_py36_env import cache_dir, find_python36  # noqa: E402
from tests.fixtures.boards import make_tx2_tree  # noqa: E402

JETSON_STATS = "jetson-stats==4.3.2"
TX2_CPUS = 6  # 2 Denver + 4 Cortex-A57

# Runs in the namespace under each client's Python: the dashboard's own detection, as `tocompress sensors` uses it.
DETECT = textwrap.dedent(
    """
    import platform, sys
    sys.path.insert(0, sys.argv[1])
    import jtop
    from core.telemetry.detect import probe_all, select_sources
    print("client: Python", platform.python_version(), "jetson-stats", jtop.__version__)
    statuses = probe_all("/sys", names=("jtop", "tegra-power", "tegra-gpu"))
    for s in statuses:
        print("  {:12} {:3} {}".format(s.name, "yes" if s.available else "no", s.reason))
        if s.name == "jtop" and s.available:
            import time
            time.sleep(0.5)
            readings = s.source.read()
            print("  jtop reads", {k: readings[k] for k in ("power_mw", "gpu_load_pct", "rail_VDD_SYS_GPU_power_mw")})
    for source in select_sources(statuses):
        readings = source.read()
        print("  picked", source.name, {k: readings.get(k) for k in ("power_mw", "gpu_load_pct") if k in readings})
        source.close()
    """
)
SERVICE = textwrap.dedent(
    """
    import signal, sys, time
    from jtop.service import JtopServer
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # closed below, with its manager and worker processes
    server = JtopServer(force=True)
    server.start()
    print("service: jetson-stats 4.3.2 on Python", sys.version.split()[0], flush=True)
    try:
        time.sleep(float(sys.argv[1]))
    finally:
        server.close()
    """
)


def _venv(python: str, folder: Path) -> Path:
    """A venv with only jetson-stats 4.3.2 (reused when present)."""
    bin_python = folder / "bin" / "python"
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([python, "-m", "venv", str(folder)], check=True)
        subprocess.run(
            [str(bin_python), "-m", "pip", "install", "-q", JETSON_STATS], check=True, capture_output=True
        )
        (folder / "done").write_text(JETSON_STATS + "\n")
    return bin_python


def _board(root: Path) -> None:
    """The TX2 tree, plus what the 4.3.2 service reads at start on an x86 host (CPUs, DMI product name)."""
    make_tx2_tree(root)
    for n in range(TX2_CPUS):
        freq = root / f"devices/system/cpu/cpu{n}/cpufreq"
        freq.mkdir(parents=True)
        for name, value in (("scaling_governor", "schedutil"), ("scaling_cur_freq", "2035200"),
                            ("scaling_min_freq", "345600"), ("scaling_max_freq", "2035200"),
                            ("cpuinfo_min_freq", "345600"), ("cpuinfo_max_freq", "2035200")):  # fmt: skip
            (freq / name).write_text(value + "\n")
    dmi = root / "devices/virtual/dmi/id"
    dmi.mkdir(parents=True)
    (dmi / "product_name").write_text("emulated Jetson TX2\n")


def main() -> int:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print(
            "check_jtop_pair: needs root and unshare(1) (the service binds /run/jtop.sock)", file=sys.stderr
        )
        return 2
    python36 = find_python36()
    if python36 is None:
        print("check_jtop_pair: no Python 3.6 here", file=sys.stderr)
        return 2
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        print(
            "check_jtop_pair: unshare -m is not permitted here (no private mount namespace)", file=sys.stderr
        )
        return 2
    try:
        service_python = _venv(python36, cache_dir() / "jtop432-py36")
        matched_client = _venv(
            sys.executable, cache_dir() / f"jtop432-py{sys.version_info[0]}{sys.version_info[1]}"
        )
    except subprocess.CalledProcessError:
        print(f"check_jtop_pair: cannot install {JETSON_STATS} (offline?)", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory(prefix="tx2-jtop-") as tmp:
        work = Path(tmp)
        _board(work / "sys")
        group = work / "group"
        group.write_text(Path("/etc/group").read_text() + "jtop:x:9999:\n")
        (work / "detect.py").write_text(DETECT)
        (work / "service.py").write_text(SERVICE)
        clients = [sys.executable, str(matched_client)]
        script = textwrap.dedent(
            f"""
            set -u
            mount -t tmpfs tmpfs /run && mount --bind {group} /etc/group && mount --bind {work}/sys /sys
            {service_python} {work}/service.py 60 > {work}/service.log 2>&1 &
            # the socket comes before the service's own line: wait for both (a busy machine widens the gap)
            for i in $(seq 150); do [ -S /run/jtop.sock ] && grep -q '^service:' {work}/service.log && break; sleep 0.2; done
            grep '^service:' {work}/service.log
            for py in {" ".join(clients)}; do timeout 30 "$py" {work}/detect.py {ROOT}; done
            kill %1; wait
            """
        )
        proc = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", script],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    print(proc.stdout + proc.stderr[-2000:])
    matched_ok = "jtop         yes" in proc.stdout
    mismatch_line = "major.minor must match" in proc.stdout or jetson_stats_matches()
    return 0 if matched_ok and mismatch_line else 1


def jetson_stats_matches() -> bool:
    """This Python's jetson-stats is itself 4.3.x, so there is no mismatch to report."""
    try:
        import jtop
    except ImportError:
        return False
    return str(jtop.__version__).startswith("4.3.")


if __name__ == "__main__":
    sys.exit(main())
