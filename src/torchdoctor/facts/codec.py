"""Plain-dict conversion of the facts dataclasses, and the JSON Schema derived from the same types.

One walker over the type hints serves three jobs, so the model, `from_dict` and the published
schema cannot drift apart: `to_dict` (dataclass -> JSON-ready dict), `from_dict` (strict: every
declared key must be present with the right type, except fields marked `added` (newer than the
first documents), so older documents still load; unknown extra keys are ignored so newer documents
still load) and `schema_for` (JSON Schema of the same shape).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Literal, TypeVar, Union

T = TypeVar("T")


class FactsError(ValueError):
    """A facts document that does not have the expected shape; the message names the field."""


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def to_dict(obj: Any) -> Any:
    """A JSON-ready value: dataclasses become dicts (field order kept), tuples become lists."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_dict(item) for item in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    return obj


def from_dict(cls: type[T], data: Any, where: str = "facts") -> T:
    """Build `cls` from `data`, or raise FactsError naming the first bad field (`where` prefix)."""
    return typing.cast(T, _convert(cls, data, where))


def _convert(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, value, where)
            except FactsError as exc:
                errors.append(str(exc))
        raise FactsError(errors[0] if len(errors) == 1 else f"{where}: {_describe(tp)} expected")
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise FactsError(f"{where}: expected one of {choices}, got {value!r}")
        return value
    if origin is tuple:
        item_type = typing.get_args(tp)[0]
        if not isinstance(value, list):
            raise FactsError(f"{where}: expected a list, got {_json_type(value)}")
        return tuple(_convert(item_type, item, f"{where}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        key_type, value_type = typing.get_args(tp)
        if not isinstance(value, dict):
            raise FactsError(f"{where}: expected an object, got {_json_type(value)}")
        return {
            _convert(key_type, k, f"{where}"): _convert(value_type, v, f"{where}.{k}")
            for k, v in value.items()
        }
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _convert_dataclass(tp, value, where)
    return _convert_scalar(tp, value, where)


def _convert_dataclass(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise FactsError(f"{where}: expected an object, got {_json_type(value)}")
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in value and f.metadata.get("added"):
            continue  # a field newer than the document: its default stands
        if f.name not in value:
            raise FactsError(f"{where}.{f.name}: missing")
        kwargs[f.name] = _convert(hints[f.name], value[f.name], f"{where}.{f.name}")
    return cls(**kwargs)


def _convert_scalar(tp: Any, value: Any, where: str) -> Any:
    if tp is type(None):
        if value is not None:
            raise FactsError(f"{where}: expected null, got {_json_type(value)}")
        return None
    # bool is an int subclass in Python but not in JSON: keep them apart.
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    if tp in (bool, int, float, str):
        raise FactsError(f"{where}: expected {_describe(tp)}, got {_json_type(value)}")
    raise TypeError(f"unsupported type in the facts model: {tp!r}")  # a bug in the model


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _describe(tp: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    if tp in names:
        return names[tp]
    return getattr(tp, "__name__", str(tp))


# -- JSON Schema ----------------------------------------------------------------------------------


def schema_for(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of `tp`; dataclasses go to `defs` (by class name) and are referenced."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return {"anyOf": [schema_for(option, defs) for option in typing.get_args(tp)]}
    if origin is Literal:
        return {"enum": list(typing.get_args(tp))}
    if origin is tuple:
        return {"type": "array", "items": schema_for(typing.get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": schema_for(typing.get_args(tp)[1], defs)}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder first: guards against recursion
            hints = _hints(tp)
            fields = dataclasses.fields(tp)
            defs[name] = {
                "type": "object",
                "description": (tp.__doc__ or "").strip().splitlines()[0],
                "required": [f.name for f in fields if not f.metadata.get("added")],
                "properties": {f.name: schema_for(hints[f.name], defs) for f in fields},
            }
        return {"$ref": f"#/$defs/{name}"}
    simple = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string"}
    if tp in simple:
        return {"type": simple[tp]}
    raise TypeError(f"unsupported type in the facts model: {tp!r}")
