"""Which members (ranks, nodes) differ from the majority, field by field.

Pure: the same logic judges the ranks of one `dist` run and the nodes of a `fleet`. A value that
could not be read (None) is never a difference: unknown is not absent. When no value holds a
majority (two nodes, two drivers) nobody is blamed more than anybody else: every group is named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Split(Generic[K]):
    """One field's values over the members: the majority's value, and the groups that differ."""

    field: str
    majority: str | None  # None when no value has more members than every other
    majority_members: tuple[K, ...]
    odd: tuple[tuple[str, tuple[K, ...]], ...]  # (value, members), largest group first

    @property
    def differs(self) -> bool:
        return bool(self.odd)


def split(field: str, values: Mapping[K, str | None]) -> Split[K]:
    """The majority and the odd groups of `values` (member -> value; None = unknown)."""
    known = {member: value for member, value in values.items() if value is not None}
    groups: dict[str, list[K]] = {}
    for member, value in known.items():
        groups.setdefault(value, []).append(member)
    counts = Counter({value: len(members) for value, members in groups.items()})
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if not ranked:
        return Split(field, None, (), ())
    if len(ranked) == 1:
        only = ranked[0][0]
        return Split(field, only, tuple(groups[only]), ())
    tie = ranked[0][1] == ranked[1][1]
    majority = None if tie else ranked[0][0]
    odd = tuple((value, tuple(groups[value])) for value, _ in ranked if value != majority)
    members = tuple(groups[majority]) if majority is not None else ()
    return Split(field, majority, members, odd)
