"""A launched rank of `torchdoctor dist` with a fault the test injects: torchrun runs this
script instead of `-m torchdoctor`, with TORCHDOCTOR_TEST_FAULT="RANK:KIND[:ARG]":

- `R:exit-at-start`   rank R exits (code 0) before it reaches the rendezvous;
- `R:exit:STEP`       rank R exits (code 0) when it announces STEP ("all_reduce", ...);
- `R:stall:STEP`      rank R sleeps when it announces STEP, until the launcher stops it;
- `R:torch:VERSION`   rank R reports another torch build (a faked fact).

Only this test script reads the variable: torchdoctor itself has no fault hook.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from typing import Any


def _inject(kind: str, arg: str) -> None:
    from torchdoctor.dist import control, rank

    if kind == "exit-at-start":
        os._exit(0)
    if kind in ("exit", "stall"):
        announce = control.Control.announce

        def faulty(self: control.Control, phase: str) -> None:
            announce(self, phase)
            if phase == arg:
                if kind == "exit":
                    os._exit(0)
                while True:
                    time.sleep(1)

        control.Control.announce = faulty  # type: ignore[method-assign]
    elif kind == "torch":
        facts = rank._Rank.facts

        def other_torch(self: Any) -> Any:
            return dataclasses.replace(facts(self), torch=arg)

        rank._Rank.facts = other_torch  # type: ignore[method-assign]


def main() -> None:
    fault = os.environ.get("TORCHDOCTOR_TEST_FAULT", "")
    target, _, rest = fault.partition(":")
    kind, _, arg = rest.partition(":")
    if fault and target == os.environ.get("RANK"):
        _inject(kind, arg)
    from torchdoctor.cli import main as cli

    cli(["dist", *sys.argv[1:]])


if __name__ == "__main__":
    main()
