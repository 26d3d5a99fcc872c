"""Learned policies (torch): MCOO (A3C with difference rewards), the DQN and AC baselines,
rollouts, checkpoints. Import the modules themselves; this package imports nothing, so
``offload_ros.learning.errors`` and ``training_config`` load without torch."""
