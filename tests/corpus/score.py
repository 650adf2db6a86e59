"""Score torchdoctor's diagnosis on the failure corpus: `python tests/corpus/score.py`.

Prints the number of cases, the share whose expected finding torchdoctor makes, the share of
expected commands it gives (over the cases that name one), found/total per class, and every
miss with its reason from the test's KNOWN_MISSES. Nothing is written; no network is used.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_facts import load_cases
from corpus_score import Outcome, evaluate
from test_corpus import KNOWN_MISSES


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def main() -> int:
    outcomes: list[Outcome] = [evaluate(case) for case in load_cases()]
    found = sum(o.found for o in outcomes)
    with_command = [o for o in outcomes if o.command_right is not None]
    right = sum(bool(o.command_right) for o in with_command)
    print(f"cases: {len(outcomes)}")
    print(f"expected findings found: {_share(found, len(outcomes))}")
    print(f"expected commands right: {_share(right, len(with_command))}")
    print(f"cases passing both: {_share(sum(o.passed for o in outcomes), len(outcomes))}")
    per_class: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        per_class[outcome.problem_class].append(outcome)
    print(f"\nper class ({len(per_class)} classes), found/total:")
    width = max(len(name) for name in per_class)
    for name in sorted(per_class):
        group = per_class[name]
        print(f"  {name:<{width}}  {sum(o.found for o in group)}/{len(group)}")
    misses = [o for o in outcomes if not o.passed]
    print(f"\nmisses ({len(misses)}):")
    for o in misses:
        what = "finding" if not o.found else "command"
        reason = KNOWN_MISSES.get(o.case_id, "NOT IN KNOWN_MISSES")
        print(f"  {o.case_id} [{what}]: {reason}")
    stale = sorted(set(KNOWN_MISSES) - {o.case_id for o in misses})
    for case_id in stale:
        print(f"  {case_id}: passes now; take it off KNOWN_MISSES")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
