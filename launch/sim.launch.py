"""ros2 launch offload_ros sim.launch.py [scenario:=factory_5agv|PATH] [policy:=mcoo]
[time_scale:=60.0] [horizon_s:=0] [noise_seed:=0] [report:=out/sim/report.json] [record:=false]
[bag:=out/sim/bag] [aigc:=true] [aigc_tasks_per_hour:=R] [aigc_policy:=] [aigc_episode:=0]
[journal_dir:=out/sim/journal] [respawn:=true] [respawn_delay:=2.0] [respawn_max_retries:=3]

A whole fleet from a scenario (a shipped name or a file), on sim time: an edge_server node
per edge server (namespace = its id), an agv and a policy node per AGV (kinematic mode), and
the sim_clock node, which starts /clock at time_scale once every node has announced itself,
and after the horizon writes the report (``offload-ros demo --json``'s shape, its plot beside
it) and exits: the launch then shuts down by itself. noise_seed picks the draw of the
scenario's disturbance: section that every AGV and edge server runs (as simulate
--noise-seed; the report's simulator figures use the same draw). Parameters come from
config/offload_ros.yaml. With record:=true, `ros2 bag record` writes every offload_ros topic
to an MCAP bag that `offload-ros bag info|export` reads. With aigc_policy:=NAME (an AIGC
offloading policy: greedy, batch_greedy, amarl, ...), the AGVs emit the scenario's aigc:
tasks (episode aigc_episode of `aigc offload --seed 0`) and place each through their policy
nodes on the edge servers, which emulate the link and the batched compute on sim time; the
report sets the run beside `aigc offload` on the same tasks (instead of tasks riding with
the offers).

A node process that dies is restarted (respawn, after respawn_delay, at most
respawn_max_retries times; not the sim_clock node, whose exit ends the run): edge servers and
AGVs resume from their journals in journal_dir (emptied at launch; '' = none, a restarted
node starts over), and an AGV decides on its plan while its policy node is down.
"""

import shutil
from pathlib import Path

import yaml
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, ExecuteProcess, LogInfo, \
    OpaqueFunction, RegisterEventHandler
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from offload_ros.evaluation.aigc_offload.aigc_policy_factory import AigcPolicyFactory
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.ros.launch_respawn import LaunchRespawn

TOPICS = "/(clock|offload/transitions|.*/(status|state|pheromones|aigc/(results|state|progress)))"
RECORDER = "rosbag2_recorder"     # its node name; sim time starts once it subscribes


def _params(share: Path, node: str) -> dict:
    with open(share / "config" / "offload_ros.yaml") as f:
        return dict(yaml.safe_load(f).get(node, {}).get("ros__parameters", {}))


