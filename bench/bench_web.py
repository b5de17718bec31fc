"""API latency of `gutbrain serve` (issue #17): p50/p95 of a 180-day single-person simulation
and of a 180-day compare (two runs + attribution) over 50 requests each, and of 200-person
population responses (job submitted to done), against a real uvicorn server with httpx.

    python bench/bench_web.py [--requests 50] [--population 5] [--workers 2]

Reports the round trip and the server's own time (its Server-Timing header). Goals: a
180-day simulation <= 0.5 s server time once warm; a 200-person response <= 10 s.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time

import numpy as np

SCENARIO = {"name": "bench", "days": 180, "interventions": [
    {"type": "probiotic", "genus": "multi_strain", "cfu_per_day": 1e10, "start_day": 14,
     "days": 56}]}


def start(workers: int) -> tuple[str, tuple]:
    import uvicorn

    from gutbrain.web import Limits, create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(Limits(), workers=workers),
                                        host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.1)
    return f"http://127.0.0.1:{port}", (srv, thread)


def stats(name: str, rt: list[float], server: list[float]) -> None:
    p = lambda a, q: 1000 * float(np.percentile(a, q))  # noqa: E731
    print(f"{name:34s} n={len(rt):3d}  round trip p50 {p(rt, 50):7.0f} ms  p95 "
          f"{p(rt, 95):7.0f} ms  server p50 {p(server, 50):7.0f} ms  p95 {p(server, 95):7.0f} ms")


def timed(client, path: str, body: dict) -> tuple[float, float]:
    t0 = time.perf_counter()
    r = client.post(path, json=body)
    r.raise_for_status()
    dur = float(r.headers["server-timing"].split("dur=")[1]) / 1000
    return time.perf_counter() - t0, dur


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--population", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    import httpx

    t0 = time.perf_counter()
    url, (srv, thread) = start(args.workers)
    print(f"start-up (model loaded and warmed in {args.workers} workers): "
          f"{time.perf_counter() - t0:.1f} s")
    with httpx.Client(base_url=url, timeout=120) as client:
        for path, params in (("/api/simulate?observables=phq9,gad7", SCENARIO),
                             ("/api/simulate", SCENARIO),
                             ("/api/compare", {"scenario": SCENARIO})):
            timed(client, path, params)  # first call: imports in the worker
            runs = [timed(client, path, params) for _ in range(args.requests)]
            stats(f"POST {path.split('?')[0]}{' (2 obs)' if '?' in path else ''}",
                  [r[0] for r in runs], [r[1] for r in runs])
        waits = []
        for k in range(args.population):
            t1 = time.perf_counter()
            job = client.post("/api/population-response",
                              json={"scenario": SCENARIO, "n": 200, "seed": k}).json()
            while (j := client.get(job["url"]).json())["status"] not in ("done", "failed"):
                time.sleep(0.1)
            assert j["status"] == "done", j["error"]
            waits.append(time.perf_counter() - t1)
        stats("population-response n=200 (job)", waits, waits)
    srv.should_exit = True
    thread.join(30)  # the server's shutdown stops the worker pool


if __name__ == "__main__":
    main()
