"""Fleet sweeps without a cluster: the --cluster/--boards/--board-root language, board-kind choice, point keys
per board, and the per-board groups and cross-board view that `recommend` prints for a fleet file."""

from __future__ import annotations

import json

import pytest

from core.sweep.cluster import BoardPlan, ClusterError, choose_kinds, dask_key, local_boards, parse_cluster
from core.sweep.crossboard import cross_board_rows
from core.sweep.points import by_model, points_of
from core.sweep.runner import BASELINE
from core.sweep.store import point_key
from tests.fixtures.fleet import fleet_file
from tui.cli.main import main


def test_parse_cluster():
    assert parse_cluster("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", None)
    assert parse_cluster("local:2") == (None, 2)
    for bad in ("local:0", "local:two", "10.0.0.5:8786", "tcp://"):
        with pytest.raises(ClusterError):
            parse_cluster(bad)


def test_local_boards_deal_kinds_and_roots():
    boards = local_boards(3, ["tx2", "orin"], {"tx2": "/t"}, "/sys")
    assert [(b.name, b.kind, b.sysfs_root) for b in boards] == [
        ("tx2-0", "tx2", "/t"), ("orin-1", "orin", "/sys"), ("tx2-2", "tx2", "/t")
    ]  # fmt: skip
    assert [b.kind for b in local_boards(2, None, {}, "/sys")] == ["local", "local"]


def test_choose_kinds():
    have = {"tx2": ["a"], "orin": ["b", "c"]}
    assert choose_kinds(have, None, "x") == ["orin", "tx2"]
    assert choose_kinds(have, ["tx2"], "x") == ["tx2"]
    with pytest.raises(ClusterError, match="no worker of x is a xavier board .the cluster has orin, tx2"):
        choose_kinds(have, ["tx2", "xavier"], "x")
    with pytest.raises(ClusterError, match='--resources "board-tx2=1"'):
        choose_kinds({}, None, "x")


def test_point_keys_name_the_board():
    tx2 = BoardPlan(models=["m"], settings=[], board="tx2")
    orin = BoardPlan(models=["m"], settings=[], board="orin")
    assert tx2.key("m", BASELINE) != orin.key("m", BASELINE)
    assert tx2.key("m", BASELINE) == point_key("m", "baseline", tx2.options, None, None, board="tx2")
    assert (
        dask_key(tx2.key("m", BASELINE))
        == dask_key(tx2.key("m", BASELINE))
        != dask_key(orin.key("m", BASELINE))
    )
    # a one-machine key is unchanged by the new parameter (files written before still resume)
    assert point_key("m", "q8", tx2.options, None) == json.dumps(
        ["m", "q8", None, sorted(json.loads(point_key("m", "q8", tx2.options, None))[3])],
        separators=(",", ":"),
    )


def test_groups_and_cross_board_rows(tmp_path):
    points = points_of([json.loads(x) for x in fleet_file(tmp_path).read_text().splitlines()])
    assert sorted(by_model(points)) == ["mobilenet-v2 on orin", "mobilenet-v2 on tx2"]
    rows = {r.setting: r.ratios for r in cross_board_rows(points)}
    assert sorted(rows) == ["p0.25", "q6", "q8"]
    assert rows["q8"]["tx2"]["latency"] == pytest.approx(0.0235 / 0.021)
    assert rows["q8"]["orin"]["latency"] == pytest.approx(0.0235 * 1.3 / 0.021)
    assert rows["q8"]["tx2"]["energy"] == pytest.approx(0.118 / 0.105)


def test_recommend_per_board_with_the_cross_board_view(tmp_path, capsys):
    code = main(["recommend", str(fleet_file(tmp_path)), "--objective", "latency"])
    out = capsys.readouterr().out
    assert code == 0
    assert "mobilenet-v2 on tx2: 4 points" in out and "mobilenet-v2 on orin: 4 points" in out
    assert "across boards" in out
    (q8,) = [line.split() for line in out.splitlines() if line.split()[:2] == ["mobilenet-v2", "q8"]]
    assert q8 == ["mobilenet-v2", "q8", "1.45x", "/", "1.12x", "1.12x", "/", "1.12x"]  # orin first (sorted)


def test_cluster_flags_are_one_line_errors(tmp_path, capsys):
    base = ["sweep", "--model", "digits-cnn", "--settings", "q8", "--out", str(tmp_path / "s.jsonl")]
    assert main([*base, "--cluster", "local:zero"]) == 2
    assert main([*base, "--cluster", "local:1", "--board-root", "tx2"]) == 2
    assert main([*base, "--cluster", "local:1", "--board-root", f"tx2={tmp_path / 'none'}"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 3 and "Traceback" not in err
    assert "local:N" in lines[0] and "KIND=DIR" in lines[1] and "is not a folder" in lines[2]


def test_cost_line_names_the_dask_worker_of_a_fleet_point():
    from core.report.wording import measurement_cost_line

    env = {"dashboard_mode": "none", "fleet": {"dask_worker": {"cpu_pct_of_one_core": 0.64, "reason": None}}}
    line = measurement_cost_line({"environment": env, "runs": []})
    assert line == "measured with dashboard none; Dask worker 0.6% of a core while timing"
    env["fleet"]["dask_worker"] = {"cpu_pct_of_one_core": None, "reason": "no timed span was seen"}
    assert "Dask" not in (measurement_cost_line({"environment": env, "runs": []}) or "")
