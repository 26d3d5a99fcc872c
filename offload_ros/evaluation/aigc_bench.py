"""``offload-ros bench aigc``: the edge generation service with dynamic batching against the
naive way (one model call per request, one after another) on the same model and the same
requests in the same run; images/s of each and their ratio, latency percentiles, and a check
that both give the same images."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
from offload_ros.aigc.generation_service import (GenerationRequest, GenerationService,
                                                 GenerationServiceConfig)
from offload_ros.evaluation.aigc_bench_config import AigcBenchConfig
from offload_ros.evaluation.errors import EvaluationError


class AigcBench:
    def __init__(self, model: DefectDiffusionModel, config: AigcBenchConfig) -> None:
        self.model, self.config = model, config

    def requests(self) -> list[GenerationRequest]:
        sizes = self.config.sizes()
        names = self.model.class_names
        return [GenerationRequest(names[k % len(names)], sizes[k % len(sizes)],
                                  self.config.steps, seed=k, request_id=f"bench{k}")
                for k in range(self.config.requests)]

    def run(self) -> dict:
        reqs = self.requests()
        images = sum(r.num for r in reqs)
        self.model.generate(reqs[0].class_name, 1, 1)  # warm-up

        t0 = time.perf_counter()
        naive, naive_lat = [], []
        for r in reqs:  # all arrive at t0; each waits for the ones before it
            naive.append(self.model.generate(r.class_name, r.num, r.steps, r.seed))
            naive_lat.append(time.perf_counter() - t0)
        naive_s = time.perf_counter() - t0

        cfg = GenerationServiceConfig(max_batch=self.config.max_batch,
                                      max_wait_s=self.config.max_wait_s,
                                      max_images=max(r.num for r in reqs),
                                      max_queue=len(reqs))
        with GenerationService(self.model, cfg) as service, \
                ThreadPoolExecutor(max_workers=len(reqs)) as clients:
            t0 = time.perf_counter()
            results = list(clients.map(service.generate, reqs))
            service_s = time.perf_counter() - t0
            metrics = service.metrics()
        if any(r.status != "done" for r in results):
            raise EvaluationError("bench aigc: a request did not finish: " +
                                  "; ".join(f"{r.request_id} {r.status} {r.error}"
                                            for r in results if r.status != "done"))
        diffs = [int(np.abs(a.astype(int) - b.images.astype(int)).max())
                 for a, b in zip(naive, results)]
        same = sum(int((a == b.images).all(axis=(1, 2)).sum()) for a, b in zip(naive, results))
        return {
            "requests": len(reqs), "images": images, "steps": self.config.steps,
            "resolution": self.model.resolution, "max_batch": cfg.max_batch,
            "device": self.model.device_name(),
            "naive": {"seconds": naive_s, "images_per_s": images / naive_s,
                      "latency_p50_s": float(np.percentile(naive_lat, 50)),
                      "latency_p99_s": float(np.percentile(naive_lat, 99))},
            "service": {"seconds": service_s, "images_per_s": images / service_s,
                        "latency_p50_s": metrics["latency_p50_s"],
                        "latency_p99_s": metrics["latency_p99_s"],
                        "queue_p50_s": metrics["queue_p50_s"],
                        "mean_batch": metrics["mean_batch"], "batches": metrics["batches"]},
            "throughput_ratio": naive_s / service_s,
            "identical_images": same, "max_pixel_difference": max(diffs),
        }
