"""Load check for the HTTP service: N concurrent clients for T seconds against a local server.

Starts ``suggester serve`` on a free loopback port (or uses ``--url``, which must be a loopback address),
then runs ``--clients`` keep-alive clients that POST the dev notes to ``/v1/suggest`` in a closed loop until
``--seconds`` have passed (each request has a timeout, so the run always ends by itself). Reports requests
per second, latency p50/p90/p99/max and the error count, writes ``bench/load_results.md`` and exits 1 when
any request failed. Nothing leaves the machine; the notes are the synthetic dev notes.

    .venv/bin/python bench/load_check.py                     # 50 clients, 30 s
    .venv/bin/python bench/load_check.py --clients 10 --seconds 5 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "training_data" / "dev" / "dev_notes.jsonl"
OUT = ROOT / "bench" / "load_results.md"
REQUEST_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _wait_healthy(base: str, proc: subprocess.Popen | None, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                raise SystemExit(f"error: the server at {base} did not become healthy")
            time.sleep(0.25)


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))  # nearest rank
    return sorted_values[k]


async def _client(i: int, host: str, port: int, bodies: list[bytes], deadline: float, latencies: list[float],
                  errors: list[str]) -> None:
    reader = writer = None
    k = i
    while time.monotonic() < deadline:
        body = bodies[k % len(bodies)]
        k += 1
        head = (f"POST /v1/suggest HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode("ascii")
        t0 = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), REQUEST_TIMEOUT)
            writer.write(head + body)
            status, headers, data = await asyncio.wait_for(_read_response(reader), REQUEST_TIMEOUT)
            elapsed = time.perf_counter() - t0
            if status != 200 or not data.startswith(b'{"suggestions":'):
                errors.append(f"HTTP {status}")
            else:
                latencies.append(elapsed)
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise asyncio.IncompleteReadError(b"", None)
    status = int(status_line.split()[1])
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    data = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, data


async def _run(host: str, port: int, bodies: list[bytes], clients: int, seconds: float, baseline_seconds: float):
    # Warm-up (not measured): one request per client.
    await asyncio.gather(*[_client(i, host, port, bodies, time.monotonic() + 0.001, [], []) for i in range(clients)])
    latencies: list[float] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*[_client(i, host, port, bodies, deadline, latencies, errors) for i in range(clients)])
    wall = time.perf_counter() - t0
    # Baseline: one client alone, for the latency of a request that does not queue.
    single: list[float] = []
    if baseline_seconds > 0:
        await _client(0, host, port, bodies, time.monotonic() + baseline_seconds, single, errors)
    return latencies, errors, wall, single


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--payer", default="medicare")
    parser.add_argument("--baseline-seconds", type=float, default=5.0,
                        help="Afterwards, one client alone for this long (0: skip).")
    parser.add_argument("--url", help="An already running server on a loopback address, e.g. http://127.0.0.1:8000")
    parser.add_argument("--no-write", action="store_true", help=f"Do not write {OUT.relative_to(ROOT)}.")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 1000 and 0 < args.seconds <= 600 and 0 <= args.baseline_seconds <= 60):
        parser.error("--clients must be 1..1000, --seconds 0..600 and --baseline-seconds 0..60")

    load_before = os.getloadavg()[0]
    notes = [json.loads(line)["text"] for line in NOTES.read_text().splitlines() if line.strip()]
    bodies = [json.dumps({"text": t, "payer": args.payer}).encode() for t in notes]

    proc = None
    log = tempfile.NamedTemporaryFile(prefix="suggester-serve-", suffix=".log", delete=False)
    if args.url:
        parts = urllib.parse.urlsplit(args.url)
        if parts.scheme != "http" or not parts.hostname or not _is_loopback(parts.hostname):
            parser.error("--url must be http:// on a loopback address (127.0.0.1, ::1 or localhost)")
        host, port = parts.hostname, parts.port or 80
        base = args.url.rstrip("/")
    else:
        host, port = "127.0.0.1", _free_port()
        base = f"http://{host}:{port}"
        proc = subprocess.Popen([sys.executable, "-m", "suggester", "serve", "--host", host, "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        health = _wait_healthy(base, proc)
        latencies, errors, wall, single = asyncio.run(_run(host, port, bodies, args.clients, args.seconds,
                                                           args.baseline_seconds))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    lat = sorted(x * 1000 for x in latencies)
    total = len(lat) + len(errors)
    figures = {
        "clients": args.clients, "seconds": round(wall, 1), "requests": total, "ok": len(lat), "errors": len(errors),
        "rps": round(len(lat) / wall, 1), "p50_ms": round(_percentile(lat, 50), 1),
        "p90_ms": round(_percentile(lat, 90), 1), "p99_ms": round(_percentile(lat, 99), 1),
        "max_ms": round(lat[-1], 1) if lat else None, "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
        "notes": len(notes), "mean_note_chars": round(statistics.fmean(len(t) for t in notes)),
        "load_before": round(load_before, 2),
        "single_client_p50_ms": round(_percentile(sorted(x * 1000 for x in single), 50), 1) if single else None,
        "single_client_p99_ms": round(_percentile(sorted(x * 1000 for x in single), 99), 1) if single else None,
        "single_client_rps": round(len(single) / args.baseline_seconds, 1) if single else None,
    }
    print(json.dumps(figures, indent=2))
    if errors:
        print(f"errors: {sorted(set(errors))}", file=sys.stderr)
    if not args.no_write:
        _write(figures, health, args, external=bool(args.url))
    if proc is not None:
        server_log = Path(log.name).read_text(errors="replace")
        leaked = [t for t in notes if t[:40] in server_log]
        if leaked:
            print("error: the server log contains note text", file=sys.stderr)
            return 1
    os.unlink(log.name)
    return 1 if errors else 0


def _write(f: dict, health: dict, args, *, external: bool) -> None:
    cpus = os.cpu_count()
    v = health.get("versions", {})
    OUT.write_text(f"""# Load check: HTTP service

