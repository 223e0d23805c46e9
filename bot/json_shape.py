"""Checking the shape of JSON from outside before code that trusts it reads it.

A spec names, for each field some code reads, the JSON type it must have; fields nobody reads
are not checked, so what a platform adds to its payloads later passes. ``problem_with`` says
what is wrong in one short phrase (``actions[0].value is a number, not text``), fit for a log
line: it names paths (keys cut short and escaped) and types, never the values themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NoneType = type(None)


@dataclass(frozen=True)
class Obj:
    """A JSON object; the named fields, when present, have their spec. Other fields pass."""

    fields: Mapping[str, Spec] = field(default_factory=dict)
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ListOf:
    item: Spec
    non_empty: bool = False


@dataclass(frozen=True)
class MapOf:
    """A JSON object whose every value has ``value``'s spec (the keys are free)."""

    value: Spec


@dataclass(frozen=True)
class Matching:
    """Text that matches ``pattern`` (in full); ``what`` names it in a refusal."""

    pattern: re.Pattern[str]
    what: str


# A type, one of several specs (a tuple), or a structure.
Spec = type | tuple["Spec", ...] | Obj | ListOf | MapOf | Matching

TEXT = (str, NoneType)
MAX_DEPTH = 24  # real payloads nest checked fields a few levels deep


def problem_with(value: Any, spec: Spec, path: str = "") -> str | None:
    """What is wrong with ``value`` (at ``path``) by ``spec``, or None."""
    return _check(value, spec, path, 0)


def kind_of(value: object) -> str:
    """A JSON value's kind, in words: "null", "a number", "text", "a list", …"""
    return _kind(value)


def _check(value: Any, spec: Spec, path: str, depth: int) -> str | None:
    where = path or "the body"
    if depth > MAX_DEPTH:
        return f"{where} is nested too deeply"
    if isinstance(spec, tuple):
        for option in spec:
            problem = _check(value, option, path, depth)
            if problem is None:
                return None
            if _structured_like(value, option):  # the problem is inside: say where
                return problem
        return f"{where} is {_kind(value)}, not {_expected(spec)}"
    if isinstance(spec, Matching):
        if isinstance(value, str) and spec.pattern.fullmatch(value):
            return None
        return f"{where} is not {spec.what}"
    if isinstance(spec, type):
        # Exactly: true is an int in Python, and neither is text.
        if type(value) is spec:
            return None
        return f"{where} is {_kind(value)}, not {_expected(spec)}"
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            return f"{where} is {_kind(value)}, not a list"
        if spec.non_empty and not value:
            return f"{where} is empty"
        for index, item in enumerate(value):
            problem = _check(item, spec.item, f"{path}[{index}]", depth + 1)
            if problem is not None:
                return problem
        return None
    if not isinstance(value, dict):
        return f"{where} is {_kind(value)}, not an object"
    if isinstance(spec, MapOf):
        for key, item in value.items():
            problem = _check(item, spec.value, _join(path, key), depth + 1)
            if problem is not None:
                return problem
        return None
    for name in spec.required:
        if name not in value:
            return f"{_join(path, name)} is missing"
    for name, field_spec in spec.fields.items():
        if name in value:
            problem = _check(value[name], field_spec, _join(path, name), depth + 1)
            if problem is not None:
                return problem
    return None


def _structured_like(value: object, spec: Spec) -> bool:
    return (isinstance(spec, Obj | MapOf) and isinstance(value, dict)) or (
        isinstance(spec, ListOf) and isinstance(value, list)
    )


def _join(path: str, name: str) -> str:
    # A key comes from the sender: cut short, and escaped so it cannot break the log line.
    shown = name[:40].encode("unicode_escape").decode("ascii")
    return f"{path}.{shown}" if path else shown


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _expected(spec: Spec) -> str:
    if isinstance(spec, tuple):
        return " or ".join(_expected(option) for option in spec if option is not NoneType)
    if spec is str:
        return "text"
    if spec is bool:
        return "true/false"
    if isinstance(spec, ListOf):
        return "a list"
    if isinstance(spec, Matching):
        return spec.what
    if isinstance(spec, Obj | MapOf):
        return "an object"
    return getattr(spec, "__name__", "something else")
