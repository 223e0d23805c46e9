"""The questionnaire as data: its schema, validation and loader.

The YAML file is the single source of the model's content. Its English strings are gettext
msgids (see ``conversations.extract`` for the Babel extractor), so this module never translates.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

BUNDLED_DIR = Path(__file__).parent / "questionnaires"

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
Text = Annotated[str, Field(min_length=1, max_length=600)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScalePoint(_Model):
    """One step of the practice adoption scale (Missing … Systematic)."""

    value: int = Field(ge=0, le=3)
    key: Identifier
    label: Text
    meaning: Text


class DontKnow(_Model):
    label: Text
    meaning: Text


class Gate(_Model):
    """Every practice tagged with one of ``tags`` needs team adoption ≥ ``min_value``."""

    tags: list[Literal[2, 3, 4]] = Field(min_length=1)
    min_value: int = Field(ge=0, le=3)


class Step(_Model):
    """A standard step of the model, proposed to a team at a given level."""

    id: Identifier
    text: Text


class Level(_Model):
    number: Literal[1, 2, 3, 4]
    name: Text
    summary: Text
    gates: list[Gate] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)


class Practice(_Model):
    id: Identifier
    level: Literal[2, 3, 4]
    statement: Text
    action: Text
    example: Text | None = None
    why: Text | None = None  # what this practice gives the team, shown by "why"


class Dimension(_Model):
    id: Identifier
    title: Text
    why: Text
    weight: float = Field(default=1.0, gt=0, le=10)
    practices: list[Practice] = Field(min_length=2, max_length=4)


class NumberQuestion(_Model):
    id: Identifier
    text: Text
    label: Annotated[str, Field(min_length=1, max_length=40)]  # "CSAT", in the report's numbers
    unit: Text
    min: float
    max: float
    example: float  # the sample answer the hints show: a typical value, inside the range
    integer: bool = False
    percent: bool = False
    why: Text | None = None

    @model_validator(mode="after")
    def _range_is_ordered(self) -> NumberQuestion:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        if not self.min <= self.example <= self.max:
            raise ValueError(f"example ({self.example}) must lie from {self.min} to {self.max}")
        if self.integer and self.example != int(self.example):
            raise ValueError(f"example ({self.example}) must be a whole number")
        return self


class RoleOption(_Model):
    id: Identifier
    label: Text
    group: Literal["frontline", "management", "other"]


class RoleQuestion(_Model):
    id: Identifier
    text: Text
    options: list[RoleOption] = Field(min_length=2, max_length=9)


class TextQuestion(_Model):
    id: Identifier
    text: Text
    label: Annotated[str, Field(min_length=1, max_length=40)]  # the report's heading for it
    max_length: int = Field(default=1000, ge=10, le=4000)
    why: Text | None = None


class Questionnaire(_Model):
    id: Identifier
    version: Annotated[str, Field(pattern=r"^\d{4}\.\d+$")]
    title: Text
    scale: list[ScalePoint] = Field(min_length=4, max_length=4)
    dont_know: DontKnow
    levels: list[Level] = Field(min_length=4, max_length=4)
    role: RoleQuestion
    dimensions: list[Dimension] = Field(min_length=1)
    numbers: list[NumberQuestion] = Field(default_factory=list)
    free_text: list[TextQuestion] = Field(default_factory=list)
    anonymity_threshold: int = Field(default=3, ge=1, le=50)
    gap_steps: int = Field(default=2, ge=1, le=3)

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        if [p.value for p in self.scale] != [0, 1, 2, 3]:
            raise ValueError("scale: values must be 0, 1, 2, 3 in that order")
        if [lv.number for lv in self.levels] != [1, 2, 3, 4]:
            raise ValueError("levels: numbers must be 1, 2, 3, 4 in that order")
        if self.levels[0].gates:
            raise ValueError("levels[0]: level 1 is the floor and takes no gates")
        for level in self.levels[1:]:
            if not level.gates:
                raise ValueError(f"levels[{level.number - 1}]: level {level.number} needs gates")
        seen: set[str] = set()
        ids = [self.role.id]
        ids += [d.id for d in self.dimensions]
        ids += [p.id for d in self.dimensions for p in d.practices]
        ids += [q.id for q in self.numbers] + [q.id for q in self.free_text]
        for ident in ids:
            if ident in seen:
                raise ValueError(f"id {ident!r} is used twice; every id must be unique")
            seen.add(ident)
        return self

    @cached_property
    def practices(self) -> dict[str, Practice]:
        return {p.id: p for d in self.dimensions for p in d.practices}

    @cached_property
    def dimension_of(self) -> dict[str, Dimension]:
        return {p.id: d for d in self.dimensions for p in d.practices}

    def level(self, number: int) -> Level:
        return self.levels[number - 1]


class QuestionnaireError(Exception):
    """A questionnaire file that cannot be used; the message names file, entry and problem."""


def _entry_path(data: Any, loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as ``dimensions[2] (measurement) → practices[0] (ms1)``."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]}[{key}]" if parts else f"[{key}]"
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                parts[-1] += f" ({node['id']})"
        else:
            parts.append(key)
            node = node.get(key) if isinstance(node, dict) else None
    return " → ".join(parts) or "(top level)"


def parse_questionnaire(text: str, source: str) -> Questionnaire:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuestionnaireError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise QuestionnaireError(f"{source}: (top level): expected a mapping of sections")
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{source}: {_entry_path(data, tuple(err['loc']))}: {err['msg']}"
            for err in exc.errors()
        ]
        raise QuestionnaireError("\n".join(problems)) from None


def load_questionnaire(path: Path | str | None = None) -> Questionnaire:
    """Load and validate a questionnaire file (the bundled CSMM model by default)."""
    file = Path(path) if path is not None else BUNDLED_DIR / "csmm.yaml"
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuestionnaireError(f"{file}: cannot be read: {exc.strerror}") from None
    return parse_questionnaire(text, str(file))
