"""app_compare: paired flagged shares of two app configurations, from hand-made records files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deepfake_live.training.app_compare import MEAN, compare, main, rule_spread


def _records(flag: dict[str, bool], unit: dict[str, str], label: dict[str, int]) -> list[dict]:
    return [{"path": p, "condition": "clean", "unit": unit[p], "label": label[p], "score": 0.9 if f else 0.1,
             "threshold": 0.5} for p, f in flag.items()]


def test_paired_differences_and_their_intervals(tmp_path: Path):
    paths = [f"f{i}" for i in range(40)] + [f"g{i}" for i in range(40)]
    label = {p: int(p[0] == "f") for p in paths}
    unit = {p: (f"sys:{int(p[1:]) % 8}" if p[0] == "f" else f"spk{int(p[1:]) % 10}") for p in paths}
    a = {p: p in ("f0", "f1", "f2", "f3") for p in paths}  # 4 of 40 fakes flagged
    b = {p: p in ("f0", "f1", "f2", "f3", "f8", "f9", "g5") for p in paths}  # 2 more fakes, 1 genuine
    ra, rb = _records(a, unit, label), _records(b, unit, label)
    (tmp_path / "a.json").write_text(json.dumps(ra))
    (tmp_path / "b.json").write_text(json.dumps(rb + [{**rb[0], "path": "extra"}]))
    out = compare({(r["path"], r["condition"]): r for r in ra}, {(r["path"], r["condition"]): r for r in rb})
    fakes, genuine = out["conditions"]["clean"]["fakes"], out["conditions"]["clean"]["genuine"]
    assert (fakes["a"], fakes["b"], fakes["difference"]) == pytest.approx((0.1, 0.15, 0.05))
    assert genuine["difference"] == pytest.approx(0.025)
    lo, hi = fakes["difference_ci95"]
    assert 0.0 <= lo <= 0.05 <= hi  # every resample adds >= 0 flagged fakes: paired, never below zero
    assert main([str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--out", str(tmp_path / "c.json")]) == 0
    assert json.loads((tmp_path / "c.json").read_text())["only_in_b"] == 1


def test_separation_reads_the_scores_at_the_genuine_quantile_whatever_the_thresholds():
    """B's thresholds sit above every score (nothing flagged), yet its scores separate: separation says so."""
    a, b = {}, {}
    for i in range(100):
        g = {"path": f"g{i}", "condition": "clean", "unit": f"spk{i}", "label": 0, "score": i / 100.0}
        f = {"path": f"f{i}", "condition": "clean", "unit": "sys:x", "label": 1, "score": 0.5 + i / 200.0}
        for k, rec in (("g", g), ("f", f)):
            a[(rec["path"], "clean")] = {**rec, "threshold": 0.5}
            b[(rec["path"], "clean")] = {**rec, "score": rec["score"] + (0.5 if k == "f" else 0.0), "threshold": 2.0}
    out = compare(a, b)
    assert out["conditions"]["clean"]["fakes"]["b"] == 0.0
    sep = out["separation"]["by_condition"]["clean"]
    # the 98.5% point of genuine scores 0.00..0.99 is 0.97515: of A's fakes (0.5..0.995) 4 of 100 lie above it, B's all
    assert (sep["a"], sep["b"]) == pytest.approx((0.04, 1.0))
    assert out["separation"]["by_condition"][MEAN] == pytest.approx({"a": 0.04, "b": 1.0, "difference": 0.96})


def test_rule_spread_is_the_thresholds_own_sampling_error():
    """Genuine speakers that all score alike give one threshold whatever the resample; one outlying speaker does not."""
    fakes = [{"label": 1, "unit": "sys:x", "score": i / 100.0} for i in range(100)]
    alike = [{"label": 0, "unit": f"spk{i}", "score": 0.5} for i in range(40)]
    assert rule_spread(fakes + alike, draws=20) == pytest.approx((0.5, 0.5))
    outlier = alike[:-1] + [{"label": 0, "unit": "spk39", "score": 0.95}]
    lo, hi = rule_spread(fakes + outlier, draws=40)
    # without spk39 in a resample (about 1 in 3) the threshold stays 0.5; with it, it rises towards 0.95
    assert hi == pytest.approx(0.5) and lo < 0.4
    assert rule_spread(fakes, draws=5) is None


def test_bad_records_files_are_named(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "records"}')
    with pytest.raises(SystemExit, match="not an app_verdicts --records file"):
        main([str(bad), str(bad)])
    with pytest.raises(SystemExit, match="cannot read"):
        main([str(tmp_path / "none.json"), str(bad)])


def test_mean_over_conditions_pools_every_copy_of_the_cards_conditions():
    """A stress channel (the noisy call) is compared on its own and kept out of the mean, which stays comparable
    with figures before it existed."""
    paths = [f"f{i}" for i in range(10)]
    a, b = {}, {}
    for cond, flagged_b in (("clean", 4), ("opus_12k", 0), ("noisy_call_opus_12k", 10)):
        for i, p in enumerate(paths):
            rec = {"path": p, "condition": cond, "unit": f"sys:{i % 5}", "label": 1, "threshold": 0.5}
            a[(p, cond)] = {**rec, "score": 0.9 if i < 2 else 0.1}
            b[(p, cond)] = {**rec, "score": 0.9 if i < flagged_b else 0.1}
    out = compare(a, b)["conditions"]
    mean = out[MEAN]["fakes"]
    assert (mean["n"], mean["a"], mean["b"], mean["difference"]) == pytest.approx((20, 0.2, 0.2, 0.0))
    assert out["noisy_call_opus_12k"]["fakes"]["difference"] == pytest.approx(0.8)


def test_routing_takes_the_specialists_verdict_only_where_the_app_reads_that_channel(tmp_path: Path):
    from deepfake_live.training.app_route import main as route_main

    def rec(path: str, cond: str, judged: str, score: float) -> dict:
        return {"path": path, "condition": cond, "unit": "sys:a", "label": 1, "score": score, "threshold": 0.5,
                "threshold_condition": judged}

    general = [rec("f0", "clean", "clean", 0.9), rec("f0", "telephone_8k_mulaw", "telephone_8k_mulaw", 0.1),
               rec("f0", "opus_12k", "opus_12k", 0.1)]
    special = [rec("f0", "clean", "clean", 0.1), rec("f0", "telephone_8k_mulaw", "telephone_8k_mulaw", 0.8),
               rec("f0", "opus_12k", "opus_12k", 0.9)]
    for name, records in (("g.json", general), ("s.json", special)):
        (tmp_path / name).write_text(json.dumps(records))
    assert route_main([str(tmp_path / "g.json"), str(tmp_path / "s.json"), "--out", str(tmp_path / "r.json")]) == 0
    routed = {r["condition"]: r["score"] for r in json.loads((tmp_path / "r.json").read_text())}
    assert routed == {"clean": 0.9, "telephone_8k_mulaw": 0.8, "opus_12k": 0.1}  # only the telephone-judged copy moves
    (tmp_path / "s.json").write_text(json.dumps(special[:1]))
    with pytest.raises(SystemExit, match="not in the specialist's records"):
        route_main([str(tmp_path / "g.json"), str(tmp_path / "s.json"), "--out", str(tmp_path / "r.json")])
