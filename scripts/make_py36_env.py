"""Build (or reuse) a Python 3.6 venv with TensorFlow 1.15 (or 2.6): the TX2's runner stack, emulated here.

JetPack 4.6's stock Python is 3.6 and NVIDIA's TensorFlow for it is 1.15 or 2.7; PyPI's last builds for 3.6 are
tensorflow-cpu 1.15.5 and 2.6.x, so this venv runs the worker's run stage the way the board would. Only the
runner's needs go in (TensorFlow, its numpy, psutil): nothing from the dashboard side.

    python scripts/make_py36_env.py                 # TF 1.15 -> ~/.cache/tocompress/py36-tf115
    python scripts/make_py36_env.py --tf 2.6        # TF 2.6  -> ~/.cache/tocompress/py36-tf26
    python scripts/make_py36_env.py --python /usr/bin/python3.6 --dir /tmp/env

Prints the env's interpreter path on the last line (for `--worker-python`). Exit 2 when no Python 3.6 exists,
3 when the install fails (offline, no wheel): one line on stderr says which.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# pip 21.3.1 is the last pip for 3.6 and knows manylinux2010 (pyenv's 3.6.15 ships pip 18.1, which does not).
PIP = "pip>=21,<22"
STACKS = {
    # TF 1.15.5 wants numpy <1.19; 1.18.5 is the last that satisfies it with wheels for 3.6.
    "1.15": ["tensorflow-cpu==1.15.*", "numpy>=1.16,<1.19", "psutil"],
    # TF 2.6 pins numpy ~=1.19.2; the last protobuf for 3.6 is 3.19.
    "2.6": ["tensorflow-cpu==2.6.*", "numpy>=1.19,<1.20", "protobuf<3.20", "psutil"],
}
MARKER = "tocompress-env.txt"


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/tocompress, else ~/.cache/tocompress."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tocompress"


def default_env_dir(tf_version: str) -> Path:
    return cache_dir() / ("py36-tf" + tf_version.replace(".", ""))


def find_python36() -> str | None:
    """A CPython 3.6 interpreter: $TOCOMPRESS_PY36, pyenv's 3.6.x, or python3.6 on PATH."""
    candidates = [os.environ.get("TOCOMPRESS_PY36", "")]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    versions = Path(pyenv_root) / "versions"
    if versions.is_dir():
        candidates += [str(p / "bin" / "python3.6") for p in sorted(versions.glob("3.6.*"), reverse=True)]
    candidates.append(shutil.which("python3.6") or "")
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    return None


def env_python(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def is_ready(env_dir: Path, tf_version: str) -> bool:
    """The env exists, was finished by this script for this stack, and its interpreter still runs."""
    marker = env_dir / MARKER
    if not marker.exists() or marker.read_text().strip() != " ".join(STACKS[tf_version]):
        return False
    probe = subprocess.run([str(env_python(env_dir)), "-c", "import numpy, psutil"], capture_output=True)
    return probe.returncode == 0


def _quiet(cmd: list[str]) -> None:
    """Run one step; its output (pip's warnings about this machine's index) is shown only when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise subprocess.CalledProcessError(proc.returncode, cmd)


def build(python36: str, env_dir: Path, tf_version: str) -> None:
    """Create the venv and install the stack; the marker is written last, so a half-built env is rebuilt."""
    if env_dir.exists():
        if not (env_dir / "pyvenv.cfg").exists():
            raise RuntimeError(
                f"{env_dir} exists and is not a venv; refusing to replace it, choose another --dir"
            )
        shutil.rmtree(env_dir)  # a half-built or older env of ours
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    _quiet([python36, "-m", "venv", str(env_dir)])
    pip = [str(env_python(env_dir)), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _quiet([*pip, PIP])
    _quiet([*pip, *STACKS[tf_version]])
    (env_dir / MARKER).write_text(" ".join(STACKS[tf_version]) + "\n")


def ensure_env(tf_version: str = "1.15", env_dir: Path | None = None, python36: str | None = None) -> Path:
    """The env's interpreter, building the env first if needed. Raises LookupError (no 3.6) or RuntimeError."""
    env_dir = env_dir or default_env_dir(tf_version)
    if is_ready(env_dir, tf_version):
        return env_python(env_dir)
    python36 = python36 or find_python36()
    if python36 is None:
        raise LookupError("no Python 3.6 interpreter (pyenv install 3.6.15, or set TOCOMPRESS_PY36)")
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    # Two builders of one env (parallel test workers, two shells) wait for each other instead of deleting each
    # other's half-built venv; the one that waited finds the env ready.
    with open(env_dir.parent / (env_dir.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_ready(env_dir, tf_version):
            return env_python(env_dir)
        try:
            build(python36, env_dir, tf_version)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(
                f"could not install {' '.join(STACKS[tf_version])} into {env_dir} (offline, or no wheel for this "
                f"platform): {' '.join(exc.cmd[-3:])} exited {exc.returncode}"
            ) from None
    return env_python(env_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf", choices=sorted(STACKS), default="1.15", help="TensorFlow line (default 1.15)")
    parser.add_argument("--dir", type=Path, help="env folder (default ~/.cache/tocompress/py36-tfXY)")
    parser.add_argument("--python", help="the Python 3.6 interpreter (default: pyenv's or python3.6)")
    args = parser.parse_args(argv)
    start_s = time.monotonic()
    try:
        python = ensure_env(args.tf, args.dir, args.python)
    except LookupError as exc:
        print(f"make_py36_env: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"make_py36_env: {exc}", file=sys.stderr)
        return 3
    print(f"ready in {time.monotonic() - start_s:.1f} s", file=sys.stderr)
    print(python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
