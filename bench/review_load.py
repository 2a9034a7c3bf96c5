"""Load check for the review worklist: concurrent reviewers recording decisions against PostgreSQL.

Starts a throwaway PostgreSQL cluster (``.ci/postgres.sh``; or uses ``--db``), creates the reviewers and puts the
synthetic dev notes on the worklist, starts ``suggester serve --db`` on a free loopback port, then runs
``--reviewers`` threads for ``--seconds``. Each reviewer, in a closed loop, opens a random note
(``GET /v1/review/notes/ID``) and records a decision on one of its codes (accept, reject with a reason, or new
units) with the version it saw and a fresh idempotency key; a timeout or dropped connection is retried with the
same key until the server answers. A 409 (someone else decided first) is a correct refusal, counted apart.

At the end the database is checked against what the clients were told:
- lost: a decision answered 200 whose key is not in the decisions table (must be 0);
- duplicated: more rows than confirmed decisions, or a key twice (must be 0);
- lost updates: an item whose version is not 1 + its number of decisions (must be 0).
Writes ``bench/review_load_results.md`` (unless ``--no-write``) and exits 1 when any check fails.

    .venv/bin/python bench/review_load.py                        # 20 reviewers, 300 s
    .venv/bin/python bench/review_load.py --seconds 20 --no-write
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_check import _free_port, _percentile, _wait_healthy  # noqa: E402  (the service load check's helpers)

NOTES = ROOT / "training_data" / "dev" / "dev_notes.jsonl"
OUT = ROOT / "bench" / "review_load_results.md"
TIMEOUT = 30.0


def _pct(values: list[float], q: float) -> float:
    return _percentile(sorted(values), q)


class Reviewer(threading.Thread):
    def __init__(self, i: int, port: int, token: str, note_ids: list[str], deadline: float) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.note_ids, self.deadline = port, token, note_ids, deadline
        self.rng = random.Random(i)
        self.conn: http.client.HTTPConnection | None = None
        self.confirmed: list[str] = []
        self.decide_ms: list[float] = []
        self.read_ms: list[float] = []
        self.conflicts = 0
        self.retries = 0
        self.errors: list[str] = []

    def _call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            return resp.status, json.loads(resp.read() or b"{}")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            note_id = self.rng.choice(self.note_ids)
            t0 = time.perf_counter()
            try:
                status, note = self._call("GET", f"/v1/review/notes/{note_id}")
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"read {type(exc).__name__}")
                continue
            self.read_ms.append((time.perf_counter() - t0) * 1000)
            if status != 200 or not note.get("items"):
                if status != 200:
                    self.errors.append(f"read HTTP {status}")
                continue
            item = self.rng.choice(note["items"])
            action = self.rng.choice(["accept", "reject", "change"])
            body = {"code": item["code"], "action": action, "version": item["version"],
                    "idempotency_key": uuid.uuid4().hex}
            if action == "reject":
                body["reason"] = "time not documented"
            elif action == "change":
                body["units"] = self.rng.randint(1, 4)
            t0 = time.perf_counter()
            for attempt in range(20):   # retry the same key until the server answers
                try:
                    status, _ = self._call("POST", f"/v1/review/decisions/{note_id}", body)
                    break
                except (OSError, http.client.HTTPException):
                    self.retries += 1
                    time.sleep(0.2)
            else:
                self.errors.append("decision never answered")
                continue
            self.decide_ms.append((time.perf_counter() - t0) * 1000)
            if status == 200:
                self.confirmed.append(body["idempotency_key"])
            elif status == 409:
                self.conflicts += 1
            else:
                self.errors.append(f"decide HTTP {status}")
        if self.conn is not None:
            self.conn.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviewers", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--notes", type=int, default=60, help="Notes on the worklist (fewer = more contention).")
    ap.add_argument("--db", help="A PostgreSQL URL to use (default: a throwaway cluster started here).")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from suggester.engine import Suggester
    from suggester.review import open_store
    from suggester.review import schema as t

    pg_dir = None
    url = args.db
    if url is None:
        pg_dir = tempfile.mkdtemp(prefix="suggester-pg-bench-")
        os.chmod(pg_dir, 0o755)
        url = subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "start", pg_dir], check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
    server = None
    try:
        store = open_store(url)
        _, admin = store.add_user("admin", "admin")
        tokens = [store.add_user(f"reviewer{i:02d}", "reviewer", token=admin)[1] for i in range(args.reviewers)]
        engine = Suggester()
        texts = [json.loads(line)["text"] for line in NOTES.read_text().splitlines() if line.strip()]
        note_ids = []
        for i in range(args.notes):
            view = store.submit_note(admin, engine, note_id=f"load-{i:04d}", text=texts[i % len(texts)] + f"\n#{i}",
                                     provider=f"PT {i % 5}", date_of_service=f"2026-11-{1 + i % 28:02d}")
            if view["items"]:
                note_ids.append(view["note_id"])
        port = _free_port()
        log = open(Path(tempfile.gettempdir()) / f"review-load-{port}.log", "wb")
        server = subprocess.Popen([sys.executable, "-m", "suggester", "serve", "--port", str(port), "--db", url,
                                   "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        _wait_healthy(f"http://127.0.0.1:{port}", server)
        t0 = time.perf_counter()
        end = time.monotonic() + args.seconds
        reviewers = [Reviewer(i, port, tok, note_ids, end) for i, tok in enumerate(tokens)]
        for r in reviewers:
            r.start()
        for r in reviewers:
            r.join()
        wall = time.perf_counter() - t0

        confirmed = [k for r in reviewers for k in r.confirmed]
        with store.engine.connect() as conn:
            keys = conn.execute(select(t.decisions.c.idempotency_key)).scalars().all()
            per_item = dict(conn.execute(select(t.decisions.c.item_id, func.count()).group_by(t.decisions.c.item_id)).all())
            versions = dict(conn.execute(select(t.items.c.id, t.items.c.version)).all())
        stored = set(keys)
        lost = len(set(confirmed) - stored)
        duplicated = (len(keys) - len(stored)) + len(stored - set(confirmed))
        lost_updates = sum(1 for item, v in versions.items() if v != 1 + per_item.get(item, 0))
        decide = [ms for r in reviewers for ms in r.decide_ms]
        reads = [ms for r in reviewers for ms in r.read_ms]
        errors = [e for r in reviewers for e in r.errors]
        conflicts = sum(r.conflicts for r in reviewers)
        retries = sum(r.retries for r in reviewers)
        store.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if pg_dir is not None:
            subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "stop", pg_dir], capture_output=True)
            shutil.rmtree(pg_dir, ignore_errors=True)

    ok = lost == 0 and duplicated == 0 and lost_updates == 0 and not errors
    lines = [
        "# Review worklist load check",
        "",
        f"`.venv/bin/python bench/review_load.py --reviewers {args.reviewers} --seconds {args.seconds:g} "
        f"--notes {args.notes}`: {args.reviewers} reviewers (threads, keep-alive HTTP), each opening a random note "
        "and recording a decision with the version it saw, against `suggester serve --db` on a throwaway "
        f"PostgreSQL cluster; {len(note_ids)} notes on the worklist. Machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; server, database and clients share it.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| run time | {wall:.0f} s |",
        f"| decisions recorded (200) | {len(confirmed):,} ({len(confirmed) / wall:.1f}/s) |",
        f"| refused as stale (409, someone decided first) | {conflicts:,} |",
        f"| decision latency p50 / p95 / p99 / max | {_pct(decide, 50):.1f} / {_pct(decide, 95):.1f} / "
        f"{_pct(decide, 99):.1f} / {max(decide, default=float('nan')):.1f} ms |",
        f"| note read latency p50 / p95 | {_pct(reads, 50):.1f} / {_pct(reads, 95):.1f} ms |",
        f"| retried after a timeout or dropped connection | {retries} |",
        f"| **lost** decisions (answered 200, not in the table) | **{lost}** |",
        f"| **duplicated** decisions (rows beyond the confirmed ones) | **{duplicated}** |",
        f"| **lost updates** (item version != 1 + its decisions) | **{lost_updates}** |",
        f"| errors (other statuses, no answer) | {len(errors)} |",
        "",
        "Result: " + ("PASS" if ok else "FAIL"),
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if errors:
        print("errors:", errors[:20], file=sys.stderr)
    if not args.no_write:
        OUT.write_text(report)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
