"""Independent evaluation jobs over worker processes, in order, with a progress callback."""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

J = TypeVar("J")
R = TypeVar("R")


class JobPool:
    @staticmethod
    def map(fn: Callable[[J], R], jobs: Sequence[J], workers: int,
            progress: Callable[[], None] | None = None, chunksize: int = 1) -> list[R]:
        """``[fn(j) for j in jobs]``, over ``workers`` spawned processes when more than one
        (``fn`` must then pickle: a module-level function or a bound method of a picklable
        object); ``progress()`` after each result."""
        if workers <= 1:
            out = []
            for job in jobs:
                out.append(fn(job))
                if progress:
                    progress()
            return out
        import multiprocessing as mp
        with mp.get_context("spawn").Pool(workers) as pool:
            out = []
            for res in pool.imap(fn, jobs, chunksize=chunksize):
                out.append(res)
                if progress:
                    progress()
            return out
