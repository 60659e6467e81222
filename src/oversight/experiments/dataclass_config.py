"""A table of an experiment file validated against the frozen dataclass that uses it.

Every scheme's settings are defined once, by the dataclass its code runs with: the tabular
schemes' (`RLHF`, `Debate`, `RRM`, `Amplification`, `Adversarial`, their ranges as `Annotated`
constraints on the fields) become the spec's pydantic models through `spec_model`; the deep-RL,
digits and language-model tables (`DeepRLHF`, digits `Config`, `LMRLHF`) are checked by `build`
— unknown keys with the closest valid name, types by pydantic without coercing strings or
booleans into numbers — and stored with every default filled in, so the run key and the report
see the values the run used.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError, create_model

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
            at = f"{where}.{path}" if path else where
            lines.append(f"{at}: {err['msg']} (given: {err.get('input')!r})")
        raise ValueError("; ".join(lines)) from None


def resolved(cls: type[T], data: dict[str, Any], where: str) -> dict[str, Any]:
    """The table with every default filled in, as JSON-able values."""
    return dict(TypeAdapter(cls).dump_python(build(cls, data, where), mode="json"))


@functools.cache
def spec_model(cls: type, base: type[BaseModel], module: str,
               exclude: tuple[str, ...] = ()) -> type[BaseModel]:
    """A pydantic model `{cls}Spec` (a subclass of `base`) with the fields, types, constraints
    and defaults of dataclass `cls`, less `exclude`; a nested dataclass field becomes a nested
    model. Cached, so each is one class; `module` must bind every such class (its own and its
    nested ones) under its name, for pickling into worker processes."""
    hints = typing.get_type_hints(cls, include_extras=True)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name in exclude:
            continue
        nested = _dataclass_in(hints[f.name])
        if nested is not None:
            model = spec_model(nested, base, module)
            fields[f.name] = (model, model())
        elif f.default is not dataclasses.MISSING:
            fields[f.name] = (hints[f.name], f.default)
        else:
            raise TypeError(f"{cls.__name__}.{f.name}: a setting needs a default")
    return create_model(f"{cls.__name__}Spec", __base__=base, __module__=module, **fields)
