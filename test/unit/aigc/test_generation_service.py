"""The edge generation service: batching keeps every request's images, deadlines, cancellation,
bad requests and a failing request that does not stop the others. Waits are on results with
timeouts, never fixed sleeps."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.aigc.errors import AigcError
from offload_ros.aigc.generation_service import GenerationRequest, GenerationService
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.errors import ModelError

WAIT = 60.0


def test_request_gives_the_same_images_alone_or_batched(tiny_model):
    alone = tiny_model.generate("crack", 3, steps=4, seed=11)
    cfg = GenerationServiceConfig(max_batch=4, max_wait_s=0.5)
    with GenerationService(tiny_model, cfg) as svc:
        handles = [svc.submit(GenerationRequest("pit", 2, 4, seed=1)),
                   svc.submit(GenerationRequest("crack", 3, 4, seed=11)),   # split 2 + 1
                   svc.submit(GenerationRequest("good", 1, 4, seed=3))]
        results = [h.result(WAIT) for h in handles]
        m = svc.metrics()
    assert [r.status for r in results] == ["done"] * 3
    assert np.array_equal(results[1].images, alone)
    assert np.array_equal(results[0].images, tiny_model.generate("pit", 2, steps=4, seed=1))
    assert m["done"] == 3 and m["images"] == 6
    assert m["batches"] == 2 and m["mean_batch"] == 3.0        # 4 images, then 2
    assert m["latency_p99_s"] >= m["latency_p50_s"] > 0


def test_different_steps_are_not_mixed(tiny_model):
    with GenerationService(tiny_model, GenerationServiceConfig(max_wait_s=0.2)) as svc:
        a = svc.submit(GenerationRequest("pit", 1, 2, seed=1))
        b = svc.submit(GenerationRequest("pit", 1, 3, seed=1))
        ra, rb = a.result(WAIT), b.result(WAIT)
        assert svc.metrics()["batches"] == 2
    assert np.array_equal(ra.images, tiny_model.generate("pit", 1, steps=2, seed=1))
    assert np.array_equal(rb.images, tiny_model.generate("pit", 1, steps=3, seed=1))


def test_deadline_expires_without_running(tiny_model):
    # the batch waits 5 s to fill, far past the 1 ms deadline
    with GenerationService(tiny_model, GenerationServiceConfig(max_batch=8, max_wait_s=5.0)) \
            as svc:
        res = svc.submit(GenerationRequest("scratch", 1, 4, deadline_s=0.001)).result(WAIT)
        m = svc.metrics()
    assert res.status == "expired" and res.images is None and "deadline" in res.error
    assert m["expired"] == 1 and m["images"] == 0 and m["batches"] == 0


def test_cancel_answers_cancelled(tiny_model):
    with GenerationService(tiny_model, GenerationServiceConfig(max_batch=8, max_wait_s=30.0)) \
            as svc:
        h = svc.submit(GenerationRequest("stain", 2, 4))
        assert h.cancel()
        res = h.result(WAIT)
        assert not h.cancel()                  # already answered
        other = svc.submit(GenerationRequest("stain", 8, 2)).result(WAIT)   # fills a batch
    assert res.status == "cancelled" and res.images is None
    assert other.status == "done"


def test_cancel_while_running_answers_cancelled(tiny_model, monkeypatch):
    import threading
    entered, release = threading.Event(), threading.Event()
    real = tiny_model.denoise

    def held(*args, **kwargs):
        entered.set()
        assert release.wait(WAIT)
        return real(*args, **kwargs)

    monkeypatch.setattr(tiny_model, "denoise", held)
    with GenerationService(tiny_model, GenerationServiceConfig(max_wait_s=0.0)) as svc:
        h = svc.submit(GenerationRequest("pit", 1, 2))
        assert entered.wait(WAIT)              # its only image is in the running batch
        assert h.cancel()
        release.set()
        res = h.result(WAIT)
    assert res.status == "cancelled" and res.images is None


def test_stop_cancels_what_waits(tiny_model):
    svc = GenerationService(tiny_model, GenerationServiceConfig(max_batch=8, max_wait_s=30.0))
    svc.start()
    h = svc.submit(GenerationRequest("pit", 1, 4))
    svc.stop()
    assert h.result(WAIT).status == "cancelled"
    with pytest.raises(AigcError, match="not running"):
        svc.submit(GenerationRequest("pit", 1, 4))


def test_a_failing_request_does_not_stop_the_others(tiny_model, monkeypatch):
    real = tiny_model.denoise

    def flaky(noise, labels, steps, guidance=1.0, on_step=None):
        if (labels == tiny_model.label("stain")).any():
            raise RuntimeError("simulated device fault")
        return real(noise, labels, steps, guidance, on_step=on_step)

    monkeypatch.setattr(tiny_model, "denoise", flaky)
    with GenerationService(tiny_model, GenerationServiceConfig(max_batch=8, max_wait_s=0.5)) \
            as svc:
        hs = [svc.submit(GenerationRequest(c, 1, 3, seed=k))
              for k, c in enumerate(["pit", "stain", "crack"])]
        results = [h.result(WAIT) for h in hs]
        after = svc.submit(GenerationRequest("good", 1, 3)).result(WAIT)
    assert [r.status for r in results] == ["done", "failed", "done"]
    assert "simulated device fault" in results[1].error
    assert np.array_equal(results[2].images, real(tiny_model.noise(2, 0),
                                                  torch_long([tiny_model.label("crack")]), 3))
    assert after.status == "done"


def test_progress_counts_image_steps_up_to_the_whole_request(tiny_model, monkeypatch):
    real = tiny_model.denoise
    handles, seen = [], []

    def watched(noise, labels, steps, guidance=1.0, on_step=None):
        def step():
            on_step()
            if handles:
                seen.append(handles[0].progress())
        return real(noise, labels, steps, guidance, on_step=step)

    monkeypatch.setattr(tiny_model, "denoise", watched)
    with GenerationService(tiny_model, GenerationServiceConfig(max_batch=2, max_wait_s=0.5)) \
            as svc:
        handles.append(svc.submit(GenerationRequest("crack", 3, 4)))   # batches of 2 and 1
        assert handles[0].result(WAIT).status == "done"
    assert seen and all(total == 12 for _, total in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done) and len(set(done)) == len(done) and done[-1] == 12
    assert set(done) <= {2, 4, 6, 8, 9, 10, 11, 12}
    assert handles[0].progress() == (12, 12)


def torch_long(values):
    import torch
    return torch.tensor(values, dtype=torch.long)


@pytest.mark.parametrize("req, field", [
    (GenerationRequest("rust"), "unknown class"),
    (GenerationRequest("crack", num=0), "num"),
    (GenerationRequest("crack", num=65), "num"),
    (GenerationRequest("crack", steps=0), "steps"),
    (GenerationRequest("crack", deadline_s=-1.0), "deadline_s"),
])
def test_bad_requests_are_refused_and_the_service_keeps_serving(tiny_model, req, field):
    with GenerationService(tiny_model, GenerationServiceConfig(max_wait_s=0.0)) as svc:
        with pytest.raises(AigcError, match=field):
            svc.submit(req)
        assert svc.submit(GenerationRequest("crack", 1, 2)).result(WAIT).status == "done"


def test_full_queue_refuses(tiny_model):
    with GenerationService(tiny_model, GenerationServiceConfig(max_queue=1, max_batch=64,
                                                               max_wait_s=30.0)) as svc:
        first = svc.submit(GenerationRequest("pit", 1, 2))
        with pytest.raises(AigcError, match="queue full"):
            svc.submit(GenerationRequest("pit", 1, 2))
        first.cancel()


def test_config_checks():
    with pytest.raises(ModelError, match="max_batch"):
        GenerationServiceConfig(max_batch=0)
    with pytest.raises(ModelError, match="device"):
        GenerationServiceConfig(device="")


class _HeldFirstCall:
    """The tiny model, whose first model call waits until the test lets it go: every later
    request is queued by then, so the live batches do not depend on thread timing."""

    def __init__(self, model) -> None:
        import threading
        self.model, self.calls = model, 0
        self.entered, self.release = threading.Event(), threading.Event()

    def __getattr__(self, name):
        return getattr(self.model, name)

    def denoise(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            self.entered.set()
            assert self.release.wait(WAIT)
        return self.model.denoise(*args, **kwargs)


def test_the_simulated_edge_server_batches_exactly_as_the_live_service(tiny_model):
    """The same request sequence through GenerationService and through the AIGC simulator's
    edge server: the same model calls, with the same requests and images, in the same order
    (a request split across calls, two numbers of steps interleaved)."""
    from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
    from offload_ros.sim.aigc_offload.aigc_edge_server import AigcEdgeServer
    from offload_ros.sim.aigc_offload.aigc_simulator import AigcTask

    spec = [(1, 2), (3, 2), (2, 3), (3, 2), (1, 3), (4, 2)]     # (images, steps), in order
    cfg = GenerationServiceConfig(max_batch=4, max_wait_s=0.0)
    held = _HeldFirstCall(tiny_model)
    with GenerationService(held, cfg) as svc:
        handles = [svc.submit(GenerationRequest("pit", spec[0][0], spec[0][1], seed=0,
                                                request_id="0"))]
        assert held.entered.wait(WAIT)
        handles += [svc.submit(GenerationRequest("pit", n, k, seed=i, request_id=str(i)))
                    for i, (n, k) in enumerate(spec) if i > 0]
        held.release.set()
        assert [h.result(WAIT).status for h in handles] == ["done"] * len(spec)
        live = svc.batch_log()

    settings = AigcSettings(max_batch=cfg.max_batch, max_wait_s=cfg.max_wait_s)
    server = AigcEdgeServer(1.0, settings)
    tasks = [AigcTask(i, 0, 0.0, "pit", n, k, tiny_model.resolution, 1.0, 1.0, 1e9, 1.0)
             for i, (n, k) in enumerate(spec)]
    server.submit(tasks[0], 0.0)
    server.poll(0.0)                                  # the first call starts alone
    for t in tasks[1:]:
        server.submit(t, 1e-3)                        # the rest queue while it runs
    done: list = []
    while len(done) < len(tasks):
        computed, expired = server.poll(server.next_event())
        assert not expired
        done += computed
    simulated = [tuple((str(i), n) for i, n in call) for _, call in server.batches]
    assert simulated == live
    assert live == [(("0", 1),), (("1", 3), ("3", 1)), (("2", 2), ("4", 1)), (("3", 2), ("5", 2)),
                    (("5", 2),)]
