"""The model layer's one error type."""

from __future__ import annotations


class ModelError(ValueError):
    """Bad scenario input: names the file, the line and the field where it can.

    ``str(err)`` is one line: ``FILE:LINE: FIELD: MESSAGE`` (parts that are unknown are left
    out). ``err.problems`` holds every problem found, each as ``(field, line, message)``, so a
    caller can show them all; the first is the headline.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None,
                 problems: list[tuple[str | None, int | None, str]] | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.problems = problems or [(field, line, message)]
        super().__init__(self._headline())

    def _headline(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        more = len(self.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        return f"{where}{field}{self.message}{tail}"

    def describe_all(self) -> list[str]:
        """Every problem as its own ``FILE:LINE: FIELD: MESSAGE`` line."""
        out = []
        for field, line, message in self.problems:
            where = (self.file or "") + (f":{line}" if line is not None else "")
            out.append(f"{where + ': ' if where else ''}{field + ': ' if field else ''}{message}")
        return out