def _fleet(context):
    share = Path(FindPackageShare("offload_ros").perform(context))
    arg = {name: LaunchConfiguration(name).perform(context) for name in (
        "scenario", "policy", "time_scale", "horizon_s", "noise_seed", "aigc",
        "aigc_tasks_per_hour", "aigc_policy", "aigc_episode", "record", "bag",
        "report", "journal_dir")}
    path = PackagePaths.find_scenario(arg["scenario"])
    scenario = Scenario.load(path)            # a bad file fails here, naming file and line
    PolicyFactory.make(arg["policy"], scenario)   # so does an unknown policy
    scale, horizon = float(arg["time_scale"]), float(arg["horizon_s"])
    noise_seed = int(arg["noise_seed"])
    aigc = arg["aigc"].lower() == "true"
    rate = ({"aigc_tasks_per_hour": float(arg["aigc_tasks_per_hour"])}
            if arg["aigc_tasks_per_hour"] else {})       # '' keeps the config file's
    placing = arg["aigc_policy"]
    if placing:                           # a bad name or episode fails here
        AigcPolicyFactory.check(placing)
        rate = {"aigc_tasks_per_hour": 0.0}          # the tasks are placed, not carried
    aigc_seed = Seeding.aigc_task_seed(0, int(arg["aigc_episode"]))
    placement = {"aigc_placement": bool(placing), "aigc_seed": aigc_seed}
    record = arg["record"].lower() == "true"
    report = str(Path(arg["report"]).resolve()) if arg["report"] else ""
    bag = str(Path(arg["bag"]).resolve()) if record else ""
    if record and Path(bag).exists():
        if not (Path(bag) / "metadata.yaml").exists():
            raise RuntimeError(f"bag: {bag} exists and is not a bag; choose another folder")
        shutil.rmtree(bag)                     # the previous run's bag
    journals = Path(arg["journal_dir"]).resolve() if arg["journal_dir"] else None
    if journals is not None:
        shutil.rmtree(journals, ignore_errors=True)       # the previous run's journals
        journals.mkdir(parents=True)

    def journal(node: str) -> str:
        return str(journals / f"{node}.db") if journals is not None else ""
    respawn = LaunchRespawn.options(context)
    common = {"scenario": str(path), "horizon_s": horizon, "use_sim_time": True}
    clock = Node(package="offload_ros", executable="sim_clock_node", name="sim_clock",
                 output="screen",
                 parameters=[{**_params(share, "sim_clock"), **common, "use_sim_time": False,
                              "time_scale": scale, "policy": arg["policy"],
                              "noise_seed": noise_seed, "aigc_policy": placing,
                              "aigc_seed": aigc_seed, "report": report, "bag": bag,
                              "recorder": RECORDER if record else ""}])
    actions = [clock, RegisterEventHandler(OnProcessExit(target_action=clock, on_exit=[
        LogInfo(msg="sim_clock ended the run"),
        EmitEvent(event=Shutdown(reason="the run is over"))]))]
    for es in scenario.edge_servers:
        actions.append(Node(package="offload_ros", executable="edge_server_node",
                            name="edge_server", namespace=es.id, output="screen", **respawn,
                            parameters=[{**_params(share, "edge_server"), **common,
                                         "es_id": es.id, "time_scale": scale, "aigc": aigc,
                                         "aigc_placement": bool(placing),
                                         "noise_seed": noise_seed,
                                         "journal": journal(es.id)}]))
    for agv in scenario.agvs:
        actions.append(Node(package="offload_ros", executable="policy_node", name="policy",
                            namespace=agv.id, output="screen", **respawn,
                            parameters=[{**_params(share, "policy"), **common,
                                         "agvs": [agv.id], "policy": arg["policy"],
                                         "aigc_policy": placing}]))
        actions.append(Node(package="offload_ros", executable="agv_node", name="agv",
                            namespace=agv.id, output="screen", **respawn,
                            parameters=[{**_params(share, "agv"), **common,
                                         "agv_id": agv.id, "mode": "kinematic",
                                         "noise_seed": noise_seed, **rate, **placement,
                                         "journal": journal(agv.id)}]))
    if record:
        actions.append(ExecuteProcess(cmd=["ros2", "bag", "record", "-s", "mcap", "-o", bag,
                                           "--regex", TOPICS, "--node-name", RECORDER],
                                      output="screen"))
    return actions


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("scenario", default_value="factory_5agv",
                              description="a shipped scenario's name or a scenario YAML"),
        DeclareLaunchArgument("policy", default_value="mcoo",
                              description="policy of every policy node"),
        DeclareLaunchArgument("time_scale", default_value="60.0",
                              description="sim seconds per wall second"),
        DeclareLaunchArgument("horizon_s", default_value="0.0",
                              description="override the scenario's horizon (0: keep it)"),
        DeclareLaunchArgument("noise_seed", default_value="0",
                              description="draw of the scenario's disturbance: section "
                                          "(no section: nothing moves)"),
        DeclareLaunchArgument("report", default_value="out/sim/report.json",
                              description="end-of-run report (JSON; plot beside it); '' = "
                                          "none"),
        DeclareLaunchArgument("aigc", default_value="true",
                              description="edge servers run AIGC tasks"),
        DeclareLaunchArgument("aigc_tasks_per_hour", default_value="",
                              description="AIGC tasks each AGV emits per sim hour (Poisson), "
                                          "sent with its next offer ('' = the config file's)"),
        DeclareLaunchArgument("aigc_policy", default_value="",
                              description="AGVs place the scenario's aigc: tasks live with "
                                          "this AIGC policy ('' = none)"),
        DeclareLaunchArgument("aigc_episode", default_value="0",
                              description="which held-out episode of aigc offload --seed 0 "
                                          "the AGVs' AIGC tasks are"),
        DeclareLaunchArgument("record", default_value="false",
                              description="record every topic to an MCAP bag"),
        DeclareLaunchArgument("bag", default_value="out/sim/bag", description="bag folder"),
        DeclareLaunchArgument("journal_dir", default_value="out/sim/journal",
                              description="edge server and AGV journals (emptied at launch; "
                                          "'' = none)"),
        *LaunchRespawn.arguments(),
        OpaqueFunction(function=_fleet),
    ])
