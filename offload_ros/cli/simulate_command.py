"""``simulate``, ``compare``, ``plan`` and ``bound``: one factory under the planners
and policies."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from offload_ros.cli.command import Command
from offload_ros.evaluation.comparison import Comparison
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.package_paths import PackagePaths
from offload_ros.planning.flow_bound import FlowBound
from offload_ros.sim.default_plan import DefaultPlan
from offload_ros.sim.simulator import Simulator

DEFAULT_POLICIES = "greedy,balanced,cooperative,mcoo,dqn,ac"


class SimulateCommand(Command):
    """Runs one factory under a policy, side by side, planned or bounded."""

    commands = ("simulate", "compare", "plan", "bound")

    def simulate_parser(self, sub) -> None:
        s = sub.add_parser("simulate", help="run one episode and report it")
        s.add_argument("scenario", help="scenario YAML, or a shipped name (factory_5agv)")
        s.add_argument("--policy", default="balanced",
                       help=f"one of {', '.join(PolicyFactory.names())} (default: balanced)")
        s.add_argument("--noise-seed", type=int, default=0,
                       help="the noise draw of the scenario's disturbance: section (no section: "
                       "no effect) (default: 0)")
        s.add_argument("--json", action="store_true", help="print one JSON object")
        s.set_defaults(run=self.simulate)

    def compare_parser(self, sub) -> None:
        c = sub.add_parser("compare", help="policies side by side, with the flow bound")
        c.add_argument("scenarios", nargs="*", help="scenario files or shipped names "
                       "(default: the shipped factory_5agv)")
        c.add_argument("--policies", default=DEFAULT_POLICIES, help="comma-separated")
        c.add_argument("--noise-seeds", type=int, default=1,
                       help="episodes per policy and scenario, noise draws 0..K-1 of each "
                       "scenario's disturbance: section, averaged (default: 1)")
        c.add_argument("--out", type=Path, default=Path("out/compare"),
                       help="where compare.csv and compare.png go (default: out/compare)")
        c.add_argument("--json", action="store_true", help="print rows as JSON, no table")
        c.set_defaults(run=self.compare)

    def plan_parser(self, sub) -> None:
        pl = sub.add_parser("plan", help="show Algorithm 1 (eq. 8-17) for each AGV")
        pl.add_argument("scenario")
        pl.add_argument("--agv", help="only this AGV")
        pl.set_defaults(run=self.plan)

    def bound_parser(self, sub) -> None:
        b = sub.add_parser("bound", help="the max-flow upper bound on processed work")
        b.add_argument("scenario")
        b.add_argument("--json", action="store_true")
        b.set_defaults(run=self.bound)

    def simulate(self, args: argparse.Namespace) -> int:
        sc = self.load(args.scenario)
        res = Simulator(sc, noise_seed=args.noise_seed).run(PolicyFactory.make(args.policy, sc),
                                                            name=args.policy)
        if args.json:
            print(json.dumps(res.to_json(), indent=2))
            return 0
        from rich.table import Table
        con = self.console()
        con.print(f"[bold]{sc.name}[/bold] under [bold]{args.policy}[/bold]: "
                  f"{res.processed_kb:,.1f} kB processed in {sc.horizon_s:g} s "
                  f"({res.processed_kb_per_h:,.0f} kB/h); delivered {res.delivered_kb:,.1f}, "
                  f"loaded {res.loaded_kb:,.1f}, still carried {res.carried_kb:,.1f}")
        t = Table(title="AGVs")
        for col in ("agv", "cycles", "wait s", "waits", "delivered kB", "carried kB"):
            t.add_column(col, justify="left" if col == "agv" else "right")
        for aid, a in res.agvs.items():
            t.add_row(aid, str(a.cycles), f"{a.wait_s:,.1f}", str(a.waits),
                      f"{a.delivered_kb:,.1f}", f"{a.carried_kb:,.1f}")
        con.print(t)
        t = Table(title="edge servers")
        for col in ("es", "processed kB", "backlog kB", "door queue", "pheromones"):
            t.add_column(col, justify="left" if col == "es" else "right")
        for eid, e in res.edge_servers.items():
            t.add_row(eid, f"{e.processed_kb:,.1f}", f"{e.backlog_kb:,.1f}", str(e.door_queue),
                      str(e.pheromones))
        con.print(t)
        return 0

    def compare(self, args: argparse.Namespace) -> int:
        names = args.scenarios or [str(PackagePaths.default_scenario())]
        scenarios = [self.load(n) for n in names]
        policies = [p.strip() for p in args.policies.split(",") if p.strip()]
        if not policies:
            raise EvaluationError("--policies names no policy")
        rows = Comparison(scenarios, policies, args.noise_seeds).run()
        if args.json:
            print(json.dumps([dict(r.__dict__, of_bound=r.of_bound) for r in rows], indent=2))
            return 0
        con = self.console()
        con.print(Comparison.table(rows))
        csv_path = Comparison.write_csv(rows, args.out / "compare.csv")
        png = Comparison.plot(rows, args.out / "compare.png")
        con.print(f"wrote {csv_path} and {png}")
        return 0

    def plan(self, args: argparse.Namespace) -> int:
        sc = self.load(args.scenario)
        from rich.table import Table
        con = self.console()
        plans = DefaultPlan(sc)
        agvs = [sc.agvs[sc.agv_index(args.agv)]] if args.agv else list(sc.agvs)
        for agv in agvs:
            info = plans.explain(agv)
            t = Table(title=f"{agv.id}: load {agv.load_kb:g} kB, cycle T = "
                      f"{info['cycle_s'][0]:.1f} s, scheme: {info['scheme'][0]}")
            for col in ("stop", "es", "eq.8 greedy", "eq.9 t_cal s", "eq.10 cal", "eq.16 balance",
                        "plan kB"):
                t.add_column(col, justify="left" if col == "es" else "right")
            for k, es in enumerate(agv.route):
                t.add_row(str(k), es, f"{info['greedy'][k]:.1f}", f"{info['t_cal_s'][k]:.1f}",
                          f"{info['cal'][k]:.1f}", f"{info['balance'][k]:.1f}",
                          f"{info['plan'][k]:.1f}")
            con.print(t)
        return 0

    def bound(self, args: argparse.Namespace) -> int:
        res = FlowBound(self.load(args.scenario)).solve()
        if args.json:
            print(json.dumps(res.__dict__ | {"processed_kb_per_h": res.processed_kb_per_h},
                             indent=2))
        else:
            print(f"flow bound: {res.processed_kb:,.1f} kB in {res.horizon_s:g} s "
                  f"({res.processed_kb_per_h:,.0f} kB/h)")
        return 0
