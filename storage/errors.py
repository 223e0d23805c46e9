"""What storage raises for the caller to turn into a reply."""

from __future__ import annotations


class NotFound(LookupError):
    pass
