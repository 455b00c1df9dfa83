"""Markdown tables for the model card, generated from validation.json and crossval.json (never typed by hand).

    python -m deepfake_live.training.card_tables models/
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _ci(r: dict, key: str) -> str:
    """'25.9% (20-32)': the EER with its 95% bootstrap interval, when the report has one."""
    ci = r.get(key.replace("eer", "eer_ci95", 1))
    base = _pct(r.get(key))
    if not ci or ci[0] is None or ci[1] is None:
        return base
    return f"{base} ({100 * ci[0]:.0f}-{100 * ci[1]:.0f})"


def _num(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def validation_tables(val: dict) -> str:
    lines = ["| condition | model | EER unseen systems (95% CI) | EER unseen modern | EER unseen older | "
             "detected at 1% / 2% / 5% FPR | FPR@thr | flagged@thr | minDCF | ECE |", "|---|---|---|---|---|---|---|---|---|---|"]
    for cond, by in val["conditions"].items():
        for name, r in by.items():
            det = r.get("detection_at_fpr", {})
            lines.append(f"| {cond} | {name} | {_ci(r, 'eer')} | {_ci(r, 'eer_unseen_modern_generators')} | "
                         f"{_ci(r, 'eer_unseen_older_generators')} | {' / '.join(_pct(det.get(k)) for k in ('1%', '2%', '5%'))} | "
                         f"{_pct(r['fpr_at_threshold'])} | {_pct(1 - r['miss_at_threshold'])} | "
                         f"{_num(r['min_dcf'])} | {_num(r['ece'])} |")
    out = ["\n".join(lines)]
    if val.get("at_condition_threshold"):
        t = ["| condition | its threshold | real: genuine / uncertain / synthetic | fake: genuine / uncertain / synthetic |",
             "|---|---|---|---|"]
        for cond, r in val["at_condition_threshold"].items():
            vs = r["verdict_shares"]
            cells = [" / ".join(_pct(vs[k][w]) for w in ("likely genuine", "uncertain", "likely synthetic")) for k in ("real", "fake")]
            t.append(f"| {cond} | {r['threshold']:.3f} | {cells[0]} | {cells[1]} |")
        out.append("\n".join(t))
    clean = val["conditions"].get("clean", {})
    tel = val["conditions"].get("telephone_8k_mulaw", {})
    if "cnn" in clean:
        sep = "|---|---|---|---|---|---|"
        g = ["| generator | n | EER clean (CNN) | EER telephone (CNN) | EER clean (MFCC) | miss@thr clean (CNN) |", sep]
        for s, r in clean["cnn"]["per_generator"].items():
            t = tel.get("cnn", {}).get("per_generator", {}).get(s, {})
            b = clean.get("mfcc_baseline", {}).get("per_generator", {}).get(s, {})
            g.append(f"| {s} | {r['n']} | {_pct(r['eer'])} | {_pct(t.get('eer'))} | {_pct(b.get('eer'))} | "
                     f"{_pct(r['miss_at_threshold'])} |")
        out.append("\n".join(g))
        c = ["| real corpus | n | FPR@thr clean | FPR@thr telephone | FPR@thr opus 12k | FPR@thr reverb+noise |", sep]
        for k, r in clean["cnn"]["per_real_corpus"].items():
            row = [_pct(val["conditions"].get(cd, {}).get("cnn", {}).get("per_real_corpus", {}).get(k, {}).get("fpr_at_threshold"))
                   for cd in ("clean", "telephone_8k_mulaw", "opus_12k", "reverb_noise_10db")]
            c.append(f"| {k} | {r['n']} | " + " | ".join(row) + " |")
        out.append("\n".join(c))
    return "\n\n".join(out)


def _mean(vals: list) -> float | None:
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else None


def crossval_table(cv: dict) -> str:
    lines = ["| held-out family | systems | n fake | CNN clean | CNN telephone | MFCC clean | MFCC telephone |",
             "|---|---|---|---|---|---|---|"]
    for fam, f in cv["folds"].items():
        cells = [_ci(f.get(m, {}).get(c, {}), "eer") for m in ("cnn", "mfcc_baseline") for c in ("clean", "telephone_8k_mulaw")]
        lines.append(f"| {fam} | {', '.join(f['systems'])} | {f['n_fake']} | " + " | ".join(cells) + " |")
    me = cv.get("mean_eer") or {  # a partial run has no mean yet: average the finished folds
        m: {c: _mean([f[m][c]["eer"] for f in cv["folds"].values() if m in f]) for c in ("clean", "telephone_8k_mulaw")}
        for m in ("cnn", "mfcc_baseline")
    }
    cells = [_pct(me.get(m, {}).get(c)) for m in ("cnn", "mfcc_baseline") for c in ("clean", "telephone_8k_mulaw")]
    lines.append("| **mean** | | | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def window_table(ws: dict) -> str:
    lines = ["| window | first verdict after | window EER clean | clip EER clean | window EER telephone | clip EER telephone |",
             "|---|---|---|---|---|---|"]
    for frames, r in ws["windows"].items():
        cells = [_pct(r[c][k]) for c in ("clean", "telephone_8k_mulaw") for k in ("window_eer", "clip_eer")]
        lines.append(f"| {frames} frames | {r['seconds']:.2f} s | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def data_table(meta: dict) -> str:
    """Clips per split and class, and the generator systems of each split, from the model metadata."""
    td = meta.get("training_data", {})
    lines = ["| split | real clips | fake clips | fake systems |", "|---|---|---|---|"]
    for name, r in td.get("splits", {}).items():
        systems = td.get("systems_by_split", {}).get(name, [])
        lines.append(f"| {name} | {r['real']} | {r['fake']} | {len(systems)}: {', '.join(systems)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    d = Path((argv or sys.argv[1:] or ["models"])[0])
    if (d / "deepfake_live.json").is_file():
        print(data_table(json.loads((d / "deepfake_live.json").read_text())))
        print()
    if (d / "validation.json").is_file():
        print(validation_tables(json.loads((d / "validation.json").read_text())))
    if (d / "crossval.json").is_file():
        print()
        print(crossval_table(json.loads((d / "crossval.json").read_text())))
    if (d / "window_study.json").is_file():
        print()
        print(window_table(json.loads((d / "window_study.json").read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