Command: `.venv/bin/python bench/load_check.py` ({f['clients']} concurrent keep-alive clients, {args.seconds:g} s,
closed loop: each client sends its next request when the last one is answered). Server:
{'an already running server' if external else '`suggester serve` started by the script on a free port on 127.0.0.1'}
(one process, the model loaded once, sync endpoints on the threadpool). Requests: `POST /v1/suggest`, payer
`{args.payer}`, cycling through the {f['notes']} synthetic dev notes (mean {f['mean_note_chars']} characters).
Latency is from sending the request to reading the whole response, as a client sees it (queueing included).

Machine: {cpus} cores, {platform.python_implementation()} {platform.python_version()}, {platform.system()} {platform.machine()};
client and server share the machine; 1-minute load average just before the run: {f['load_before']}
(other work on the machine lowers the figures). suggester {v.get('suggester')}, model {str(v.get('model_sha256'))[:12]},
catalogue {v.get('catalogue_version')}.

| measure | value |
|---|---|
| duration | {f['seconds']} s |
| requests answered 200 | {f['ok']} |
| errors (non-200, timeouts, resets) | **{f['errors']}** |
| requests per second | **{f['rps']}** |
| latency p50 | **{f['p50_ms']} ms** |
| latency p90 | {f['p90_ms']} ms |
| latency p99 | **{f['p99_ms']} ms** |
| latency max | {f['max_ms']} ms |
| latency mean | {f['mean_ms']} ms |
| one client alone ({args.baseline_seconds:g} s): requests per second | {f['single_client_rps']} |
| one client alone: latency p50 / p99 | {f['single_client_p50_ms']} / {f['single_client_p99_ms']} ms |

With a closed loop, mean latency is about clients / throughput (Little's law): the server is CPU-bound, so
more concurrent clients wait longer rather than get more throughput. A request that does not queue (one client
alone) takes about as long as the engine takes for one note plus the HTTP round trip. The errors row counts
every non-200 answer and every timeout or reset over the whole run, the one-client phase included.
""")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
