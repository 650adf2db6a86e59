"""The facts document: round trip, strict reading, and the published schema."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from detect_helpers import MachineFactory, target_answer

from torchdoctor.facts import FactsError, facts_document, facts_from_document
from torchdoctor.facts.schema import build_schema, load_schema
from torchdoctor.probes import collect_facts


@pytest.fixture
def document(machine: MachineFactory) -> dict[str, Any]:
    host = machine(python={"probe_target.py": {"channel": target_answer()}})
    facts = collect_facts(host, timeout=5.0)
    loaded: dict[str, Any] = json.loads(json.dumps(facts_document(facts)))
    return loaded


def test_round_trip(document: dict[str, Any]) -> None:
    facts = facts_from_document(document)
    assert facts_document(facts) == document
    assert list(document) == ["schema_version", "tool", "facts"]


def test_shipped_schema_is_current_and_validates(document: dict[str, Any]) -> None:
    assert load_schema() == build_schema()
    jsonschema.Draft202012Validator.check_schema(load_schema())
    jsonschema.validate(document, load_schema())


def test_unknown_extra_keys_are_tolerated(document: dict[str, Any]) -> None:
    document["facts"]["nvidia"]["some_future_field"] = 1
    document["facts"]["future_section"] = {}
    document["extra"] = True
    assert facts_from_document(document).nvidia.status == "absent"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["facts"]["nvidia"].pop("status"), "facts.nvidia.status: missing"),
        (
            lambda d: d["facts"]["python"].update(pointer_bits="64"),
            "facts.python.pointer_bits: expected an integer, got a string ('64')",
        ),
        (
            lambda d: d["facts"]["os"].update(status="fine"),
            "facts.os.status: expected one of 'found', 'absent', 'unknown', got 'fine'",
        ),
        (
            lambda d: d["facts"]["python"]["torch_copies"][0].update(in_user_site="no"),
            "facts.python.torch_copies[0].in_user_site: expected a boolean, got a string ('no')",
        ),
        (lambda d: d["facts"].update(pci=[]), "facts.pci: expected an object, got a list"),
        (lambda d: d.update(schema_version=99), "schema_version 99 is not supported"),
        (lambda d: d.pop("facts"), "not a facts document: facts is missing"),
    ],
)
def test_malformed_documents_name_the_field(
    document: dict[str, Any], mutate: Any, message: str
) -> None:
    broken = copy.deepcopy(document)
    mutate(broken)
    with pytest.raises(FactsError) as info:
        facts_from_document(broken)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_not_an_object() -> None:
    with pytest.raises(FactsError, match="expected a JSON object"):
        facts_from_document([1, 2])
