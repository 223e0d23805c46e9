"""What the assessment service raises: inputs already handled or no longer taken, and
requests that cannot be done as asked (with the sentence to tell the person)."""

from __future__ import annotations

from bot import disclosure
from conversations.engine import Turn
from conversations.i18n import Localizer


class AlreadyHandled(Exception):
    """The platform delivered this update before and its effect is already stored."""


class NoLongerOpen(Exception):
    """Asked with ``open_only``: the response's snapshot has closed or the response was
    deleted, so nothing was stored (the update's mark neither): the input can go elsewhere.
    ``closed`` is what the closed response says to it; None when it was deleted."""

    def __init__(self, closed: Turn | None = None) -> None:
        super().__init__("the response takes no more answers")
        self.closed = closed


class UserError(Exception):
    """A request that cannot be done as asked. ``message`` is a msgid with {placeholders},
    translated for the person who asked by ``localized``."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def localized(self, loc: Localizer) -> str:
        return loc._(self.message, **self.params)


class ResultsWithheld(UserError):
    """A chat may not see these results: too few people submitted (bot/disclosure.py)."""

    def __init__(self, withheld: disclosure.Withheld) -> None:
        super().__init__("results withheld below the anonymity threshold")
        self.withheld = withheld

    def localized(self, loc: Localizer) -> str:
        return self.withheld.text(loc)
