"""A routed app from two ``app_verdicts --records`` files: audio the app reads as one channel goes to a specialist model.

Copies whose threshold the generalist's app picked for ``--condition`` (telephone-band by default) take the specialist's
score and threshold; every other copy keeps the generalist's verdict. The channel estimate does not depend on the
model, so this is what an app that routed that channel to the specialist would decide, without re-running either.
(Where the policy picks the stricter of two candidate channels, the pick follows each model's thresholds, so the
generalist's pick is the one routed on.) Compare the result with the generalist by ``app_compare``.

    python -m deepfake_live.training.app_route GENERALIST_records.json SPECIALIST_records.json --out ROUTED_records.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from deepfake_live.channel_policy import TELEPHONE
from deepfake_live.training.app_compare import load_records


def route(generalist: dict[tuple[str, str], dict], specialist: dict[tuple[str, str], dict], condition: str = TELEPHONE,
          ) -> list[dict]:
    """The generalist's records, except the copies it judged as ``condition``: those are the specialist's."""
    if not all("threshold_condition" in r for r in generalist.values()):
        raise SystemExit("app_route: the generalist's records say no threshold condition; write them again with app_verdicts --records")
    missing = [k for k, r in generalist.items() if r["threshold_condition"] == condition and k not in specialist]
    if missing:
        raise SystemExit(f"app_route: {len(missing)} copies judged as {condition} are not in the specialist's records "
                         f"(first: {missing[0][0]}); run both on the same split")
    return [specialist[k] if r["threshold_condition"] == condition else r for k, r in generalist.items()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("generalist", type=Path, help="records of the shipped (or any general) model")
    ap.add_argument("specialist", type=Path, help="records of the specialist, same split")
    ap.add_argument("--condition", default=TELEPHONE, help="the channel routed to the specialist (default: %(default)s)")
    ap.add_argument("--out", type=Path, required=True, help="records of the routed app")
    args = ap.parse_args(argv)
    generalist = load_records(args.generalist, "app_route")
    routed = route(generalist, load_records(args.specialist, "app_route"), args.condition)
    args.out.write_text(json.dumps(routed) + "\n", encoding="utf-8")
    n = sum(r["threshold_condition"] == args.condition for r in generalist.values())
    print(f"{n} of {len(routed)} copies judged as {args.condition} take the specialist's verdict -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
