#!/usr/bin/env python3
"""Run the Python peers of the territory engine on the benchmark inputs of issue 3.

Every subcommand prints its timings and writes its results to an output directory
(default /tmp/peers), in the formats the Rust CLI writes, so that
`compare.py` can check the two number for number:

    nearest   scipy cKDTree on unit vectors      -> nearest.csv   (code,distance_km)
    e2sfca    PySAL access, pairs within 30 km   -> e2sfca.csv, 2sfca.csv, gaussian.csv,
                                                    3sfca.csv, e2sfca_normalized.csv,
                                                    3sfca_pairs60.csv, e2sfca.json
    coverage  population within 15 km of a place -> coverage.json
    mclp      spopt and HiGHS maximal covering   -> mclp_*.json
    pmedian   spopt PMedian p=10, Bretagne        -> pmedian_53.json
    fixture   access on shared/data/fixtures/access_tiny.json, checked against it
    all       all of the above

Run with the interpreter of the venv described in README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
REPO = Path(__file__).resolve().parents[2]
COMMUNES = REPO / "data" / "reference" / "communes.csv"
PLACES = REPO / "data" / "bench" / "places_demo.csv"
FIXTURE = REPO.parent / "shared" / "data" / "fixtures" / "access_tiny.json"
# The three cities whose arrondissements stand in for them as demand units.
CITIES_WITH_ARRONDISSEMENTS = {"75056", "69123", "13055"}
E2SFCA_STEPS = {10: 1, 20: 0.68, 30: 0.22}


# ---------------------------------------------------------------------------
# inputs and geometry


def load_units() -> pd.DataFrame:
    df = pd.read_csv(COMMUNES, dtype={"code": str, "parent": str, "departement": str,
                                      "region": str, "epci": str, "codes_postaux": str})
    keep = ((df["kind"] == "commune") & ~df["code"].isin(CITIES_WITH_ARRONDISSEMENTS)) | (
        df["kind"] == "arrondissement"
    )
    units = df.loc[keep].reset_index(drop=True)
    if len(units) != 34917 or not units["code"].is_unique:
        raise SystemExit(f"expected 34,917 distinct demand units, got {len(units)}")
    return units


def load_places() -> pd.DataFrame:
    places = pd.read_csv(PLACES, dtype={"id": str, "type": str})
    places["capacity"] = places["capacity"].fillna(1)
    return places


def haversine_km(lat1, lon1, lat2, lon2):
    """Same operation order as maillage_territory::haversine_km (differences in degrees
    first, then radians), so that both agree to the last bits wherever libm does."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    d_phi = np.radians(np.subtract(lat2, lat1))
    d_lambda = np.radians(np.subtract(lon2, lon1))
    a = np.sin(d_phi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(np.sqrt(a), 1.0))


def unit_vectors(lat, lon) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def chord_for_km(km: float) -> float:
    """Chord length on the unit sphere of a great-circle distance, widened by a relative
    1e-9 so that pairs lying exactly on the radius are not lost to rounding; the exact
    haversine filter that follows decides inclusion."""
    return 2.0 * math.sin(km / (2.0 * EARTH_RADIUS_KM)) * (1.0 + 1e-9)


def chord_to_km(chord):
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2.0, 1.0))


def pairs_within(units: pd.DataFrame, sites_lat, sites_lon, km: float, tree=None):
    """All (unit index, site index, haversine km) with distance <= km, found the way an
    analyst would: cKDTree on 3-d unit vectors queried with the chord radius, then the
    exact haversine on the candidates."""
    if tree is None:
        tree = cKDTree(unit_vectors(sites_lat, sites_lon))
    hits = tree.query_ball_point(unit_vectors(units["lat"].to_numpy(), units["lon"].to_numpy()),
                                 chord_for_km(km))
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    ui = np.repeat(np.arange(len(hits)), counts)
    sj = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=int(counts.sum()))
    d = haversine_km(units["lat"].to_numpy()[ui], units["lon"].to_numpy()[ui],
                     np.asarray(sites_lat)[sj], np.asarray(sites_lon)[sj])
    keep = d <= km
    return ui[keep], sj[keep], d[keep]


