"""What the MCOO, DQN and AC trainers share: their inputs, the actor network and the
training run (budget, validation, logs, checkpoints)."""

from __future__ import annotations

from pathlib import Path

from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.errors import LearningError
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.learning.training_run import TrainingRun
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation_features import ObservationFeatures


class Trainer:
    """Base of the trainers: ``run()`` trains and returns the checkpoint's path."""

    def __init__(self, config: TrainingConfig, family: ScenarioFamily, out: Path, *,
                 progress: bool = True, resume: Checkpoint | None = None,
                 init: Checkpoint | None = None) -> None:
        """``resume``: continue that run (its weights, optimizer and curve); ``init``: start
        from its weights only (fine-tuning, e.g. the shipped generalist on one factory)."""
        self.config = config.resolved(on_files=not family.is_random)
        self.family, self.out, self.progress, self.resume = family, Path(out), progress, resume
        self.init = init
        self.imitation: dict[str, float] = {}
        if self.config.teacher == "search":
            if family.is_random:
                raise LearningError("teacher: search needs scenario files (--scenarios "
                                    "FACTORY.yaml): a teacher is searched per factory")
            if config.algo == "dqn":
                raise LearningError("teacher: search teaches an actor (mcoo, ac); dqn has none")

    @staticmethod
    def actor_network(cfg: TrainingConfig) -> MlpNetwork:
        """The decentralised actor: a decision's features in, a logit per action out,
        starting with a preference for the default action (the plan)."""
        return MlpNetwork(ObservationFeatures.SIZE, ActionSet.size(), cfg.hidden) \
            .prefer(ActionSet.DEFAULT, cfg.default_logit)

    def start_from(self, networks: dict[str, MlpNetwork]) -> None:
        """Load ``--resume``'s or ``--init``'s weights into ``networks`` by role (``--init``:
        the roles it has with the same shape; the actor at least)."""
        source = self.resume or self.init
        if source is None:
            return
        taken = []
        for role, net in networks.items():
            if role in source.networks and list(source.shapes[role]) == \
                    [net.inputs, net.outputs, net.hidden]:
                net.load_state_dict(source.networks[role])
                taken.append(role)
            elif self.resume is not None:
                raise LearningError(f"--resume: the checkpoint has no {role!r} network of "
                                    f"shape {[net.inputs, net.outputs, net.hidden]}")
        if self.init is not None and not taken:
            raise LearningError(f"--init: the {self.init.algo!r} checkpoint has none of the "
                                f"networks {', '.join(networks)} at --hidden {self.config.hidden}")

    def imitate(self, actor: MlpNetwork, run: TrainingRun) -> None:
        """With ``teacher: search``: the actor imitates each file's searched plan (inside the
        budget), then a curve point."""
        if self.config.teacher != "search":
            return
        from offload_ros.learning.teacher_imitation import TeacherImitation
        self.imitation = TeacherImitation(self.config, self.family).fit(actor)
        run.record(actor.numpy_layers())

    def training_run(self) -> TrainingRun:
        return TrainingRun(self.config, self.family, self.out, self.progress, self.resume)

    def run(self) -> Path:
        raise NotImplementedError
