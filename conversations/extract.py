"""Babel extractor for questionnaire files: every human-readable value becomes a msgid.

Configured in pyproject.toml ([tool.babel]); `pybabel extract -F pyproject.toml` runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

TRANSLATABLE_KEYS = frozenset(
    {
        "title",
        "label",
        "meaning",
        "example",
        "name",
        "summary",
        "text",
        "why",
        "statement",
        "action",
        "unit",
    }
)


def _walk(node: yaml.Node) -> Iterator[tuple[int, str, str]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value in TRANSLATABLE_KEYS
                and isinstance(value, yaml.ScalarNode)
                and any(ch.isalpha() for ch in value.value)
            ):
                yield value.start_mark.line + 1, key.value, value.value
            else:
                yield from _walk(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item)


def extract_questionnaire(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    root = yaml.compose(fileobj.read().decode("utf-8"))
    if root is None:
        return
    for line, key, message in _walk(root):
        yield line, None, message, [f"questionnaire: {key}"]
