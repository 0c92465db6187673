"""A job: a stable name, and a function of its collaborators and of the ids it is given.

Redis keeps a job's name and arguments, never objects. The composition root binds each job's
collaborators once per process and puts the bound callables in the job table
(``workers.table``), from which both queues run jobs by name. The names are the dotted paths
the jobs had when RQ imported them, so that jobs queued by earlier versions still run; a bare
``rq worker`` still imports the name, finds the job unbound, and refuses it, saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, Generic, NoReturn, ParamSpec, TypeVar

C = TypeVar("C")
P = ParamSpec("P")
R = TypeVar("R")


class JobNotBoundError(RuntimeError):
    """A job was called without its collaborators: not through Orion's job table."""


class Job(Generic[C, P, R]):
    def __init__(self, name: str, run: Callable[Concatenate[C, P], R]) -> None:
        self.name = name
        self.run = run  # run(collaborators, *ids)
        self.__doc__ = run.__doc__

    def bind(self, collaborators: C) -> Callable[P, R]:
        """The job as the table holds it: called with the ids alone."""
        run = self.run

        def bound(*args: P.args, **kwargs: P.kwargs) -> R:
            return run(collaborators, *args, **kwargs)

        bound.__name__ = bound.__qualname__ = self.name
        return bound

    def __call__(self, *args: object, **kwargs: object) -> NoReturn:
        # What a bare ``rq worker`` calls: it has no composition root to bind the job.
        raise JobNotBoundError(
            f"{self.name} is an Orion job and needs the collaborators Orion binds: run it with "
            "`orion worker`, not a bare `rq worker`"
        )

    def __repr__(self) -> str:
        return f"<job {self.name}>"


def job(name: str) -> Callable[[Callable[Concatenate[C, P], R]], Job[C, P, R]]:
    """Declares the decorated function as the job ``name``."""

    def declare(run: Callable[Concatenate[C, P], R]) -> Job[C, P, R]:
        return Job(name, run)

    return declare
