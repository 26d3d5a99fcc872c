"""offload_ros: learned task offloading for factory AGV fleets and edge servers."""

__version__ = "0.1.0"
