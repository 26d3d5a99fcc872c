"""Independent evaluation jobs, in order, with a progress callback: in this process, over
worker processes on this machine, or over a Ray cluster (``ray_address``) when one machine
is not enough."""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

from offload_ros.evaluation.errors import EvaluationError

J = TypeVar("J")
R = TypeVar("R")

RAY_HINT = "pip install -c constraints.txt ray==2.60.0 (the package's [cluster] extra)"


def _call(fn: Callable[[J], R], job: J) -> R:
    """One job on a Ray worker (``fn`` travels pickled, once per run)."""
    return fn(job)


class JobPool:
    @staticmethod
    def map(fn: Callable[[J], R], jobs: Sequence[J], workers: int,
            progress: Callable[[], None] | None = None, chunksize: int = 1,
            ray_address: str = "", cpus_per_job: float = 1.0) -> list[R]:
        """``[fn(j) for j in jobs]``: here when ``workers`` is 1; over ``workers`` spawned
        processes (not daemons, so a job may start processes of its own, as A3C training
        does) when more; on Ray when ``ray_address`` is set (``local``: a Ray of ``workers``
        CPUs on this machine; ``auto``: the cluster this machine belongs to; ``ray://HOST:
        10001``: a cluster's Ray Client), each job holding ``cpus_per_job`` CPUs. ``fn`` must
        pickle (a module-level function or a bound method of a picklable object) except
        here; ``progress()`` after each result."""
        if ray_address:
            return JobPool._ray(fn, jobs, workers, progress, ray_address, cpus_per_job)
        if workers <= 1:
            out = []
            for job in jobs:
                out.append(fn(job))
                if progress:
                    progress()
            return out
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            out = []
            for res in pool.map(fn, jobs, chunksize=chunksize):
                out.append(res)
                if progress:
                    progress()
            return out

    @staticmethod
    def _ray(fn: Callable[[J], R], jobs: Sequence[J], workers: int,
             progress: Callable[[], None] | None, address: str, cpus: float) -> list[R]:
        try:
            import ray
        except ImportError as err:
            raise EvaluationError(f"--ray {address}: Ray is not installed ({RAY_HINT})") \
                from err
        started = not ray.is_initialized()
        if started:
            options = {"include_dashboard": False, "log_to_driver": False}
            try:
                if address == "local":
                    ray.init(num_cpus=max(1, workers), **options)
                else:
                    ray.init(address=address, **options)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise EvaluationError(f"--ray {address}: cannot join the Ray cluster: "
                                      f"{err}") from err
        try:
            call = ray.remote(num_cpus=cpus)(_call)
            shared = ray.put(fn)
            refs = [call.remote(shared, job) for job in jobs]
            where = {ref: k for k, ref in enumerate(refs)}
            out: list = [None] * len(refs)
            pending = list(refs)
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:       # a job's error is raised here, as its own type
                    out[where[ref]] = ray.get(ref)
                    if progress:
                        progress()
            return out
        finally:
            if started:
                ray.shutdown()