# ---------------------------------------------------------------------------
# reporting


def timed(fn, repeat: int):
    """Run fn `repeat` times; return (median seconds, all seconds, last result)."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def fmt_times(times) -> str:
    return "median {:.4f} s over {} runs (min {:.4f}, max {:.4f})".format(
        statistics.median(times), len(times), min(times), max(times))


def write_values(path: Path, codes, values, header: str = "code,value") -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for code, v in zip(codes, values):
            # repr() gives the shortest string that reads back to the same double, and
            # spells the special values nan, inf and -inf.
            f.write(f"{code},{float(v)!r}\n")


def write_json(path: Path, data) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")


def machine() -> dict:
    return {
        "load_average": os.getloadavg(),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
    }


def section(title: str) -> None:
    print(f"\n== {title}  (load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})",
          flush=True)


# ---------------------------------------------------------------------------
# nearest


def cmd_nearest(out: Path, repeat: int) -> dict:
    section("nearest: scipy cKDTree on 3-d unit vectors")
    units, places = load_units(), load_places()
    uxyz = unit_vectors(units["lat"].to_numpy(), units["lon"].to_numpy())
    pxyz = unit_vectors(places["lat"].to_numpy(), places["lon"].to_numpy())

    t_build, build_times, tree = timed(lambda: cKDTree(pxyz), repeat)

    def query():
        chord, idx = tree.query(uxyz, k=1)
        return chord_to_km(chord), idx

    t_query, query_times, (km_chord, idx) = timed(query, repeat)
    # The file carries the exact haversine to the place the tree found, the definition the
    # Rust engine uses; the chord-converted value differs only by rounding.
    km = haversine_km(units["lat"].to_numpy(), units["lon"].to_numpy(),
                      places["lat"].to_numpy()[idx], places["lon"].to_numpy()[idx])
    rel = np.abs(km - km_chord) / np.maximum(km, 1e-300)
    write_values(out / "nearest.csv", units["code"], km, header="code,distance_km")
    print(f"units {len(units)}, places {len(places)}")
    print(f"tree build : {fmt_times(build_times)}")
    print(f"query (k=1, chord->km): {fmt_times(query_times)}")
    print(f"max |chord km - haversine km| / km = {rel[km > 0].max():.3e}; "
          f"max distance {km.max():.3f} km; mean {km.mean():.3f} km")
    result = {"units": len(units), "places": len(places), "build_s": t_build,
              "build_times": build_times, "query_s": t_query, "query_times": query_times,
              "max_km": float(km.max()), "mean_km": float(km.mean())}
    write_json(out / "nearest.json", result)
    return result


# ---------------------------------------------------------------------------
# accessibility with PySAL access


def access_object(units, places, cost_df):
    from access import Access

    return Access(
        demand_df=units[["code", "population"]], demand_index="code", demand_value="population",
        supply_df=places[["id", "capacity"]], supply_index="id", supply_value="capacity",
        cost_df=cost_df, cost_origin="origin", cost_dest="dest", cost_name="cost",
    )


def cost_table(units, places, km):
    ui, pj, d = pairs_within(units, places["lat"].to_numpy(), places["lon"].to_numpy(), km)
    return pd.DataFrame({"origin": units["code"].to_numpy()[ui],
                         "dest": places["id"].to_numpy()[pj], "cost": d})


def cmd_e2sfca(out: Path, repeat: int) -> dict:
    from access import weights

    section("e2sfca: PySAL access on pairs within 30 km")
    units, places = load_units(), load_places()

    t_pairs, pairs_times, cost_df = timed(lambda: cost_table(units, places, 30.0), repeat)
    print(f"pairs within 30 km: {len(cost_df)} (cKDTree on unit vectors, chord radius, "
          f"then exact haversine <= 30)")
    print(f"pairs build: {fmt_times(pairs_times)}")

    step = weights.step_fn(E2SFCA_STEPS)

    def run_e2sfca():
        a = access_object(units, places, cost_df)
        return a.enhanced_two_stage_fca(name="e2sfca", max_cost=30, weight_fn=step)

    t_access, access_times, e2 = timed(run_e2sfca, max(2, repeat // 2))
    print(f"access E2SFCA 30 km (Access() + enhanced_two_stage_fca): {fmt_times(access_times)}")
    e2 = e2["e2sfca_capacity"]
    write_values(out / "e2sfca.csv", e2.index, e2.to_numpy())

    variants = {
        "2sfca": lambda a: a.two_stage_fca(name="2sfca", max_cost=30)["2sfca_capacity"],
        "gaussian": lambda a: a.two_stage_fca(name="gaussian", max_cost=30,
                                              weight_fn=weights.gaussian(15))["gaussian_capacity"],
        "3sfca": lambda a: a.three_stage_fca(name="3sfca", max_cost=30)["3sfca_capacity"],
        "e2sfca_normalized": lambda a: a.enhanced_two_stage_fca(
            name="e2n", max_cost=30, weight_fn=step, normalize=True)["e2n_capacity"],
    }
    variant_times = {}
    for name, fn in variants.items():
        t0 = time.perf_counter()
        s = fn(access_object(units, places, cost_df))
        variant_times[name] = time.perf_counter() - t0
        write_values(out / f"{name}.csv", s.index, s.to_numpy())
        print(f"access {name}: {variant_times[name]:.4f} s (one run)")

    # 3SFCA computes its selection weights G over every pair of the cost table, before the
    # catchment filter: with a table wider than the catchment, the result changes.
    cost60 = cost_table(units, places, 60.0)
    t0 = time.perf_counter()
    s = access_object(units, places, cost60).three_stage_fca(name="w", max_cost=30)["w_capacity"]
    variant_times["3sfca_pairs60"] = time.perf_counter() - t0
    write_values(out / "3sfca_pairs60.csv", s.index, s.to_numpy())
    print(f"access 3sfca on a 60 km table ({len(cost60)} pairs), max_cost 30: "
          f"{variant_times['3sfca_pairs60']:.4f} s (one run)")

    values = e2.to_numpy()
    result = {
        "pairs_30km": int(len(cost_df)),
        "pairs_60km": int(len(cost60)),
        "pairs_build_s": t_pairs, "pairs_build_times": pairs_times,
        "access_e2sfca_s": t_access, "access_e2sfca_times": access_times,
        "variant_seconds": variant_times,
        "units_nan": int(np.isnan(values).sum()),
        "units_inf": int(np.isinf(values).sum()),
        "places_without_demand_in_30km": int(len(places) - cost_df["dest"].nunique()),
        "machine": machine(),
    }
    print(f"E2SFCA: {result['units_nan']} units NaN (no place within 30 km), "
          f"{result['units_inf']} units inf; {result['places_without_demand_in_30km']} places "
          f"with no unit within 30 km")
    write_json(out / "e2sfca.json", result)
    return result


# ---------------------------------------------------------------------------
# coverage


def cmd_coverage(out: Path, repeat: int, radius_km: float = 15.0) -> dict:
    section(f"coverage: population within {radius_km} km of a place")
    units, places = load_units(), load_places()
    uxyz = unit_vectors(units["lat"].to_numpy(), units["lon"].to_numpy())
    pop = units["population"].to_numpy()

    def run():
        tree = cKDTree(unit_vectors(places["lat"].to_numpy(), places["lon"].to_numpy()))
        _, idx = tree.query(uxyz, k=1)
        km = haversine_km(units["lat"].to_numpy(), units["lon"].to_numpy(),
                          places["lat"].to_numpy()[idx], places["lon"].to_numpy()[idx])
        return km <= radius_km

    t, times, covered = timed(run, repeat)
    covered_pop, total = int(pop[covered].sum()), int(pop.sum())
    result = {
        "radius_km": radius_km,
        "covered_population": covered_pop,
        "total_population": total,
        "share": covered_pop / total,
        "units_covered": int(covered.sum()),
        "white_zone_units": int((~covered).sum()),
        "seconds": t, "times": times, "machine": machine(),
    }
    print(f"covered {covered_pop} / {total} = {result['share']!r} "
          f"({result['white_zone_units']} units beyond {radius_km} km)")
    print(f"time (tree + query + haversine + sum): {fmt_times(times)}")
    write_json(out / "coverage.json", result)
    return result


# ---------------------------------------------------------------------------
# maximal covering


def spopt_build_worker(variant: str, limit_s: float, report: Path) -> None:
    """Build spopt's MCLP model with a watchdog: after limit_s (or if the process grows
    past the memory guard) write how far the build got and exit."""
    import pulp
    from spopt.locate import MCLP

    units, places = load_units(), load_places()
    if variant == "france-existing":
        cand_lat = np.concatenate([units["lat"].to_numpy(), places["lat"].to_numpy()])
        cand_lon = np.concatenate([units["lon"].to_numpy(), places["lon"].to_numpy()])
        predefined = np.concatenate([np.zeros(len(units), int), np.ones(len(places), int)])
        p = 50 + len(places)
    elif variant == "reduced-greenfield":
        cand = units[units["population"] >= 2000]
        cand_lat, cand_lon = cand["lat"].to_numpy(), cand["lon"].to_numpy()
        predefined, p = None, 50
    else:
        raise SystemExit(f"unknown variant {variant}")

    state = {"phase": "cost matrix", "t0": time.perf_counter(), "problem": None}
    rss_guard_kb = 9 * 1024 * 1024

    # spopt creates its pulp problem inside from_cost_matrix; remember it to count rows.
    original_init = pulp.LpProblem.__init__

    def recording_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        state["problem"] = self

    pulp.LpProblem.__init__ = recording_init

    def rss_kb() -> int:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def watchdog():
        while True:
            time.sleep(1.0)
            elapsed = time.perf_counter() - state["t0"]
            rss = rss_kb()
            if elapsed >= limit_s or rss >= rss_guard_kb:
                prob = state["problem"]
                rows = len(prob.constraints) if prob is not None else 0
                write_json(report, {
                    "variant": variant, "finished": False,
                    "stopped_by": "time limit" if elapsed >= limit_s else "memory guard",
                    "elapsed_s": elapsed, "phase": state["phase"],
                    "constraints_built": rows, "clients": len(units),
                    "candidates": len(cand_lat), "rss_mb": rss / 1024,
                    "cost_matrix_s": state.get("cost_matrix_s"),
                })
                os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()

    # spopt wants a dense clients x candidates cost matrix. float32 halves its size (the
    # comparison with the radius is all spopt does with it).
    cost = np.empty((len(units), len(cand_lat)), dtype=np.float32)
    ulat, ulon = units["lat"].to_numpy(), units["lon"].to_numpy()
    for start in range(0, len(units), 256):
        stop = min(start + 256, len(units))
        cost[start:stop] = haversine_km(ulat[start:stop, None], ulon[start:stop, None],
                                        cand_lat[None, :], cand_lon[None, :])
    state["cost_matrix_s"] = time.perf_counter() - state["t0"]
    state["phase"] = "spopt MCLP.from_cost_matrix"
    t0 = time.perf_counter()
    MCLP.from_cost_matrix(cost, units["population"].to_numpy(), service_radius=15.0,
                          p_facilities=p, predefined_facilities_arr=predefined)
    write_json(report, {"variant": variant, "finished": True,
                        "build_s": time.perf_counter() - t0,
                        "cost_matrix_s": state["cost_matrix_s"],
                        "elapsed_s": time.perf_counter() - state["t0"]})
    os._exit(0)


def run_spopt_build(variant: str, limit_s: float, out: Path) -> dict:
    report = out / f"spopt_build_{variant}.json"
    report.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "_spopt_build", variant, str(limit_s),
                           str(report)], check=False)
    wall = time.perf_counter() - t0
    if not report.exists():
        raise SystemExit(f"spopt build worker died (exit {proc.returncode})")
    result = json.loads(report.read_text())
    result["wall_s"] = wall
    return result


def solve_mclp_highs(units, cand_lat, cand_lon, k: int, radius_km: float,
                     existing=None, time_limit_s: float = 600.0) -> dict:
    """spopt's MCLP formulation, built sparse and handed to highspy directly:
    max sum_i P_i y_i  s.t.  sum_{j covers i} x_j >= y_i,  sum_j x_j = k (+ existing, fixed
    at 1, as spopt's predefined facilities), x and y binary."""
    import highspy

    t0 = time.perf_counter()
    n_u = len(units)
    lat_all, lon_all = np.asarray(cand_lat), np.asarray(cand_lon)
    n_new = len(lat_all)
    fixed = 0
    if existing is not None:
        lat_all = np.concatenate([lat_all, existing["lat"].to_numpy()])
        lon_all = np.concatenate([lon_all, existing["lon"].to_numpy()])
        fixed = len(existing)
    ui, cj, _ = pairs_within(units, lat_all, lon_all, radius_km)
    n_c = len(lat_all)
    pop = units["population"].to_numpy().astype(float)

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    inf = highspy.kHighsInf
    # columns: x_0..x_{n_c-1}, then y_0..y_{n_u-1}
    lb = np.zeros(n_c + n_u)
    ub = np.ones(n_c + n_u)
    lb[n_new:n_c] = 1.0  # existing places are open
    cost = np.concatenate([np.zeros(n_c), -pop])  # HiGHS minimises
    h.addVars(n_c + n_u, lb, ub)
    h.changeColsCost(n_c + n_u, np.arange(n_c + n_u, dtype=np.int32), cost)
    h.changeColsIntegrality(n_c + n_u, np.arange(n_c + n_u, dtype=np.int32),
                            np.full(n_c + n_u, highspy.HighsVarType.kInteger))
    # coverage rows: sum_j a_ij x_j - y_i >= 0 (CSR by unit)
    order = np.argsort(ui, kind="stable")
    ui, cj = ui[order], cj[order]
    counts = np.bincount(ui, minlength=n_u)
    starts = np.zeros(n_u, dtype=np.int64)
    starts[1:] = np.cumsum(counts + 1)[:-1]
    index = np.empty(len(ui) + n_u, dtype=np.int32)
    value = np.empty(len(ui) + n_u)
    cuts = np.concatenate([[0], np.cumsum(counts)])
    rank = np.arange(len(ui)) - cuts[ui]
    index[starts[ui] + rank] = cj
    value[starts[ui] + rank] = 1.0
    index[starts + counts] = n_c + np.arange(n_u)
    value[starts + counts] = -1.0
    h.addRows(n_u, np.zeros(n_u), np.full(n_u, inf), len(index), starts.astype(np.int32),
              index, value)
    # cardinality row
    h.addRow(float(k + fixed), float(k + fixed), n_c, np.arange(n_c, dtype=np.int32),
             np.ones(n_c))
    build_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - t1
    info = h.getInfo()
    sol = np.asarray(h.getSolution().col_value)
    chosen_idx = [j for j in range(n_new) if sol[j] > 0.5]
    y = sol[n_c:] > 0.5
    # Population actually within radius of the open sites (the objective, recomputed).
    open_mask = np.zeros(n_c, dtype=bool)
    open_mask[chosen_idx] = True
    open_mask[n_new:] = True
    covered = np.zeros(n_u, dtype=bool)
    covered[ui[open_mask[cj]]] = True
    existing_cov = np.zeros(n_u, dtype=bool)
    if fixed:
        existing_cov[ui[cj >= n_new]] = True
    return {
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective_covered_population": -info.objective_function_value,
        "covered_population_recomputed": int(pop[covered].sum()),
        "y_covered_population": int(pop[y].sum()),
        "existing_covered_population": int(pop[existing_cov].sum()),
        "dual_bound_population": -info.mip_dual_bound,
        "mip_gap": info.mip_gap,
        "mip_nodes": int(info.mip_node_count),
        "candidates": n_new, "existing_open": fixed, "coverage_pairs": int(len(ui)),
        "model_build_s": build_s, "solve_s": solve_s, "time_limit_s": time_limit_s,
        "chosen_index": chosen_idx,
        "highspy_version": highspy_version(),
    }


def highspy_version() -> str:
    from importlib.metadata import version

    return version("highspy")


def cmd_mclp(out: Path, spopt_limit_s: float, highs_limit_s: float,
             with_existing: bool = True) -> dict:
    units, places = load_units(), load_places()
    results = {}

    cand = units[units["population"] >= 2000].reset_index(drop=True)
    for name, existing in [("greenfield", None), ("existing", places)]:
        if name == "existing" and not with_existing:
            continue
        section(f"mclp: HiGHS (highspy) k=50, 15 km, candidates >= 2,000 inhabitants, {name}")
        r = solve_mclp_highs(units, cand["lat"].to_numpy(), cand["lon"].to_numpy(), 50, 15.0,
                             existing=existing, time_limit_s=highs_limit_s)
        r["chosen"] = [cand["code"].iloc[j] for j in r.pop("chosen_index")]
        r["k"], r["radius_km"], r["min_population"] = 50, 15.0, 2000
        r["total_population"] = int(units["population"].sum())
        r["machine"] = machine()
        print(json.dumps({k: v for k, v in r.items() if k != "chosen"}, indent=1))
        write_json(out / f"mclp_{name}_highs.json", r)
        results[f"highs_{name}"] = r

    section("mclp: spopt MCLP on all of France, existing places open (predefined facilities)")
    r = run_spopt_build("france-existing", spopt_limit_s, out)
    print(json.dumps(r, indent=1))
    results["spopt_france_existing"] = r

    section("mclp: spopt MCLP build, reduced greenfield (candidates >= 2,000 inhabitants)")
    r = run_spopt_build("reduced-greenfield", spopt_limit_s, out)
    print(json.dumps(r, indent=1))
    results["spopt_reduced_greenfield"] = r
    return results


# ---------------------------------------------------------------------------
# p-median


def cmd_pmedian(out: Path, highs_limit_s: float, region: str = "53", p: int = 10) -> dict:
    import pulp
    from spopt.locate import PMedian

    section(f"pmedian: spopt PMedian p={p}, region {region}, HiGHS via pulp")
    units = load_units()
    reg = units[units["region"] == region].reset_index(drop=True)
    lat, lon = reg["lat"].to_numpy(), reg["lon"].to_numpy()
    t0 = time.perf_counter()
    cost = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    cost_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = PMedian.from_cost_matrix(cost, reg["population"].to_numpy(), p_facilities=p)
    build_s = time.perf_counter() - t0
    solver = pulp.HiGHS(msg=False, timeLimit=highs_limit_s)
    t0 = time.perf_counter()
    model = model.solve(solver, results=False)
    solve_s = time.perf_counter() - t0
    h = model.problem.solverModel
    info = h.getInfo()
    chosen = [reg["code"].iloc[j] for j, v in enumerate(model.fac_vars) if v.value() > 0.5]
    # Objective recomputed from the chosen sites: population-weighted distance to the
    # nearest of them.
    sel = [j for j, v in enumerate(model.fac_vars) if v.value() > 0.5]
    recomputed = float((reg["population"].to_numpy() * cost[:, sel].min(axis=1)).sum())
    result = {
        "region": region, "p": p, "units": len(reg),
        "status": pulp.LpStatus[model.problem.status],
        "highs_status": h.modelStatusToString(h.getModelStatus()),
        "objective_person_km": pulp.value(model.problem.objective),
        "objective_recomputed": recomputed,
        "lower_bound": info.mip_dual_bound,
        "mip_gap": info.mip_gap,
        "chosen": chosen,
        "cost_matrix_s": cost_s, "model_build_s": build_s, "solve_s": solve_s,
        "time_limit_s": highs_limit_s,
        "machine": machine(),
    }
    print(json.dumps(result, indent=1))
    write_json(out / f"pmedian_{region}.json", result)
    return result


# ---------------------------------------------------------------------------
# the shared fixture, recomputed


def cmd_fixture(out: Path) -> dict:
    from access import Access, weights

    section("fixture: access on shared/data/fixtures/access_tiny.json")
    fx = json.loads(FIXTURE.read_text())
    demand = pd.DataFrame(fx["demand"])
    supply = pd.DataFrame(fx["supply"])
    cost = pd.DataFrame(fx["cost"])
    mc = fx["max_cost"]

    def obj():
        return Access(demand_df=demand, demand_index="geoid", demand_value="pop",
                      supply_df=supply, supply_index="geoid", supply_value="cap",
                      cost_df=cost.copy(), cost_origin="origin", cost_dest="dest",
                      cost_name="cost")

    step = weights.step_fn(E2SFCA_STEPS)
    got = {
        "2sfca": obj().two_stage_fca(name="x", max_cost=mc)["x_cap"],
        "e2sfca_step": obj().enhanced_two_stage_fca(name="x", max_cost=mc,
                                                    weight_fn=step)["x_cap"],
        "2sfca_gauss15": obj().two_stage_fca(name="x", max_cost=mc,
                                             weight_fn=weights.gaussian(15))["x_cap"],
        "3sfca_default": obj().three_stage_fca(name="x", max_cost=mc)["x_cap"],
        "e2sfca_step_normalized": obj().enhanced_two_stage_fca(
            name="x", max_cost=mc, weight_fn=step, normalize=True)["x_cap"],
    }
    worst, bad = 0.0, []
    for key, series in got.items():
        for geoid, expected in fx[key].items():
            e, g = float(expected), float(series.get(geoid, float("nan")))
            if math.isnan(e) and math.isnan(g) or e == g:
                continue
            rel = abs(e - g) / max(abs(e), abs(g))
            worst = max(worst, rel)
            if not rel <= 1e-12:
                bad.append((key, geoid, e, g))
    print(f"fixture: max relative difference {worst:.3e}; mismatches {bad or 'none'}")
    return {"max_rel_diff": worst, "mismatches": bad}


# ---------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_spopt_build":
        spopt_build_worker(sys.argv[2], float(sys.argv[3]), Path(sys.argv[4]))
        return

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["nearest", "e2sfca", "coverage", "mclp",
                                            "pmedian", "fixture", "all"])
    parser.add_argument("--out", type=Path, default=Path("/tmp/peers"))
    parser.add_argument("--repeat", type=int, default=7,
                        help="runs of each short measurement; the median is reported")
    parser.add_argument("--spopt-limit-s", type=float, default=300.0,
                        help="wall limit for building spopt's MCLP models")
    parser.add_argument("--highs-limit-s", type=float, default=600.0,
                        help="HiGHS time limit for MCLP and p-median")
    parser.add_argument("--no-existing", action="store_true",
                        help="skip the reduced MCLP with existing places open")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"output directory {args.out}; nproc {os.cpu_count()}; load {os.getloadavg()}")

    cmd = args.command
    if cmd in ("fixture", "all"):
        cmd_fixture(args.out)
    if cmd in ("nearest", "all"):
        cmd_nearest(args.out, args.repeat)
    if cmd in ("coverage", "all"):
        cmd_coverage(args.out, args.repeat)
    if cmd in ("e2sfca", "all"):
        cmd_e2sfca(args.out, args.repeat)
    if cmd in ("pmedian", "all"):
        cmd_pmedian(args.out, args.highs_limit_s)
    if cmd in ("mclp", "all"):
        cmd_mclp(args.out, args.spopt_limit_s, args.highs_limit_s,
                 with_existing=not args.no_existing)


if __name__ == "__main__":
    main()
