#!/usr/bin/env python3
"""Server memory with a large directory (issue 12, finding 9: "return to < 200 MB after").

Starts `target/release/maillage serve` on a fresh SQLite data directory, imports a
generated national-schema file of --rows places with the CLI into the same data directory
(as an operator would beside a running server), then asks the server what visitors ask
(lists, a text search, a département, the map, an export) and reads the server's resident
memory (VmRSS, and its peak VmHWM) after each step.

    cargo build --release -p maillage
    python3 benches/memory.py --rows 200000 [--json out.json]

Prints one line per step: seconds since start, VmRSS and VmHWM in MB, and what was done.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def rss_mb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    field = lambda name: int(status.split(f"{name}:")[1].split()[0]) / 1024
    return round(field("VmRSS"), 1), round(field("VmHWM"), 1)


def get(base, path, gzip=False):
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"} if gzip else {})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=300) as response:
        body = response.read()
    return body, time.monotonic() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--bin", default=str(REPO / "target/release/maillage"))
    ap.add_argument("--json", help="write the steps as JSON here too")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (data, file, server log)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="maillage-memory."))
    csv = work / "lieux.csv"
    subprocess.run([sys.executable, str(REPO / "benches/gen_lmn.py"), "--rows", str(args.rows), str(csv)], check=True)
    env = dict(os.environ, MAILLAGE_DATA_DIR=str(work / "data"), MAILLAGE_LOG="info,maillage_store=debug")
    env.pop("MAILLAGE_DATABASE_URL", None)
    server = subprocess.Popen([args.bin, "serve", "--listen", "127.0.0.1:0"], env=env,
                              stdout=subprocess.PIPE, stderr=open(work / "server.log", "w"))
    line = server.stdout.readline().decode()
    base = "http://" + line.split("http://")[1].split("/")[0]
    t0 = time.monotonic()
    steps = []

    def step(what):
        rss, hwm = rss_mb(server.pid)
        row = {"t_s": round(time.monotonic() - t0, 1), "rss_mb": rss, "hwm_mb": hwm, "step": what}
        steps.append(row)
        print(f"{row['t_s']:7.1f} s  RSS {rss:7.1f} MB  peak {hwm:7.1f} MB  {what}", flush=True)

    try:
        get(base, "/api/v1/places?per_page=20")
        step("started, empty directory, one list")
        started = time.monotonic()
        done = subprocess.run([args.bin, "import", str(csv), "--format", "lmn-csv", "--source", "bench"],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"import failed: {done.stderr[-2000:]}")
        step(f"CLI import of {args.rows} rows done in {time.monotonic() - started:.1f} s (other process)")
        # The first requests after the import start the index rebuild; wait until it is done.
        while True:
            body, _ = get(base, "/api/v1/places?per_page=20")
            if json.loads(body)["total"] >= args.rows:
                break
            time.sleep(0.5)
        step(f"index rebuilt: {args.rows} places listed")
        time.sleep(2)
        step("2 s later")
        for path in ["/api/v1/places?q=numerique&per_page=50", "/api/v1/places?departement=69&per_page=100",
                     "/api/v1/places?q=espace+lyon&sort=relevance&per_page=20", "/?q=fablab",
                     "/api/v1/places?per_page=500&page=7"]:
            _, took = get(base, path)
            step(f"GET {path} ({took * 1000:.0f} ms)")
        body, took = get(base, "/api/v1/places.geojson", gzip=True)
        step(f"map GeoJSON, gzip: {len(body) / 1e6:.1f} MB in {took:.1f} s")
        body, took = get(base, "/api/v1/places.geojson")
        step(f"map GeoJSON, plain: {len(body) / 1e6:.1f} MB in {took:.1f} s")
        body, took = get(base, "/api/v1/export?format=csv")
        step(f"CSV export: {len(body) / 1e6:.1f} MB in {took:.1f} s")
        del body
        time.sleep(5)
        step("5 s later, idle")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": args.rows, "steps": steps}, indent=2))


if __name__ == "__main__":
    main()
