"""The paired-timing flags reach the run options, and the summary says how the paired answer was reached."""

from tui.cli.main import build_parser
from tui.cli.preflight import options_from
from tui.cli.run import paired_line


def test_flags_set_the_paired_options():
    options = options_from(build_parser().parse_args(["run"]))
    assert (options.paired, options.paired_threshold_pct, options.paired_target_pct) == (True, 2.0, 2.0)
    assert options.paired_max_seconds == 10.0 and options.paired_block_s is None  # the session picks
    argv = ["run", "--threshold", "5", "--paired-target", "1", "--paired-seconds", "30", "--no-paired",
            "--paired-block", "0.2"]  # fmt: skip
    options = options_from(build_parser().parse_args(argv))
    assert (options.paired, options.paired_threshold_pct, options.paired_target_pct) == (False, 5.0, 1.0)
    assert options.paired_max_seconds == 30.0 and options.paired_block_s == 0.2


def test_paired_line_says_the_ratio_pairs_and_why_it_stopped():
    lat = {
        "ratio": 1.132,
        "ratio_ci95": [1.081, 1.186],
        "pairs": 8,
        "processes": 1,
        "stopped": "excludes_one",
    }
    run = {"variant": "q8", "paired": {"against": "baseline", "latency": lat}}
    assert paired_line(run) == (
        "q8 / baseline time: 1.132x (1.081-1.186), 8 pairs; stopped: the interval lay clearly beyond 1"
    )
    run["paired"]["latency"] = {**lat, "processes": 3, "pairs": 24, "stopped": "cap"}
    assert "24 pairs over 3 processes; stopped: the time cap" in paired_line(run)
    run["paired"]["latency"] = {"ratio": None, "reason": "paired stage: boom"}
    assert paired_line(run) == "q8 / baseline time: not paired: paired stage: boom"
    assert paired_line({"variant": "baseline"}) is None
