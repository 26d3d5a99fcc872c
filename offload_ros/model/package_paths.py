"""Where the package's shipped files (config/, models/, launch/) are, however it was installed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from offload_ros.model.errors import ModelError

PACKAGE = "offload_ros"


class PackagePaths:
    """Finds the share directory: ``$OFFLOAD_ROS_SHARE``, a source checkout, the ament index
    (colcon install), or ``<prefix>/share/offload_ros`` (pip install)."""

    @staticmethod
    def candidates() -> list[Path]:
        out = []
        env = os.environ.get("OFFLOAD_ROS_SHARE")
        if env:
            out.append(Path(env))
        out.append(Path(__file__).resolve().parents[2])          # source checkout
        try:  # colcon / ament install
            from ament_index_python.packages import get_package_share_directory
            out.append(Path(get_package_share_directory(PACKAGE)))
        except Exception:  # noqa: BLE001 - not under ROS, or package not in the index
            pass
        out.append(Path(sys.prefix) / "share" / PACKAGE)
        return out

    @classmethod
    def share(cls) -> Path:
        for path in cls.candidates():
            if (path / "config" / "scenarios").is_dir():
                return path
        raise ModelError("cannot find the package's config/scenarios (looked in "
                         + ", ".join(str(p) for p in cls.candidates())
                         + "); set OFFLOAD_ROS_SHARE to the package's share directory")

    @classmethod
    def scenario(cls, name: str) -> Path:
        """A shipped scenario by file name (``factory_5agv`` or ``factory_5agv.yaml``)."""
        file = name if name.endswith((".yaml", ".yml")) else name + ".yaml"
        return cls.share() / "config" / "scenarios" / file

    @classmethod
    def find_scenario(cls, name: str | Path) -> Path:
        """A scenario file, or a shipped scenario by name; ModelError if it is neither."""
        path = Path(name)
        text = str(name)
        if not path.exists() and not text.endswith((".yaml", ".yml")) and "/" not in text:
            shipped = cls.scenario(text)
            if shipped.exists():
                path = shipped
        if not path.exists():
            raise ModelError(f"no such scenario file or shipped scenario: {text}", file=text)
        return path.resolve()

    @classmethod
    def default_scenario(cls) -> Path:
        return cls.scenario("factory_5agv")
