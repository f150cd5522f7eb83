"""The one error a bad form definition raises."""

from __future__ import annotations


class FormDefinitionError(ValueError):
    """A form definition file that cannot be used: ``file`` names it, ``place``
    says where in it (e.g. ``pages[0].fields[3] (last_name)``), ``problem`` what
    is wrong and, where it helps, what to do."""

    def __init__(self, file: str, place: str, problem: str):
        self.file, self.place, self.problem = file, place, problem
        super().__init__(f"{file}: {place}: {problem}" if place else f"{file}: {problem}")
