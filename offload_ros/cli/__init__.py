"""The ``offload-ros`` command, one module per command group (as ros2cli does it):

- ``simulate_command``: simulate, compare, plan, bound
- ``experiment_command``: experiment, headroom
- ``scenario_command``: scenario random|check|list|world
- ``bench_command``: bench sim|aigc|runtime|attention
- ``train_command``: train (MCOO, DQN, AC; AMARL, concat, IDQN)
- ``aigc_command``: aigc train|generate|quality|fewshot|cost|offload|experiment
- ``demo_command``: demo, node
- ``bag_command``: bag info|export
- ``config_command``: config ros-params

``cli.Cli`` assembles them; ``main`` is the console script's entry point.
"""

from offload_ros.cli.cli import Cli, main

__all__ = ["Cli", "main"]
