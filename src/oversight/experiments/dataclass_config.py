"""A table of an experiment file validated against the frozen dataclass that uses it.

The deep-RL and digits settings are defined once, by the dataclasses their code runs with
(schemes/deep_rlhf.py `DeepRLHF`, digits/experiment.py `Config`); an arm's `[deep]` or `[digits]`
table is checked against them here — unknown keys with the closest valid name, types by pydantic
without coercing strings or booleans into numbers — and stored with every default filled in, so the
run key and the report see the values the run used.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


def _dataclass_in(annotation: Any) -> type | None:
    """The dataclass an annotation names, alone or as `X | None`."""
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return annotation
    inner = [a for a in typing.get_args(annotation) if a is not type(None)]
    return _dataclass_in(inner[0]) if len(inner) == 1 else None


def _unknown_keys(cls: type, data: dict[str, Any], where: str) -> None:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    for key, value in data.items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{where}.{key}: unknown setting{hint}; expected some of {names}")
        nested = _dataclass_in(hints[key])
        if nested is not None and isinstance(value, dict):
            _unknown_keys(nested, value, f"{where}.{key}")


def build(cls: type[T], data: dict[str, Any], where: str) -> T:
    """An instance of dataclass `cls` from a TOML table; ValueError naming the field."""
    _unknown_keys(cls, data, where)
    try:
        return TypeAdapter(cls).validate_python(data)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            path = ".".join(str(p) for p in err["loc"])
            lines.append(f"{where}.{path}: {err['msg']} (given: {err.get('input')!r})")
        raise ValueError("; ".join(lines)) from None


def resolved(cls: type[T], data: dict[str, Any], where: str) -> dict[str, Any]:
    """The table with every default filled in, as JSON-able values."""
    return dict(TypeAdapter(cls).dump_python(build(cls, data, where), mode="json"))
