"""The text report of ``deepfake-live evaluate``: per condition a summary line, then the per-generator table.

One number format throughout (percentages with one decimal, counts as integers, "-" for what cannot be
measured), so lines can be compared by eye and the table is what the command's help promises.
"""

from __future__ import annotations


def pct(value: float | None) -> str:
    """0.1234 -> '12.3%'; None/NaN (not measurable, e.g. no real clips) -> '-'."""
    if value is None or value != value:
        return "-"
    return f"{100.0 * value:.1f}%"


def summary_line(cond: str, name: str, r: dict) -> str:
    return (f"{cond:20s} {name:9s} real {r['n_real']:4d}  fake {r['n_fake']:4d}  EER {pct(r['eer']):>6s}  "
            f"minDCF {'-' if r['min_dcf'] is None else format(r['min_dcf'], '.3f')}  ECE {pct(r['ece']):>6s}  "
            f"real flagged {pct(r['fpr_at_threshold']):>6s}  fakes missed {pct(r['miss_at_threshold']):>6s}")


def generator_table(r: dict, indent: str = "    ") -> list[str]:
    """Rows: every generator (fake system) with its clip count, EER against all real clips and misses at the threshold;
    then every real corpus with its count and how many of its clips were flagged."""
    gens = r.get("per_generator") or {}
    corpora = r.get("per_real_corpus") or {}
    width = max([len(k) for k in (*gens, *corpora)] + [20])
    lines = [f"{indent}{'generator':{width}s} {'clips':>5s} {'EER':>6s} {'missed':>7s}"]
    lines += [f"{indent}{k:{width}s} {g['n']:5d} {pct(g['eer']):>6s} {pct(g['miss_at_threshold']):>7s}" for k, g in gens.items()]
    lines.append(f"{indent}{'real corpus':{width}s} {'clips':>5s} {'':>6s} {'flagged':>7s}")
    lines += [f"{indent}{k:{width}s} {c['n']:5d} {'':>6s} {pct(c['fpr_at_threshold']):>7s}" for k, c in corpora.items()]
    return lines


def report_text(result: dict) -> str:
    """The whole text report for the dict ``run_evaluation`` returns."""
    lines = []
    for cond, by_model in result["conditions"].items():
        for name, r in by_model.items():
            lines.append(summary_line(cond, name, r))
            lines += generator_table(r)
    thresholds = ", ".join(f"{k} {v:.2f}" for k, v in result.get("thresholds", {}).items())
    lines.append(f"EER: equal error rate; real flagged / fakes missed: at the file threshold ({thresholds}); "
                 "per generator: its fakes against all real clips.")
    return "\n".join(lines)
