#!/usr/bin/env python3
"""The store floor over one connection and over two (an experiment for the import target).

The suite's store floor (`bench/run.py`, `Bench.store_floor_pg`) loads the rows an import
left in the store into the store's own tables with `COPY` and then builds its indexes and
constraints, in one transaction on one connection. This script measures the same load split
over two connections working at once (results, line items and the link-row registry on one;
every other table on the other; the foreign keys after both), next to the one-connection
floor and the raw `COPY` baseline of the CSV files, all in the same minute. It tells how low
any import design using both cores could go.

    python3 bench/floor_two_connections.py [--src postgres://postgres@127.0.0.1/orbench]
        [--data-dir /work/bench-data]

Needs a database imported by `bench/run.py --backend postgres` (`orbench`) and the suite's
`copy-ddl-bulk.sql` / `copy-bulk.sql` in the data directory. Scratch: `<data-dir>/floor2`
and the databases `fl_copy`, `fl1`, `fl2` (dropped at the end). Standard library only.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

# The largest tables, loaded and indexed on the first connection; the rest on the second.
FIRST = ["results", "line_items", "csv_link_rows"]


def psql(url: str, *args: str, stdin: str | None = None) -> str:
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, *args],
                       input=stdin, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(r.stderr[-2000:])
    return r.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default="postgres://postgres@127.0.0.1/orbench")
    ap.add_argument("--data-dir", default="/work/bench-data")
    args = ap.parse_args()
    base = args.src.rsplit("/", 1)[0]
    admin = f"{base}/postgres"
    data = Path(args.data_dir)
    work = data / "floor2"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    pre, post = work / "pre.sql", work / "post.sql"
    subprocess.run(["pg_dump", "--section=pre-data", "-f", str(pre), args.src], check=True)
    subprocess.run(["pg_dump", "--section=post-data", "-f", str(post), args.src], check=True)
    tables = psql(args.src, "-Atc", "SELECT tablename FROM pg_tables WHERE schemaname = "
                  "'public' ORDER BY 1").split()
    psql(args.src, stdin="".join(f"\\copy public.\"{t}\" TO '{work}/{t}.copy'\n"
                                 for t in tables))

    # The post-data statements of the store's tables, by table; foreign keys apart.
    chunks = [re.sub(r"^(--[^\n]*\n|\s*\n)+", "", c) for c in re.split(r";\n", post.read_text())]
    stmts = [c.strip() + ";" for c in chunks
             if re.match(r"(CREATE|ALTER)", c.strip()) and "public." in c]
    fks = [s for s in stmts if "FOREIGN KEY" in s]
    by_table: dict[str, list[str]] = {}
    for s in stmts:
        if s in fks:
            continue
        m = (re.search(r"ALTER TABLE (?:ONLY )?public\.(\w+)", s)
             or re.search(r" ON (?:ONLY )?public\.(\w+)", s))
        if m:
            by_table.setdefault(m.group(1), []).append(s)

    def script(tabs: list[str], with_fks: bool) -> str:
        out = ["BEGIN;", "SET LOCAL maintenance_work_mem = '256MB';"]
        out += [f"\\copy public.\"{t}\" FROM '{work}/{t}.copy'" for t in tabs]
        for t in tabs:
            out += by_table.get(t, [])
        if with_fks:
            out += fks
        return "\n".join(out + ["COMMIT;"]) + "\n"

    def fresh(db: str, ddl: Path) -> str:
        psql(admin, "-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)',
             "-c", f'CREATE DATABASE "{db}"')
        url = f"{base}/{db}"
        psql(url, "-f", str(ddl))
        return url

    def timed(url: str, text: str) -> float:
        t0 = time.perf_counter()
        psql(url, stdin=text)
        return time.perf_counter() - t0

    url = fresh("fl_copy", data / "copy-ddl-bulk.sql")
    t0 = time.perf_counter()
    psql(url, "-f", str(data / "copy-bulk.sql"))
    raw = time.perf_counter() - t0
    print(f"raw COPY of the CSV files: {raw:.2f} s")

    one = timed(fresh("fl1", pre), script(tables, True))
    print(f"store floor, one connection: {one:.2f} s = {one / raw:.2f}x the raw COPY")

    url = fresh("fl2", pre)
    second = [t for t in tables if t not in FIRST]
    took: dict[str, float] = {}

    def load(name: str, tabs: list[str]) -> None:
        took[name] = timed(url, script(tabs, False))

    t0 = time.perf_counter()
    workers = [threading.Thread(target=load, args=("first", [t for t in FIRST if t in tables])),
               threading.Thread(target=load, args=("second", second))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    fk = timed(url, script([], True))
    two = time.perf_counter() - t0
    print(f"store floor, two connections: {two:.2f} s = {two / raw:.2f}x the raw COPY "
          f"({took['first']:.2f} s and {took['second']:.2f} s at once, then foreign keys "
          f"{fk:.2f} s)")
    for db in ("fl_copy", "fl1", "fl2"):
        psql(admin, "-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
