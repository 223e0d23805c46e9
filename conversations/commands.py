"""Typed command words, recognised in every supported language at once.

Each command's English word is a msgid in the "command" context, so the Turkish catalog supplies
the Turkish word; English words always work whatever language a person uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from conversations.i18n import N_, NP_, Localizer, fold

COMMAND_CONTEXT = "command"


class Command(StrEnum):
    BACK = "back"
    SKIP = "skip"
    DONT_KNOW = "dont_know"
    PAUSE = "pause"
    WHY = "why"
    CONTINUE = "continue"
    SUBMIT = "submit"
    CHANGE = "change"
    LANGUAGE = "language"
    SAME = "same"


# The English word of each command (the msgid); marked so the extractor collects them.
WORDS: dict[Command, str] = {
    Command.BACK: NP_("command", "back"),
    Command.SKIP: NP_("command", "skip"),
    Command.DONT_KNOW: NP_("command", "don't know"),
    Command.PAUSE: NP_("command", "pause"),
    Command.WHY: NP_("command", "why"),
    Command.CONTINUE: NP_("command", "continue"),
    Command.SUBMIT: NP_("command", "submit"),
    Command.CHANGE: NP_("command", "change"),
    Command.LANGUAGE: NP_("command", "language"),
    Command.SAME: NP_("command", "same"),
}

# Extra spellings people reach for; folded before use.
ALIASES: dict[Command, tuple[str, ...]] = {
    Command.SKIP: ("gec", "next"),  # "geç": what many Turkish speakers type for "move on"
    Command.DONT_KNOW: ("dk", "idk", "dont know"),
    Command.WHY: ("help", "?", "what"),
    Command.PAUSE: ("later", "stop"),
    Command.CONTINUE: ("resume", "start"),
    Command.LANGUAGE: ("lang",),
    Command.SAME: ("keep", "=", "ayni kalsin"),
}

LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("en", "english", "ingilizce"),
    "tr": ("tr", "turkish", "turkce"),
}


@dataclass(frozen=True)
class ParsedCommand:
    command: Command
    argument: str | None = None


class CommandWords:
    """Recognises command words in all languages; renders them in the person's language."""

    def __init__(self, localizers: Iterable[Localizer]) -> None:
        self._words: dict[str, Command] = {}
        for command, msgid in WORDS.items():
            spellings = {msgid, *ALIASES.get(command, ())}
            spellings |= {loc.pgettext(COMMAND_CONTEXT, msgid) for loc in localizers}
            for spelling in spellings:
                self._words[fold(spelling)] = command
        self._languages = {
            fold(name): code for code, names in LANGUAGE_NAMES.items() for name in names
        }
        for loc in localizers:
            self._languages[fold(loc._(LANGUAGE_LABELS[loc.locale]))] = loc.locale

    def parse(self, text: str) -> ParsedCommand | None:
        folded = fold(text)
        command = self._words.get(folded)
        if command is not None and command not in (Command.CHANGE, Command.LANGUAGE):
            return ParsedCommand(command)
        match = re.fullmatch(r"(.+?)\s+(\S+)", folded)
        if match:
            head = self._words.get(match.group(1))
            if head in (Command.CHANGE, Command.LANGUAGE):
                return ParsedCommand(head, match.group(2))
        if command in (Command.CHANGE, Command.LANGUAGE):
            return ParsedCommand(command)
        return None

    def language(self, argument: str | None) -> str | None:
        return self._languages.get(fold(argument)) if argument else None

    @staticmethod
    def word(loc: Localizer, command: Command) -> str:
        return loc.pgettext(COMMAND_CONTEXT, WORDS[command])


LANGUAGE_LABELS: Mapping[str, str] = {"en": N_("English"), "tr": N_("Turkish")}
