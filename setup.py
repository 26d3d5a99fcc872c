"""ament_python package; also installs with plain ``pip install .`` outside ROS."""

import os
from glob import glob

from setuptools import find_packages, setup

PACKAGE = "offload_ros"


def tree(folder):
    """data_files entries that install ``folder`` under share/offload_ros, keeping subfolders."""
    entries = {}
    for path in glob(os.path.join(folder, "**", "*"), recursive=True):
        if os.path.isfile(path) and "__pycache__" not in path and "tensorboard" not in path:
            entries.setdefault(os.path.join("share", PACKAGE, os.path.dirname(path)), []).append(path)
    return sorted(entries.items())


setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(include=["offload_ros", "offload_ros.*"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE]),
        ("share/" + PACKAGE, ["package.xml"]),
        *tree("launch"),
        *tree("config"),
        *tree("models"),
        *tree("offload_interfaces"),   # the .msg/.srv files, for the typestore at run time
    ],
    python_requires=">=3.10",
    install_requires=[
        "numpy>=1.24",
        "PyYAML>=6.0",
        "scipy>=1.10",
        "matplotlib>=3.6",
        "rich>=13",
        "tqdm>=4.60",
        "pettingzoo>=1.24",
        "gymnasium>=0.29",
        "eclipse-zenoh>=1.0",      # the live fleet's middleware (transport/)
        "rosbags>=0.10",           # CDR messages and MCAP rosbag2 files without ROS (bag/)
        "foxglove-sdk>=0.30.3",    # offload-ros demo --foxglove (imported only then)
        "cryptography>=42",        # the fleet's certificates (transport/fleet_security.py)
        "setuptools",
    ],
    extras_require={
        # torch: install the pinned CPU build first (scripts/setup.sh, constraints.txt)
        "learning": ["torch>=2.1", "tensorboardX>=2.6"],
        # the AIGC diffusion model (diffusers; loads from disk only, HF_HUB_OFFLINE=1)
        "aigc": ["torch>=2.1", "diffusers>=0.30", "safetensors>=0.4", "pillow>=10"],
        # experiment sweeps over a Ray cluster (--ray); one machine needs none of it
        "cluster": ["ray>=2.40"],
        "test": ["pytest>=7", "hypothesis>=6.80",
                 "websockets>=16"],   # a Foxglove WebSocket client for the view's test
    },
    zip_safe=True,
    maintainer="offload_ros maintainers",
    maintainer_email="offload-ros@example.com",
    description="Learned task offloading for factory AGV fleets and edge servers (MCOO, AMARL).",
    license="Apache-2.0",
    entry_points={"console_scripts": [
        "offload-ros = offload_ros.cli:main",
        # ROS 2 nodes (ros2 run offload_ros agv_node ...); they need a sourced ROS 2 Jazzy
        "agv_node = offload_ros.ros.agv_ros_node:main",
        "edge_server_node = offload_ros.ros.edge_server_ros_node:main",
        "policy_node = offload_ros.ros.policy_ros_node:main",
        "sim_clock_node = offload_ros.ros.sim_clock_ros_node:main",
    ]},
)
