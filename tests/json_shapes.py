"""Hypothesis strategies for junk that looks like a request: any JSON value, and real payloads
with one part replaced by any JSON value or removed. Shared by the property tests of the Slack
endpoint and the Telegram webhook.

The profile is fixed (derandomized, a bounded number of examples, no deadline: each example is
a real HTTP request and a dump of every table), so CI runs the same examples every time, in
seconds.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

JUNK_SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    # One server and one database serve every example: what each example must leave alone
    # is checked against a dump taken just before it.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Where an id or a number is read back: what `isdigit` accepts but `int` refuses ("²"), digits
# of other scripts ("٣"), and ids too big for a database integer, alone and inside the payloads
# our buttons carry (`response/payload`, `plan:snapshot:item`, `snooze:kind:team:snapshot`).
_HUGE = "9" * 26
hostile_words = st.sampled_from(["²", "٣", "-0", "0", " 1", _HUGE, str(2**31), ""])
hostile_text = st.one_of(
    hostile_words,
    hostile_words.map(lambda word: f"{word}/q:role:team_lead"),
    st.tuples(hostile_words, hostile_words).map(lambda pair: f"plan:{pair[0]}:{pair[1]}"),
    st.tuples(st.sampled_from(["nudge", "nudge_round", "review"]), hostile_words).map(
        lambda pair: f"snooze:{pair[0]}:{pair[1]}:0"
    ),
)

# Any JSON value, small.
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.sampled_from([2**63, -(2**63) - 1, 10**30])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | hostile_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)

Path = tuple[str | int, ...]
REMOVE = object()  # the mutation that deletes the part instead of replacing it


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every part of a JSON value (the whole value too), by path."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def mutate(value: Any, path: Path, replacement: Any) -> Any:
    """A copy of ``value`` with the part at ``path`` replaced (or removed: ``REMOVE``)."""
    if not path:
        return None if replacement is REMOVE else replacement
    changed = copy.deepcopy(value)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    if replacement is REMOVE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return changed


@st.composite
def mutated(draw: st.DrawFn, template: Any) -> Any:
    """``template`` with one or two of its parts replaced by any JSON value, or removed."""
    value = template
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        path = draw(st.sampled_from(list(paths(value))))
        replacement = draw(json_values | st.just(REMOVE)) if path else draw(json_values)
        value = mutate(value, path, replacement)
    return value
