"""``offload-ros aigc quality`` and ``offload-ros aigc fewshot``: GMEL's claims, measured.

*Quality*: a defect classifier trained on real samples judges generated ones; the rate at which
an image is classified as the class it was asked for, per class.

*Few-shot*: per trial, a classifier trained on ``shots`` real samples per class against one
trained on the same samples plus ``generated`` generated ones per class, both scored on a
held-out real test set; means with 95% CIs over trials and the paired gain.

Real samples come from the procedural generator (streams disjoint from the model's training
pool) or from a dataset folder with the model's class names.
"""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np

from offload_ros.aigc.defect_classifier import DefectClassifier
from offload_ros.aigc.defect_dataset import DefectDataset
from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
from offload_ros.evaluation.aigc_quality_config import AigcQualityConfig
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.statistics import Statistics
from offload_ros.model.plot_style import PlotStyle
from offload_ros.model.seeding import Seeding


class AigcQuality:
    def __init__(self, model: DefectDiffusionModel, config: AigcQualityConfig,
                 progress: Callable[[], None] | None = None) -> None:
        self.model, self.config = model, config
        self.progress = progress or (lambda: None)
        self._folder: tuple[DefectDataset, DefectDataset] | None = None   # (rest, test)

    # ------------------------------------------------------------------ data
    def real(self, per_class: int, stream: str) -> DefectDataset:
        """Real images of ``stream``. Procedural streams never share an image; a folder is
        read once and split, so the ``test`` stream shares no image with the others."""
        c = self.config
        if c.data == "procedural":
            data = DefectDataset.procedural(self.model.resolution, per_class,
                                            Seeding.int_seed(c.seed, "aigc-eval"), stream)
        else:
            if self._folder is None:
                folder = DefectDataset.from_folder(Path(c.data), self.model.resolution)
                if set(folder.class_names) != set(self.model.class_names):
                    raise EvaluationError(f"{c.data}: classes {', '.join(folder.class_names)} "
                                          f"differ from the model's "
                                          f"{', '.join(self.model.class_names)}")
                self._folder = folder.relabel(self.model.class_names).split(
                    c.test_per_class, Seeding.rng(c.seed, "aigc-eval", "split"))
            rest, test = self._folder
            data = (test if stream == "test" else rest).subset(
                per_class, Seeding.rng(c.seed, "aigc-eval", stream))
        return data

    def generate(self, label: int, n: int, *stream) -> np.ndarray:
        out = []
        for start in range(0, n, 16):
            out.append(self.model.generate(label, min(16, n - start), self.config.steps,
                                           Seeding.int_seed(self.config.seed, *stream, label),
                                           self.config.guidance, first_index=start))
            self.progress()
        return np.concatenate(out)

    # ------------------------------------------------------------------ quality
    def quality_total(self) -> int:
        return len(self.model.class_names) * -(-self.config.per_class // 16)

    def quality(self) -> dict:
        c = self.config
        train = self.real(c.judge_per_class, "judge-train")
        test = self.real(c.test_per_class, "test")
        judge = DefectClassifier(len(train.class_names), c.seed).fit(
            train.images, train.labels, updates=3 * c.updates)
        rates, samples = {}, []
        for label, name in enumerate(self.model.class_names):
            imgs = self.generate(label, c.per_class, "aigc-quality")
            samples.append(imgs[:8])
            rates[name] = float((judge.predict(imgs) == label).mean())
        return {"judge_real_accuracy": judge.accuracy(test.images, test.labels),
                "rate": float(np.mean(list(rates.values()))), "per_class": rates,
                "samples": np.concatenate(samples), "config": asdict(c)}

    # ------------------------------------------------------------------ few-shot
    def fewshot_total(self) -> int:
        return self.config.trials * len(self.model.class_names) * -(-self.config.generated
                                                                    // 16)

    def fewshot(self) -> dict:
        c = self.config
        pool = self.real(max(4 * c.shots, 50), "fewshot-pool")
        test = self.real(c.test_per_class, "test")
        rows = []
        for trial in range(c.trials):
            few = pool.subset(c.shots, Seeding.rng(c.seed, "fewshot-pick", trial))
            seed = Seeding.int_seed(c.seed, "fewshot-classifier", trial)
            real_only = DefectClassifier(len(few.class_names), seed).fit(
                few.images, few.labels, updates=c.updates)
            gen = [self.generate(k, c.generated, "aigc-fewshot", trial)
                   for k in range(len(few.class_names))] if c.generated else []
            images = np.concatenate([few.images, *gen])
            labels = np.concatenate([few.labels] + [np.full(c.generated, k)
                                                    for k in range(len(gen))])
            augmented = DefectClassifier(len(few.class_names), seed).fit(images, labels,
                                                                         updates=c.updates)
            rows.append({"trial": trial, "real_only": real_only.accuracy(test.images,
                                                                         test.labels),
                         "with_generated": augmented.accuracy(test.images, test.labels)})
        real = Statistics.of([r["real_only"] for r in rows])
        aug = Statistics.of([r["with_generated"] for r in rows])
        gain = Statistics.of([r["with_generated"] - r["real_only"] for r in rows])
        return {"rows": rows, "real_only": real, "with_generated": aug, "gain": gain,
                "config": asdict(c)}

    # ------------------------------------------------------------------ output
    @staticmethod
    def write_quality(result: dict, out: Path, class_names) -> tuple[Path, Path]:
        from offload_ros.aigc.image_grid import ImageGrid
        out.mkdir(parents=True, exist_ok=True)
        table = out / "quality.csv"
        with table.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["class", "classified_as_requested"])
            for name, rate in result["per_class"].items():
                w.writerow([name, f"{rate:.4f}"])
            w.writerow(["all", f"{result['rate']:.4f}"])
            w.writerow(["judge_real_accuracy", f"{result['judge_real_accuracy']:.4f}"])
        # a row per class: each gave the same number of samples (8, or fewer if per_class is)
        per_row = max(1, len(result["samples"]) // max(1, len(class_names)))
        grid = ImageGrid.save(result["samples"], out / "quality.png", columns=per_row,
                              row_labels=list(class_names))
        return table, grid

    @staticmethod
    def write_fewshot(result: dict, out: Path) -> tuple[Path, Path]:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        out.mkdir(parents=True, exist_ok=True)
        table = out / "fewshot.csv"
        with table.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["trial", "real_only", "with_generated"])
            w.writeheader()
            w.writerows(result["rows"])
        c = result["config"]
        fig, ax = plt.subplots(figsize=(7.2, 4.0), layout="constrained")
        names = [f"{c['shots']} real/class", f"{c['shots']} real + {c['generated']} "
                 "generated/class"]
        stats = [result["real_only"], result["with_generated"]]
        ax.bar(names, [s.mean for s in stats], yerr=[s.half_width for s in stats], capsize=6,
               color=["#999999", "#2a7ab0"])
        for k, r in enumerate(result["rows"]):
            ax.plot([0, 1], [r["real_only"], r["with_generated"]], color="black", alpha=0.25,
                    lw=0.8, label="one trial" if k == 0 else None)
        ax.set_ylim(0, 1)
        ax.set_xlabel("classifier's training set")
        ax.set_ylabel("accuracy on held-out real images\n[share of images]")
        ax.set_title(f"few-shot defect classification ({c['trials']} trials, mean, 95% CI)")
        PlotStyle.legend_beside(ax)                       # what the grey lines are
        png = out / "fewshot.png"
        fig.savefig(png, dpi=110)
        plt.close(fig)
        return table, png
