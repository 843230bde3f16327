"""Domain errors: every one carries a message that is safe to show to the member as-is."""

from __future__ import annotations

from collections.abc import Sequence

from coach.text import member_text


class CoachError(Exception):
    """Base class for errors whose ``message`` is meant for the member."""

    default_message = "Something went wrong."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class ConfigError(CoachError):
    """The operator's configuration (environment, .env) is missing or invalid."""

    default_message = "The bot's configuration is invalid."


class PlanError(CoachError):
    """A /plan option was not one of the supported values."""

    default_message = "That plan option isn't supported."


class ValidationError(CoachError):
    """An input value was out of range or malformed; nothing was written."""

    default_message = "That input isn't valid; nothing was saved."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        # Which option was wrong, so a cog can highlight it; None when it concerns several.
        self.field = field


class UnknownExerciseError(CoachError):
    """The exercise isn't in the catalog and wasn't explicitly marked as custom."""

    def __init__(self, name: str, suggestions: Sequence[str] = (), message: str | None = None) -> None:
        self.name = name
        self.suggestions: tuple[str, ...] = tuple(suggestions)
        if message is None:
            hint = ""
            if self.suggestions:
                hint = " Did you mean " + " or ".join(f"**{s}**" for s in self.suggestions) + "?"
            message = (
                f"I don't know an exercise called “{member_text(name)}”.{hint} "
                f"To log it as your own exercise, pick “Custom: {member_text(name)}” from the list."
            )
        super().__init__(message)


class AmbiguousExerciseError(CoachError):
    """The name fits several catalog exercises about equally ("cable kickback"); the member picks one."""

    def __init__(self, name: str, choices: Sequence[tuple[str, str]]) -> None:
        self.name = name
        # (catalog id, display name) pairs, in the catalog's order of likelihood.
        self.choices: tuple[tuple[str, str], ...] = tuple(choices)
        names = ", ".join(f"**{label}**" for _, label in self.choices)
        super().__init__(
            f"“{member_text(name)}” could be {names} — which one did you do? (Pick it from the list, or press "
            "its button under /log.)"
        )


class NotYourSetError(CoachError):
    """Someone tried to see or change a set that belongs to another member."""

    default_message = "That set isn't yours, so you can't change it."


class NothingToUndoError(CoachError):
    """There is no set (left) to remove."""

    default_message = "There's nothing to undo: you have no logged sets."


class StorageUnavailableError(CoachError):
    """The database could not be reached or written; nothing was saved."""

    default_message = "Storage is temporarily unavailable, nothing was saved. Please try again in a minute."


class NotEnoughDataError(CoachError):
    """Too little logged data for a chart, table or comparison; the message says how to get more."""

    default_message = "There isn't enough logged data for that yet. Log a few more sessions with /log."


class ImportFileError(CoachError):
    """An uploaded export is malformed, too large or not a supported format; nothing was imported."""

    default_message = "That file couldn't be imported, so nothing was added."


class LimitReachedError(CoachError):
    """The member's log is at the most sets one member may store; nothing was written."""

    default_message = "Your log is full: nothing was saved."
