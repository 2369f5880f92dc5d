"""Errors a user can cause, each with its documented exit code."""

from __future__ import annotations

from collections.abc import Iterable

from .text import count as count  # the one plural helper; authoring imports it from here
from .text import printable

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INVALID_SCENARIO = 3
EXIT_INVALID_RULES = 4
EXIT_ENGINE = 5
EXIT_STOPPED = 1  # the interview stopped before its end: nothing written
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it
EXIT_TERMINATED = 143  # SIGTERM (128 + SIGTERM)


class OpsAdvisorError(Exception):
    """Base class: carries the exit code and one or more human-readable problems."""

    exit_code = EXIT_ENGINE

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def __reduce__(self) -> tuple[type, tuple[str, list[str]]]:
        """Picklable, so an error can travel between batch worker processes."""
        return (type(self), (self.source, self.problems))

    def lines(self) -> list[str]:
        """One line per problem, each prefixed by the source when there is one; control characters
        and lone surrogates (from a file name or a found value) are escaped, so a message is safe to print."""
        prefix = f"{self.source}: " if self.source else ""
        return [printable(prefix + problem) for problem in self.problems]

    def render(self) -> str:
        return "\n".join(self.lines())


class UsageError(OpsAdvisorError):
    """The command cannot run as given: an unusable path, a closed stdin, an output that would
    destroy an input (exit 2)."""

    exit_code = EXIT_USAGE


class ScenarioError(OpsAdvisorError):
    """The scenario file is not valid input (exit 3)."""

    exit_code = EXIT_INVALID_SCENARIO


class RulesError(OpsAdvisorError):
    """A rule file is broken (exit 4)."""

    exit_code = EXIT_INVALID_RULES


class EngineError(OpsAdvisorError):
    """durable_rules failed while evaluating a valid scenario (exit 5)."""

    exit_code = EXIT_ENGINE


def did_you_mean(found: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close match exists, else ''."""
    import difflib  # only errors need it: keep it off the start-up path

    matches = difflib.get_close_matches(found, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{matches[0]}"?)' if matches else ""
