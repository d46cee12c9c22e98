#!/usr/bin/env python3
"""Load benchmark of the server (issue 12, "A load benchmark").

Starts `target/release/maillage serve --demo` on a temporary SQLite file (or uses --base
URL of a running server), creates the accounts it needs, then runs three phases and prints
one line per phase with its figures:

1. mixed reads at a fixed rate (open loop: a request is sent every 1/rate s whatever the
   answers do): home page, filtered API lists, text searches, place pages, département
   pages, the map of France revalidated with its ETag;
2. writes at a fixed rate from many accounts behind one address (all from 127.0.0.1):
   each account edits the places it created, from the version it last read; 200, 201 and
   409 are the expected answers, anything else is an error;
3. a list with a text search from N clients in a closed loop (each sends its next
   request when the previous one answered).

usage: benches/load.py [--read-rate 200] [--read-seconds 300] [--write-rate 50]
                       [--accounts 30] [--write-seconds 120] [--search-clients 32]
                       [--search-seconds 60] [--bin target/release/maillage] [--base URL]
                       [--json OUT.json]

Only the standard library: a small HTTP/1.1 client with keep-alive connections.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-mot-de-passe-solide"
REPO = Path(__file__).resolve().parent.parent


class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method, path, headers=None, body=b""):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        for k, v in (headers or {}).items():
            head += f"{k}: {v}\r\n"
        if body:
            head += f"Content-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, chunked, close, out_headers = None, False, False, {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            k, v = k.strip().lower(), v.strip()
            out_headers.setdefault(k, []).append(v)
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v:
                chunked = True
            elif k == "connection" and v.lower() == "close":
                close = True
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
        elif length is not None:
            data = await self.reader.readexactly(length)
        elif status in (204, 304):
            data = b""
        else:
            data = await self.reader.read()
            close = True
        if close:
            self.writer.close()
            self.reader = self.writer = None
        return status, out_headers, data


class Pool:
    def __init__(self, host, port, size):
        self.queue = asyncio.Queue()
        for _ in range(size):
            self.queue.put_nowait(Connection(host, port))

    async def request(self, *args, **kwargs):
        conn = await self.queue.get()
        try:
            return await conn.request(*args, **kwargs)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            conn.writer = conn.reader = None
            raise
        finally:
            self.queue.put_nowait(conn)


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def summary(name, latencies, statuses, seconds):
    ok = sum(n for s, n in statuses.items() if s in (200, 201, 304, 409))
    errors = sum(statuses.values()) - ok
    ms = [x * 1000 for x in latencies]
    return {
        "phase": name,
        "requests": sum(statuses.values()),
        "seconds": round(seconds, 1),
        "rate": round(sum(statuses.values()) / seconds, 1) if seconds else 0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None,
    }


async def sign_in(pool, email):
    body = json.dumps({"email": email, "password": PASSWORD}).encode()
    status, headers, data = await pool.request(
        "POST", "/api/v1/session", {"Content-Type": "application/json"}, body
    )
    if status != 200:
        raise SystemExit(f"sign-in of {email} failed: {status} {data[:200]!r}")
    cookie = next(c.split(";")[0] for c in headers["set-cookie"] if c.startswith("maillage_session="))
    return {"Cookie": cookie, "X-CSRF-Token": json.loads(data)["csrf_token"]}


def place(name):
    return {
        "name": name,
        "types": ["coworking"],
        "summary": "Un lieu de test de charge.",
        "address": "3 rue Javelin-Pagnon",
        "postal_code": "42000",
        "commune_code": "42218",
        "latitude": 45.4397,
        "longitude": 4.3872,
    }


async def open_loop(rate, seconds, make_request):
    """Start one request every 1/rate s; returns latencies and statuses."""
    latencies, statuses, tasks = [], {}, []

    async def one():
        t0 = time.perf_counter()
        try:
            status = await make_request()
        except Exception:  # noqa: BLE001 - a failed connection is an error of the run
            status = 0
        latencies.append(time.perf_counter() - t0)
        statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter()
    n = 0
    while True:
        due = start + n / rate
        now = time.perf_counter()
        if due - start >= seconds:
            break
        if due > now:
            await asyncio.sleep(due - now)
        tasks.append(asyncio.create_task(one()))
        n += 1
    await asyncio.gather(*tasks)
    return latencies, statuses, time.perf_counter() - start


async def run(args, host, port):
    pool = Pool(host, port, 64)
    results = []
    rnd = random.Random(2026)

    # What the reads ask for: real ids and département codes of the demo network.
    status, _, data = await pool.request("GET", "/api/v1/places?per_page=500")
    ids = [p["id"] for p in json.loads(data)["items"]]
    deps = sorted({p["departement"] for p in json.loads(data)["items"]})
    status, headers, _ = await pool.request("GET", "/api/v1/places.geojson")
    etag = headers.get("etag", [""])[0]
    words = ["fablab", "numérique", "coworking", "atelier", "tiers lieu", "médiathèque", "lyom", "bibliothèque"]
    reads = [
        lambda: ("GET", "/", {}),
        lambda: ("GET", f"/api/v1/places?departement={rnd.choice(deps)}", {}),
        lambda: ("GET", f"/api/v1/places?type=fablab&departement={rnd.choice(deps)}&q={rnd.choice(words)}", {}),
        lambda: ("GET", f"/?q={rnd.choice(words)}", {}),
        lambda: ("GET", f"/lieux/{rnd.choice(ids)}", {}),
        lambda: ("GET", f"/territoires/departements/{rnd.choice(deps)}", {}),
        lambda: ("GET", "/api/v1/places.geojson", {"If-None-Match": etag, "Accept-Encoding": "gzip"}),
    ]

    async def read():
        method, path, headers = rnd.choice(reads)()
        status, _, _ = await pool.request(method, path.replace(" ", "+"), headers)
        return status

    if args.read_seconds > 0:
        lat, st, secs = await open_loop(args.read_rate, args.read_seconds, read)
        results.append(summary(f"mixed reads at {args.read_rate}/s", lat, st, secs))
        print(json.dumps(results[-1]), flush=True)

    if args.write_seconds > 0:
        sessions = [await sign_in(pool, f"bench{i}@exemple.fr") for i in range(args.accounts)]
        owned = []  # (session, id, version)
        for i, s in enumerate(sessions):
            for j in range(2):
                h = dict(s, **{"Content-Type": "application/json"})
                status, _, data = await pool.request(
                    "POST", "/api/v1/places", h, json.dumps(place(f"Lieu de charge {i}-{j}")).encode()
                )
                if status != 201:
                    raise SystemExit(f"creation failed: {status} {data[:300]!r}")
                owned.append([s, json.loads(data)["id"], 1])
        counter = {"n": 0}

        async def write():
            counter["n"] += 1
            entry = owned[counter["n"] % len(owned)]
            session, pid, version = entry
            body = dict(place(f"Édition {counter['n']}"), version=version)
            h = dict(session, **{"Content-Type": "application/json"})
            status, _, data = await pool.request("PUT", f"/api/v1/places/{pid}", h, json.dumps(body).encode())
            if status == 200:
                entry[2] = json.loads(data)["version"]
            elif status == 409:
                entry[2] = json.loads(data)["error"]["current_version"]
            return status

        lat, st, secs = await open_loop(args.write_rate, args.write_seconds, write)
        results.append(summary(f"writes at {args.write_rate}/s from {args.accounts} accounts, one address", lat, st, secs))
        print(json.dumps(results[-1]), flush=True)

    if args.search_seconds > 0:
        latencies, statuses = [], {}
        deadline = time.perf_counter() + args.search_seconds

        async def client(c):
            r = random.Random(c)
            while time.perf_counter() < deadline:
                path = f"/api/v1/places?q={r.choice(words)}&departement={r.choice(deps)}".replace(" ", "+")
                t0 = time.perf_counter()
                try:
                    status, _, _ = await pool.request("GET", path)
                except Exception:  # noqa: BLE001
                    status = 0
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(client(c) for c in range(args.search_clients)))
        results.append(summary(f"list with text search, {args.search_clients} clients", latencies, statuses,
                               time.perf_counter() - t0))
        print(json.dumps(results[-1]), flush=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--read-rate", type=float, default=200)
    ap.add_argument("--read-seconds", type=float, default=300)
    ap.add_argument("--write-rate", type=float, default=50)
    ap.add_argument("--accounts", type=int, default=30)
    ap.add_argument("--write-seconds", type=float, default=120)
    ap.add_argument("--search-clients", type=int, default=32)
    ap.add_argument("--search-seconds", type=float, default=60)
    ap.add_argument("--bin", default=str(REPO / "target" / "release" / "maillage"))
    ap.add_argument("--base", help="a running server (its accounts bench0… must exist)")
    ap.add_argument("--json", help="write the results there too")
    args = ap.parse_args()

    work = None
    server = None
    try:
        if args.base:
            host, port = args.base.split("//")[1].rstrip("/").split(":")
        else:
            work = tempfile.mkdtemp(prefix="maillage-load.")
            env = dict(os.environ, MAILLAGE_DATA_DIR=f"{work}/data", MAILLAGE_LOG="warn")
            env.pop("MAILLAGE_DATABASE_URL", None)
            for i in range(args.accounts):
                subprocess.run([args.bin, "user", "create", "--email", f"bench{i}@exemple.fr"],
                               input=PASSWORD.encode(), env=env, check=True, capture_output=True)
            server = subprocess.Popen([args.bin, "serve", "--demo", "--listen", "127.0.0.1:0"], env=env,
                                      stdout=subprocess.PIPE, stderr=open(f"{work}/server.log", "w"))
            line = server.stdout.readline().decode()
            host, port = line.split("http://")[1].split("/")[0].split(":")
            print(f"server pid {server.pid} at {host}:{port}, demo network loaded", file=sys.stderr)
        results = asyncio.run(run(args, host, int(port)))
        if server:
            rss = Path(f"/proc/{server.pid}/status").read_text().split("VmRSS:")[1].split()[0]
            print(json.dumps({"server_rss_mb": round(int(rss) / 1024, 1)}))
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
        return 0 if all(r["errors"] == 0 for r in results) else 1
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        if work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
