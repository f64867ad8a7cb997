#!/usr/bin/env python3
"""Benchmark suite of the OneRoster server (issue 6 §2). Standard library only.

    python3 bench/run.py --backend postgres|sqlite [--students 100000] [--out FILE.md]
                         [--skip-import] [--quick]

Against a freshly created database (PostgreSQL: database `orbench`, dropped and created;
SQLite: a new file under the data directory) it imports a synthetic district, starts the
server and measures imports, full sync, deep paging, hot reads, the delta query, gradebook
writes and the server's peak memory, each beside a baseline of the database's own cost. It
prints a self-contained markdown section (machine, date, commit, commands, table) and writes
it to --out. See bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import http.client
import io
import json
import os
import platform
import queue
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LUA = BENCH / "lua"
SQL = BENCH / "sql"

RO = "/ims/oneroster/rostering/v1p2"
GB = "/ims/oneroster/gradebook/v1p2"

csv.field_size_limit(1 << 30)


# ---------------------------------------------------------------------------------------------
# Small helpers


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def now_iso_ms() -> str:
    t = dt.datetime.now(dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def iso_to_epoch_ms(s: str) -> int:
    t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return int(round(t.timestamp() * 1000))


def fmt_int(n: float) -> str:
    return f"{n:,.0f}".replace(",", " ")


def fmt_ms(x: float) -> str:
    if x >= 100:
        return f"{x:.0f} ms"
    if x >= 10:
        return f"{x:.1f} ms"
    return f"{x:.2f} ms"


def fmt_s(x: float) -> str:
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def median(xs):
    return statistics.median(xs) if xs else float("nan")


class Bench:
    """Runs the measurements and collects the report."""

    def __init__(self, args):
        self.args = args
        self.backend = args.backend
        self.quick = args.quick
        self.students = args.students or (10000 if args.quick else 100000)
        self.data = Path(args.data_dir)
        self.data.mkdir(parents=True, exist_ok=True)
        self.bin = Path(os.path.expanduser(args.bin))
        self.port = args.port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.pg_admin = args.pg_url.rstrip("/")
        self.db_name = args.db_name
        if self.backend == "postgres":
            self.db_url = f"{self.pg_admin}/{self.db_name}"
        else:
            self.db_file = self.data / f"{args.db_name}.sqlite"
            self.db_url = f"sqlite:{self.db_file}"
        # Durations.
        if self.quick:
            self.wrk_secs, self.warm_secs, self.pgb_secs = 5, 2, 3
            self.deep_runs, self.delta_runs, self.post_runs = 3, 10, 3
        else:
            self.wrk_secs, self.warm_secs, self.pgb_secs = 20, 5, 10
            self.deep_runs, self.delta_runs, self.post_runs = 5, 20, 5
        self.rows: list[dict] = []  # the table
        self.details: list[str] = []  # markdown lines under "Details"
        self.commands: list[str] = []  # exact commands, in order
        self.problems: list[str] = []  # anything suspicious
        self.servers: list[subprocess.Popen] = []
        self.server_log = None
        self.hwm_kb: dict[str, int] = {}
        self.quiet: list[tuple[str, float, float]] = []
        self.interference: list[tuple[str, float, float]] = []
        self.state_file = self.data / f"state-{self.backend}-{self.students}.json"
        self.state: dict = {}
        self.client_id = f"bench-{int(time.time())}-{secrets.token_hex(3)}"
        self.client_secret = secrets.token_urlsafe(24)
        self.token = None

    # -- bookkeeping ---------------------------------------------------------------------------

    def row(self, measurement, figure, target="—", baseline="—", ratio="—"):
        self.rows.append(dict(m=measurement, f=figure, t=target, b=baseline, r=ratio))

    def problem(self, msg: str) -> None:
        log("PROBLEM: " + msg)
        self.problems.append(msg)

    def record_cmd(self, cmd, env_note: str = "") -> None:
        if isinstance(cmd, (list, tuple)):
            s = " ".join(shlex.quote(str(c)) for c in cmd)
        else:
            s = cmd
        if self.token:
            s = s.replace(self.token, "$TOKEN")
        s = s.replace(self.client_secret, "$SECRET")
        s = s.replace(str(self.bin), "oneroster")
        self.commands.append((env_note + " " + s).strip())

    def run(self, cmd, *, env=None, check=True, record=True, env_note="", timeout=None,
            input_text=None) -> subprocess.CompletedProcess:
        if record:
            self.record_cmd(cmd, env_note)
        e = os.environ.copy()
        if env:
            e.update(env)
        p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=timeout,
                           input=input_text)
        if check and p.returncode != 0:
            raise RuntimeError(
                f"command failed ({p.returncode}): {cmd}\nstdout: {p.stdout[-3000:]}\n"
                f"stderr: {p.stderr[-3000:]}")
        return p

    def wait_for_binary(self) -> None:
        for _ in range(120):
            if self.bin.exists() and os.access(self.bin, os.X_OK):
                return
            log(f"waiting for {self.bin} (being rebuilt?)")
            time.sleep(5)
        raise SystemExit(f"binary not found: {self.bin}")

    def oneroster(self, *argv, check=True, record=True, timeout=None):
        self.wait_for_binary()
        cmd = [str(self.bin), *argv]
        return self.run(cmd, env={"ONEROSTER_DATABASE_URL": self.db_url}, check=check,
                        record=record, env_note=f"ONEROSTER_DATABASE_URL={self.db_url}",
                        timeout=timeout)

    def psql(self, sql: str, db: str | None = None, record=True, check=True):
        url = f"{self.pg_admin}/{db or 'postgres'}"
        return self.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", sql],
                        record=record, check=check)

    # -- a quiet machine -------------------------------------------------------------------------

    @staticmethod
    def cpu_busy(secs: float = 1.0) -> float:
        """Share of all cores busy over `secs` (from /proc/stat)."""
        def snap():
            vals = list(map(int, open("/proc/stat").readline().split()[1:]))
            return sum(vals), vals[3] + vals[4]
        t1, i1 = snap()
        time.sleep(secs)
        t2, i2 = snap()
        return 1 - (i2 - i1) / max(1, t2 - t1)

    def wait_quiet(self, phase: str) -> None:
        """Before a measurement: wait until the machine is idle (other work — a build, another
        import — would be measured too). Our own server is idle between phases."""
        t0 = time.time()
        busy = self.cpu_busy()
        while busy > self.args.quiet_threshold:
            if time.time() - t0 > self.args.quiet_timeout:
                self.problem(f"{phase}: the machine stayed busy ({busy:.0%} of the CPUs) for "
                             f"{self.args.quiet_timeout} s; measured anyway")
                break
            log(f"{phase}: machine busy ({busy:.0%} of the CPUs), waiting")
            time.sleep(4)
            busy = self.cpu_busy()
        self.quiet.append((phase, busy, time.time() - t0))

    CLK_TCK = os.sysconf("SC_CLK_TCK")

    def _procs(self):
        """CPU ticks, parent and command line of every process."""
        ticks, ppid, cmd = {}, {}, {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                stat = open(f"/proc/{d}/stat").read()
                line = open(f"/proc/{d}/cmdline", "rb").read()
            except OSError:
                continue
            rest = stat[stat.rindex(")") + 2:].split()
            pid = int(d)
            ppid[pid] = int(rest[1])
            ticks[pid] = int(rest[11]) + int(rest[12])
            cmd[pid] = line.replace(b"\0", b" ").decode(errors="replace").strip()
        return ticks, ppid, cmd

    def _foreign(self, pid, ppid, cmd) -> bool:
        """Whether a process is someone else's work: not a descendant of this script, not a
        PostgreSQL backend of our databases; PostgreSQL's own background processes and
        kernel threads count as neither."""
        p, me = pid, os.getpid()
        for _ in range(64):
            if p == me:
                return False
            p = ppid.get(p, 0)
            if p <= 1:
                break
        c = cmd.get(pid, "")
        if not c:
            return False  # kernel thread
        if c.startswith("postgres:"):
            parts = c.split()
            if len(parts) >= 5 and ("(" in parts[4] or parts[4] == "[local]"):
                return parts[3] not in (self.db_name, f"{self.db_name}_copy",
                                         f"{self.db_name}_floor")
            return False
        if "postgres" in c.split()[0]:
            return False  # the postmaster
        return True

    @staticmethod
    def _name(cmd: str) -> str:
        """A process's command line, short and without credentials, for the report."""
        c = re.sub(r"(?i)(bearer|basic)\s+\S+", r"\1 …", cmd)
        c = re.sub(r"(?i)(--secret|--password|secret=|password=)\s*\S+", r"\1 …", c)
        c = re.sub(r"://[^@/\s]*@", "://…@", c)
        return c[:70]

    class _Watch:
        def __init__(self, bench, phase, report):
            self.b, self.phase, self.report = bench, phase, report
            self.disturbed, self.note = False, ""

        def __enter__(self):
            self.t0 = time.time()
            self.before = self.b._procs()[0]
            return self

        def __exit__(self, *exc):
            wall = time.time() - self.t0
            ticks, ppid, cmd = self.b._procs()
            used = {}
            for pid, t in ticks.items():
                if self.b._foreign(pid, ppid, cmd):
                    d = t - self.before.get(pid, 0) if pid in self.before else t
                    if d > 0:
                        used[pid] = d / self.b.CLK_TCK
            total = sum(used.values())
            top = sorted(used.items(), key=lambda kv: -kv[1])[:3]
            self.b.interference.append((self.phase, total, wall))
            # Measurements shorter than a second are judged over a second (tick granularity).
            if total / max(wall, 1.0) > self.b.args.disturbed_share:
                names = ", ".join(f"{self.b._name(cmd[p])} ({s:.1f} s)" for p, s in top)
                self.disturbed = True
                self.note = (f"other processes used {total:.1f} CPU-seconds during its "
                             f"{wall:.1f} s: {names}")
                if self.report:
                    self.b.problem(f"{self.phase}: {self.note}; the figure is disturbed")
            return False

    def watch(self, phase: str, report: bool = True) -> "Bench._Watch":
        """Measures the CPU other processes use during a measurement (see _foreign)."""
        return Bench._Watch(self, phase, report)

    def measured(self, phase: str, fn, retries: int | None = None):
        """Runs a repeatable measurement `fn()` on a quiet machine; when other processes
        disturbed it, waits for quiet and runs it again (up to `retries` times), then reports."""
        retries = self.args.retries if retries is None else retries
        for attempt in range(retries + 1):
            self.wait_quiet(phase)
            with self.watch(phase, report=False) as w:
                r = fn()
            if not w.disturbed:
                return r
            if attempt < retries:
                log(f"{phase}: disturbed ({w.note}); measuring again")
                self.details.append(f"({phase} was measured again: {w.note}.)")
            else:
                self.problem(f"{phase}: {w.note}; the figure is disturbed")
        return r

    # -- environment -----------------------------------------------------------------------------

    def machine(self) -> list[str]:
        cpu = "?"
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        mem = "?"
        try:
            for line in open("/proc/meminfo"):
                if line.startswith("MemTotal"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        except OSError:
            pass
        load = open("/proc/loadavg").read().split()[:3]
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src",
                                "migrations", "Cargo.toml", "Cargo.lock"],
                               capture_output=True, text=True).stdout.strip()
        bstat = self.bin.stat()
        bver = subprocess.run([str(self.bin), "--version"], capture_output=True,
                              text=True).stdout.strip()
        lines = [
            f"- Date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
            f"- Machine: {os.cpu_count()} cores (`nproc`), {cpu}, {mem} RAM, "
            f"Linux {platform.release()}; load average at start {' '.join(load)}",
            f"- Commit: `{commit}`"
            + (" with uncommitted changes in src/ (the binary may include them)" if dirty else ""),
            f"- Binary: `{self.bin}` ({bver}, built "
            f"{dt.datetime.fromtimestamp(bstat.st_mtime, dt.timezone.utc):%Y-%m-%d %H:%M UTC})",
        ]
        if self.backend == "postgres":
            v = self.psql("SHOW server_version", record=False).stdout.strip()
            lines.append(f"- Database: PostgreSQL {v} on the same machine, `{self.db_url}`")
        else:
            v = subprocess.run(["sqlite3", "--version"], capture_output=True,
                               text=True).stdout.split()[:1]
            lines.append(f"- Database: SQLite file `{self.db_file}` (sqlite3 CLI {' '.join(v)} "
                         "for baselines)")
        w = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        lines.append(f"- Load tool: {(w.stdout + w.stderr).splitlines()[0].strip()}")
        return lines

    # -- package -------------------------------------------------------------------------------

    def package(self) -> Path:
        n = self.students
        name = f"d{n // 1000}k.zip" if n % 1000 == 0 else f"d{n}.zip"
        pkg = self.data / name
        if not pkg.exists():
            log(f"generating {pkg}")
            self.oneroster("generate", "--students", str(n), str(pkg))
        return pkg

    def extract(self, pkg: Path) -> Path:
        out = self.data / (pkg.stem + "-csv")
        stamp = out / ".complete"
        if stamp.exists() and stamp.read_text() == str(pkg.stat().st_mtime):
            return out
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        with zipfile.ZipFile(pkg) as z:
            z.extractall(out)
        stamp.write_text(str(pkg.stat().st_mtime))
        return out

    def build_delta(self, pkg: Path) -> tuple[Path, int]:
        """A delta package: 1% of users.csv (every 100th row) with givenName changed."""
        out = self.data / (pkg.stem + "-delta1pct.zip")
        dlm = now_iso_ms()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        n = 0
        with zipfile.ZipFile(pkg) as z, z.open("users.csv") as f:
            r = csv.reader(io.TextIOWrapper(f, encoding="utf-8-sig", newline=""))
            header = next(r)
            w.writerow(header)
            i_status = header.index("status")
            i_dlm = header.index("dateLastModified")
            i_given = header.index("givenName")
            for i, rec in enumerate(r):
                if i % 100 != 0:
                    continue
                rec[i_status] = "active"
                rec[i_dlm] = dlm
                rec[i_given] = rec[i_given] + "-delta"
                w.writerow(rec)
                n += 1
        manifest = ("propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\n"
                    "file.users,delta\r\n")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("manifest.csv", manifest)
            z.writestr("users.csv", buf.getvalue())
        return out, n

    # -- database ------------------------------------------------------------------------------

    def fresh_database(self) -> None:
        if self.backend == "postgres":
            self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self.psql(f'CREATE DATABASE "{self.db_name}"')
        else:
            for suffix in ("", "-wal", "-shm", "-journal"):
                p = Path(str(self.db_file) + suffix)
                if p.exists():
                    p.unlink()
            self.record_cmd(f"rm -f {self.db_file}*")

    # -- imports ---------------------------------------------------------------------------------

    IMPORT_RE = re.compile(
        r"imported (\d+) rows in ([\d.]+) s \((\d+) rows/s\).*?dateLastModified (\S+)", re.S)

    def do_import(self, pkg: Path, label: str) -> dict:
        log(f"import ({label}): {pkg.name}")
        if self.backend == "postgres":
            self.psql("CHECKPOINT", record=False)
        self.wait_quiet(f"import {label}")
        with self.watch(f"import {label}"):
            t0 = time.perf_counter()
            p = self.oneroster("import", str(pkg), timeout=3600)
            wall = time.perf_counter() - t0
        text = p.stdout + p.stderr
        m = self.IMPORT_RE.search(text)
        res = {"wall": wall, "text": text}
        if m:
            res.update(rows=int(m.group(1)), secs=float(m.group(2)), rps=int(m.group(3)),
                       dlm=m.group(4).rstrip(";,."))
        else:
            # No change: the importer may not print a stamp.
            m2 = re.search(r"imported (\d+) rows in ([\d.]+) s \((\d+) rows/s\)", text)
            if not m2:
                self.problem(f"could not parse the import summary ({label}):\n{text[-1500:]}")
                res.update(rows=0, secs=wall, rps=0, dlm=None)
            else:
                res.update(rows=int(m2.group(1)), secs=float(m2.group(2)),
                           rps=int(m2.group(3)), dlm=None)
        summary = [ln for ln in text.splitlines() if ln.strip()]
        self.details.append(f"**Import, {label}** (`oneroster import {pkg.name}`): "
                            f"{fmt_int(res['rows'])} rows in {res['secs']:.2f} s as printed, "
                            f"{wall:.2f} s wall clock including start-up.")
        self.details.append("```\n" + "\n".join(summary[-30:]) + "\n```")
        return res

    def scratch_db(self, db: str, ddl: Path) -> None:
        """A new database `db` with the tables of `ddl`, and a checkpoint before the timing."""
        self.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{db}"')
        self.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", f"{self.pg_admin}/{db}",
                  "-f", str(ddl)])
        self.psql("CHECKPOINT", record=False)

    def copy_baseline_pg(self, folder: Path, files: list[str], label: str) -> tuple[float, int]:
        """Plain all-text tables, \\copy of each CSV file; returns (seconds, rows)."""
        db = f"{self.db_name}_copy"
        ddl, copies, rows = [], [], 0
        for name in files:
            path = folder / name
            with open(path, encoding="utf-8-sig", newline="") as f:
                header = next(csv.reader(f))
            with open(path, "rb") as f:
                rows += sum(1 for _ in f) - 1  # the generator writes no multi-line values
            t = name[:-4]
            cols = ", ".join(f'"{c}" text' for c in header)
            ddl.append(f'CREATE TABLE "{t}" ({cols});')
            copies.append(f"\\copy \"{t}\" FROM '{path}' WITH (FORMAT csv, HEADER true)")
        ddl_file = self.data / f"copy-ddl-{label}.sql"
        copy_file = self.data / f"copy-{label}.sql"
        ddl_file.write_text("\n".join(ddl) + "\n")
        copy_file.write_text("\n".join(copies) + "\n")
        url = f"{self.pg_admin}/{db}"
        cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-f", str(copy_file)]

        def once():
            self.scratch_db(db, ddl_file)
            t0 = time.perf_counter()
            self.run(cmd)
            return time.perf_counter() - t0
        secs = self.measured(f"COPY baseline ({label})", once)
        self.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        return secs, rows

    def store_floor_pg(self) -> dict:
        """The database's own cost of holding the imported rows as the store holds them: the
        store's tables (`pg_dump --section=pre-data` of the imported database) filled by `COPY`
        with the rows the import wrote (exported with `COPY … TO`), then its indexes,
        constraints and triggers (`--section=post-data`), all in one transaction as the import
        runs. No validation, no merging, no statistics: only storing and indexing."""
        src = self.db_url
        db = f"{self.db_name}_floor"
        url = f"{self.pg_admin}/{db}"
        folder = self.data / "floor"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        pre, post = folder / "pre-data.sql", folder / "post-data.sql"
        self.run(["pg_dump", "--section=pre-data", "-f", str(pre), src])
        self.run(["pg_dump", "--section=post-data", "-f", str(post), src])
        tables = self.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                           "ORDER BY 1", db=self.db_name).stdout.split()
        outs, loads, rows = [], [], 0
        for t in tables:
            f = folder / f"{t}.copy"
            outs.append(f"\\copy public.\"{t}\" TO '{f}'")
            loads.append(f"\\copy public.\"{t}\" FROM '{f}'")
            rows += int(self.psql(f'SELECT count(*) FROM public."{t}"', db=self.db_name,
                                  record=False).stdout.strip() or 0)
        out_file, load_file = folder / "copy-out.sql", folder / "copy-in.sql"
        out_file.write_text("\n".join(outs) + "\n")
        load_file.write_text("\n".join(loads) + "\n")
        self.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", src, "-f", str(out_file)])
        timed_file = folder / "load.sql"
        timed_file.write_text(
            "BEGIN;\nSET LOCAL maintenance_work_mem = '256MB';\n"
            f"\\i {load_file}\n\\echo copied\n\\i {post}\nCOMMIT;\n")
        parts = {}

        def once():
            self.scratch_db(db, pre)
            t0 = time.perf_counter()
            p = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-f",
                                  str(timed_file)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            copied = None
            for line in p.stdout:
                if line.strip() == "copied":
                    copied = time.perf_counter() - t0
            err = p.stderr.read()
            if p.wait() != 0:
                raise RuntimeError(f"store floor load failed: {err[-800:]}")
            total = time.perf_counter() - t0
            parts.update(copy=copied or total, total=total)
            return total
        self.record_cmd(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-f", str(timed_file)])
        secs = self.measured("store floor (COPY into the store's tables, then its indexes)", once)
        self.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
        return {"secs": secs, "copy": parts.get("copy", secs), "rows": rows,
                "tables": len(tables), "indexes": post.name}

    def copy_baseline_sqlite(self, folder: Path, files: list[str], label: str):
        dbf = self.data / f"copy-baseline-{label}.sqlite"
        if dbf.exists():
            dbf.unlink()
        script, rows = [], 0
        for name in files:
            path = folder / name
            with open(path, encoding="utf-8-sig", newline="") as f:
                header = next(csv.reader(f))
            with open(path, "rb") as f:
                rows += sum(1 for _ in f) - 1
            t = name[:-4]
            cols = ", ".join(f'"{c}" text' for c in header)
            script.append(f'CREATE TABLE "{t}" ({cols});')
            script.append(f'.import --csv --skip 1 "{path}" "{t}"')
        sfile = self.data / f"copy-sqlite-{label}.sql"
        sfile.write_text("\n".join(script) + "\n")
        cmd = ["sqlite3", str(dbf), f".read {sfile}"]

        def once():
            if dbf.exists():
                dbf.unlink()
            t0 = time.perf_counter()
            self.run(cmd)
            return time.perf_counter() - t0
        secs = self.measured(f"sqlite3 .import baseline ({label})", once)
        dbf.unlink()
        return secs, rows

    def copy_baseline(self, folder, files, label):
        if self.backend == "postgres":
            return self.copy_baseline_pg(folder, files, label)
        return self.copy_baseline_sqlite(folder, files, label)

    def imports(self, pkg: Path) -> None:
        self.fresh_database()
        first = self.do_import(pkg, "bulk into the empty store")
        again = self.do_import(pkg, "the same package again (no changes)")
        delta_pkg, delta_rows = self.build_delta(pkg)
        time.sleep(1.1)
        since = now_iso_ms()  # a consumer's last sync, just before the delta import
        time.sleep(0.05)
        delta = self.do_import(delta_pkg, f"1% delta ({delta_rows} users rows changed)")
        self.state = {"since": since, "delta_rows": delta_rows, "delta_dlm": delta.get("dlm"),
                      "package": str(pkg), "db_url": self.db_url}
        self.state_file.write_text(json.dumps(self.state, indent=1))

        log("COPY baseline")
        folder = self.extract(pkg)
        files = sorted(p.name for p in folder.glob("*.csv") if p.name != "manifest.csv")
        copy_secs, copy_rows = self.copy_baseline(folder, files, "bulk")
        dfolder = self.data / "delta-csv"
        shutil.rmtree(dfolder, ignore_errors=True)
        with zipfile.ZipFile(delta_pkg) as z:
            z.extractall(dfolder)
        dcopy_secs, dcopy_rows = self.copy_baseline(dfolder, ["users.csv"], "delta")
        tool = "`COPY`" if self.backend == "postgres" else "sqlite3 `.import`"
        self.details.append(
            f"**Import baseline**: {tool} of the {len(files)} extracted CSV files into all-text "
            f"tables without indexes in a scratch database: {fmt_int(copy_rows)} rows in "
            f"{copy_secs:.2f} s ({fmt_int(copy_rows / copy_secs)} rows/s); the delta's users.csv "
            f"({dcopy_rows} rows) in {dcopy_secs:.3f} s. The importer reads the zip itself "
            "(inflating as it goes); the baseline reads extracted files.")
        if copy_rows != first["rows"]:
            self.details.append(f"(the importer counted {first['rows']} rows, the CSV files "
                                f"hold {copy_rows} data lines)")

        floor = None
        if self.backend == "postgres":
            log("store floor")
            floor = self.store_floor_pg()
            self.details.append(
                f"**Store floor**: the rows the imports left in the store ({fmt_int(floor['rows'])} "
                f"rows in {floor['tables']} tables, exported with `COPY … TO`) loaded with `COPY` "
                "into the store's own tables (`pg_dump --section=pre-data` of the imported "
                "database) and then given the store's indexes, constraints and triggers "
                "(`--section=post-data`), in one transaction: "
                f"{floor['secs']:.2f} s, of which `COPY` {floor['copy']:.2f} s and indexes, "
                f"constraints and triggers {floor['secs'] - floor['copy']:.2f} s. This is what "
                "the database itself needs to store and index what the import stores, with no "
                "validation, merging or statistics.")

        def imp_row(label, r, target, base_secs, base_rows):
            ratio = r["secs"] / base_secs if base_secs else float("nan")
            self.row(f"Import: {label}",
                     f"{fmt_int(r['rps'])} rows/s ({fmt_int(r['rows'])} rows, {r['secs']:.2f} s)",
                     target,
                     f"{tool}: {base_secs:.2f} s ({fmt_int(base_rows / base_secs)} rows/s)",
                     f"{ratio:.2f}× the {tool} time")

        imp_row("whole package into the empty store", first,
                "≥ 100 000 rows/s, ≤ 3× `COPY`", copy_secs, copy_rows)
        if floor:
            ratio = first["secs"] / floor["secs"] if floor["secs"] else float("nan")
            self.row("Import: whole package, against the store floor",
                     f"{first['secs']:.2f} s",
                     "—",
                     f"`COPY` into the store's tables + its indexes: {floor['secs']:.2f} s "
                     f"(`COPY` {floor['copy']:.2f} s, indexes {floor['secs'] - floor['copy']:.2f} s)",
                     f"{ratio:.2f}× the floor; the floor alone is "
                     f"{floor['secs'] / copy_secs:.2f}× the raw `COPY`")
        imp_row("same package again (no changes)", again,
                "≥ the first import's rows/s", copy_secs, copy_rows)
        imp_row(f"1% delta ({delta_rows} users)", delta, "—", dcopy_secs, dcopy_rows)
        self.import_results = (first, again, delta)

    def settle(self) -> None:
        """After the imports: a checkpoint, then wait (up to 5 min) until autovacuum has finished
        with the database, so that it does not run in the middle of a measurement. Nothing is
        run that the server would not have: no VACUUM or ANALYZE of our own."""
        if self.backend != "postgres":
            return
        self.psql("CHECKPOINT")
        t0 = time.time()
        time.sleep(2)
        while time.time() - t0 < 300:
            n = self.psql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                          f"'autovacuum worker' AND datname = '{self.db_name}'",
                          record=False).stdout.strip()
            if n == "0":
                break
            time.sleep(2)
        waited = time.time() - t0
        self.details.append(f"**Settling**: `CHECKPOINT`, then {waited:.0f} s waiting for "
                            "autovacuum workers on the database to finish before measuring.")

    # -- server ----------------------------------------------------------------------------------

    def start_server(self, tag: str) -> subprocess.Popen:
        self.wait_for_binary()
        logf = self.data / f"server-{self.backend}-{tag}.log"
        cmd = [str(self.bin), "serve", "--database-url", self.db_url,
               "--listen", f"127.0.0.1:{self.port}", "--public-url", self.base_url,
               "--max-page-size", "50000", "--token-lifetime-secs", "86400"]
        env = os.environ.copy()
        if self.args.log_filter:
            env["ONEROSTER_LOG"] = self.args.log_filter
        if not any("serve" in c for c in self.commands):
            self.record_cmd(cmd, (f"ONEROSTER_LOG={self.args.log_filter}"
                                  if self.args.log_filter else ""))
        # A port still held by something else would make us measure the wrong server.
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", self.port)) == 0:
                raise SystemExit(f"port {self.port} is already in use")
        f = open(logf, "wb")
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        p._bench_log = f  # type: ignore[attr-defined]
        p._bench_tag = tag  # type: ignore[attr-defined]
        self.servers.append(p)
        deadline = time.time() + 120
        while time.time() < deadline:
            if p.poll() is not None:
                raise RuntimeError(f"server exited with {p.returncode}; see {logf}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/.well-known/jwks.json")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return p
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    @staticmethod
    def vm_hwm_kb(pid: int) -> int:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def stop_server(self, p: subprocess.Popen) -> int:
        hwm = self.vm_hwm_kb(p.pid)
        self.hwm_kb[p._bench_tag] = hwm  # type: ignore[attr-defined]
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        p._bench_log.close()  # type: ignore[attr-defined]
        if p in self.servers:
            self.servers.remove(p)
        # Wait until the port is free again.
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    break
            time.sleep(0.05)
        return hwm

    def kill_all(self) -> None:
        for p in list(self.servers):
            try:
                self.stop_server(p)
            except Exception:  # noqa: BLE001
                p.kill()

    def create_client(self) -> None:
        self.oneroster("clients", "create", "--name", "bench", "--scopes", "all",
                       "--client-id", self.client_id, "--secret", self.client_secret)

    def get_token(self) -> str:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        c.request("POST", "/oauth/token", body="grant_type=client_credentials",
                  headers={"Authorization": f"Basic {basic}",
                           "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status != 200:
            raise RuntimeError(f"token request failed: {r.status} {body[:500]!r}")
        self.token = json.loads(body)["access_token"]
        return self.token

    # -- HTTP ----------------------------------------------------------------------------------

    def conn(self) -> "Client":
        return Client("127.0.0.1", self.port, self.token)

    # -- id samples (from the package: real ids, deterministic) --------------------------------

    def samples(self, pkg: Path) -> None:
        rng = random.Random(20251017)
        safe = re.compile(r"^[A-Za-z0-9._~-]+$")
        users, emails, students = [], [], []
        with zipfile.ZipFile(pkg) as z:
            with z.open("users.csv") as f:
                r = csv.DictReader(io.TextIOWrapper(f, encoding="utf-8-sig", newline=""))
                for rec in r:
                    if safe.match(rec["sourcedId"]):
                        users.append(rec["sourcedId"])
                        if rec["email"]:
                            emails.append(rec["email"])
                        if rec["sourcedId"].startswith("stu-"):
                            students.append(rec["sourcedId"])
            with z.open("classes.csv") as f:
                r = csv.DictReader(io.TextIOWrapper(f, encoding="utf-8-sig", newline=""))
                classes = [rec["sourcedId"] for rec in r if safe.match(rec["sourcedId"])]
            k = 10000
            results = []  # a reservoir sample of k rows (Algorithm R)
            with z.open("results.csv") as f:
                r = csv.DictReader(io.TextIOWrapper(f, encoding="utf-8-sig", newline=""))
                for i, rec in enumerate(r):
                    j = i if i < k else rng.randrange(i + 1)
                    if j < k:
                        row = (rec["sourcedId"], rec["lineItemSourcedId"],
                               rec["studentSourcedId"], rec["classSourcedId"])
                        if i < k:
                            results.append(row)
                        else:
                            results[j] = row
        self.s_users = rng.sample(users, min(k, len(users)))
        self.s_emails = rng.sample(emails, min(k, len(emails)))
        self.s_classes = rng.sample(classes, min(k, len(classes)))
        self.s_results = [r for r in rng.sample(results, min(k, len(results)))
                          if all(safe.match(x) for x in r[:3]) and (not r[3] or safe.match(r[3]))]
        self.s_post_students = rng.sample(students, min(1000, len(students)))
        self.post_line_item = self.s_results[0][1]
        self.post_class = self.s_results[0][3]

        def write(name, lines):
            p = self.data / name
            p.write_text("\n".join(lines) + "\n")
            return p

        self.f_users = write("paths-user-by-id.txt", [f"{RO}/users/{u}" for u in self.s_users])
        self.f_classes = write("paths-class-students.txt",
                               [f"{RO}/classes/{c}/students" for c in self.s_classes])
        self.f_emails = write("paths-user-by-email.txt", [
            f"{RO}/users?" + urllib.parse.urlencode(
                {"filter": "email='" + e.replace("'", "''") + "'"}, quote_via=urllib.parse.quote)
            for e in self.s_emails])
        self.f_results = write("rows-results.txt", ["\t".join(r) for r in self.s_results])
        self.details.append(
            f"**Samples** (seeded, from the package's CSV files): {len(self.s_users)} user ids, "
            f"{len(self.s_emails)} emails, {len(self.s_classes)} class ids, "
            f"{len(self.s_results)} results (id, lineItem, student, class); request paths in "
            f"`{self.f_users}`, `{self.f_classes}`, `{self.f_emails}`, rows in `{self.f_results}`.")

    def load_aux_pg(self) -> None:
        """The same samples as tables, for the pgbench scripts."""
        def tsv(name, rows):
            p = self.data / name
            with open(p, "w", newline="") as f:
                w = csv.writer(f, delimiter="\t", lineterminator="\n")
                for i, r in enumerate(rows, 1):
                    w.writerow([i, *r])
            return p
        fu = tsv("aux-users.tsv", [(u,) for u in self.s_users])
        fe = tsv("aux-emails.tsv", [(e,) for e in self.s_emails])
        fc = tsv("aux-classes.tsv", [(c,) for c in self.s_classes])
        fr = tsv("aux-results.tsv", self.s_results)
        fs = tsv("aux-post-students.tsv", [(s,) for s in self.s_post_students])
        sql = f"""
DROP SCHEMA IF EXISTS bench_aux CASCADE;
CREATE SCHEMA bench_aux;
CREATE TABLE bench_aux.users (n int PRIMARY KEY, id text COLLATE "C");
CREATE TABLE bench_aux.emails (n int PRIMARY KEY, email text COLLATE "C");
CREATE TABLE bench_aux.classes (n int PRIMARY KEY, id text COLLATE "C");
CREATE TABLE bench_aux.results (n int PRIMARY KEY, id text COLLATE "C",
  line_item_id text COLLATE "C", student_id text COLLATE "C", class_id text COLLATE "C");
CREATE TABLE bench_aux.post_students (n int PRIMARY KEY, id text COLLATE "C");
\\copy bench_aux.users FROM '{fu}' WITH (FORMAT csv, DELIMITER E'\\t')
\\copy bench_aux.emails FROM '{fe}' WITH (FORMAT csv, DELIMITER E'\\t')
\\copy bench_aux.classes FROM '{fc}' WITH (FORMAT csv, DELIMITER E'\\t')
\\copy bench_aux.results FROM '{fr}' WITH (FORMAT csv, DELIMITER E'\\t')
\\copy bench_aux.post_students FROM '{fs}' WITH (FORMAT csv, DELIMITER E'\\t')
ANALYZE bench_aux.users, bench_aux.emails, bench_aux.classes, bench_aux.results,
  bench_aux.post_students;
"""
        f = self.data / "aux.sql"
        f.write_text(sql)
        self.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.db_url, "-f", str(f)])

    # -- full sync -------------------------------------------------------------------------------

    def full_sync(self) -> None:
        log("full sync")
        per = self.measured("full sync", self._sync_once)
        total_recs = sum(v["recs"] for v in per.values())
        total_wall = sum(v["wall"] for v in per.values())
        total_parse = sum(v["parse"] for v in per.values())
        self.sync = per
        self._sync_report(per, total_recs, total_wall, total_parse)
        log("full sync, prefetching consumer")
        ahead = self.measured("full sync, prefetching consumer", self._sync_prefetch_once)
        self._sync_prefetch_report(ahead, total_wall)

    def _sync_once(self) -> dict:
        c = self.conn()
        per = {}
        for coll in ("users", "classes", "enrollments"):
            offset, recs, pages, parse, times = 0, 0, 0, 0.0, []
            total = None
            t_start = time.perf_counter()
            while True:
                path = f"{RO}/{coll}?limit=10000&offset={offset}"
                t0 = time.perf_counter()
                status, headers, body = c.get(path)
                t1 = time.perf_counter()
                if status != 200:
                    self.problem(f"full sync: GET {path} answered {status}: {body[:300]!r}")
                    break
                doc = json.loads(body)
                t2 = time.perf_counter()
                n = len(doc[coll])
                times.append((t1 - t0) * 1000)
                parse += t2 - t1
                if total is None:
                    total = int(headers.get("x-total-count", "-1"))
                recs += n
                pages += 1
                offset += 10000
                if n == 0 or offset >= total:
                    break
            wall = time.perf_counter() - t_start
            if recs != total:
                self.problem(f"full sync of {coll}: {recs} records read, X-Total-Count {total}")
            per[coll] = dict(recs=recs, wall=wall, parse=parse, pages=pages, times=times,
                             total=total)
        c.close()
        return per

    def _sync_prefetch_once(self) -> dict:
        """The same pages, read by a consumer that fetches the next page while it parses the
        current one (one page ahead: at most two pages in its memory). Its parsing
        (`json.loads`, one core) overlaps the server's work instead of adding to it."""
        per = {}
        for coll in ("users", "classes", "enrollments"):
            c = self.conn()
            pages: queue.Queue = queue.Queue(maxsize=1)
            failures: list[str] = []

            def fetch(coll=coll, c=c, pages=pages, failures=failures):
                offset, total = 0, None
                try:
                    while True:
                        path = f"{RO}/{coll}?limit=10000&offset={offset}"
                        status, headers, body = c.get(path)
                        if status != 200:
                            failures.append(f"GET {path} answered {status}: {body[:300]!r}")
                            break
                        if total is None:
                            total = int(headers.get("x-total-count", "-1"))
                        pages.put((total, body))
                        offset += 10000
                        if offset >= total:
                            break
                except Exception as e:  # reported below, never a hung consumer
                    failures.append(f"GET {coll}: {e!r}")
                finally:
                    pages.put(None)

            t_start = time.perf_counter()
            fetcher = threading.Thread(target=fetch, daemon=True)
            fetcher.start()
            recs, n_pages, parse, total = 0, 0, 0.0, None
            while (item := pages.get()) is not None:
                total, body = item
                t0 = time.perf_counter()
                doc = json.loads(body)
                parse += time.perf_counter() - t0
                recs += len(doc[coll])
                n_pages += 1
            fetcher.join()
            wall = time.perf_counter() - t_start
            c.close()
            for f in failures:
                self.problem(f"full sync (prefetching): {f}")
            if recs != total:
                self.problem(f"full sync (prefetching) of {coll}: {recs} records read, "
                             f"X-Total-Count {total}")
            per[coll] = dict(recs=recs, wall=wall, parse=parse, pages=n_pages)
        return per

    def _sync_prefetch_report(self, per, sequential_wall) -> None:
        recs = sum(v["recs"] for v in per.values())
        wall = sum(v["wall"] for v in per.values())
        parse = sum(v["parse"] for v in per.values())
        self.row("Full sync, prefetching consumer: users + classes + enrollments",
                 f"{fmt_int(recs / wall)} records/s ({fmt_int(recs)} in {fmt_s(wall)}; "
                 + ", ".join(f"{k} {fmt_int(v['recs'] / v['wall'])}/s"
                             for k, v in per.items()) + ")",
                 "≥ 100 000 records/s",
                 f"the sequential consumer above: {fmt_s(sequential_wall)}",
                 f"{wall / sequential_wall:.2f}× its time")
        self.details.append(
            "**Full sync, prefetching consumer**: the same requests, each collection on a new "
            "persistent connection read by a second thread one page ahead of the consumer, "
            "which parses every body with `json.loads` and counts its records (at most two "
            "pages in the client's memory; the parsing overlaps the server's work). "
            + "; ".join(f"{k}: {v['recs']} records, {v['pages']} pages, {v['wall']:.2f} s "
                        f"wall, {v['parse']:.2f} s parsing" for k, v in per.items()) + ".")

    def _sync_report(self, per, total_recs, total_wall, total_parse) -> None:
        # Baseline: the same rows in one statement, read by psql / sqlite3 into /dev/null.
        base = {}
        for coll in per:
            q = " ".join(ln for ln in (SQL / f"fullsync_{coll}.sql").read_text().splitlines()
                         if ln.strip() and not ln.startswith("--"))
            if self.backend == "postgres":
                cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.db_url, "-c",
                       f"\\copy ({q}) TO '/dev/null'"]
            else:
                cmd = ["sqlite3", "-readonly", str(self.db_file), "-cmd", ".output /dev/null", q]
            self.run(cmd, record=False)  # warm the cache

            def once():
                t0 = time.perf_counter()
                self.run(cmd)
                return time.perf_counter() - t0
            base[coll] = self.measured(f"full sync baseline {coll}", once)
        btool = "psql `\\copy (SELECT …)`" if self.backend == "postgres" else "sqlite3 SELECT"
        for coll, r in per.items():
            self.row(f"Full sync: /{coll} (limit=10000, {r['pages']} "
                     f"page{'s' if r['pages'] > 1 else ''})",
                     f"{fmt_int(r['recs'] / r['wall'])} records/s ({fmt_int(r['recs'])} in "
                     f"{fmt_s(r['wall'])}; {fmt_int(r['recs'] / (r['wall'] - r['parse']))}/s "
                     "without the client's JSON parsing)",
                     "≥ 100 000 records/s",
                     f"{btool}: {fmt_s(base[coll])} ({fmt_int(r['recs'] / base[coll])}/s)",
                     f"{r['wall'] / base[coll]:.1f}× the time")
        bsum = sum(base.values())
        self.row("Full sync: users + classes + enrollments",
                 f"{fmt_int(total_recs / total_wall)} records/s ({fmt_int(total_recs)} in "
                 f"{fmt_s(total_wall)}; {fmt_int(total_recs / (total_wall - total_parse))}/s "
                 "without the client's JSON parsing)",
                 "≥ 100 000 records/s",
                 f"{btool}: {fmt_s(bsum)} ({fmt_int(total_recs / bsum)}/s)",
                 f"{total_wall / bsum:.1f}× the time")
        e = per["enrollments"]
        self.details.append(
            "**Full sync**: one persistent HTTP/1.1 connection (Python `http.client`), "
            "`GET /ims/oneroster/rostering/v1p2/{users,classes,enrollments}?limit=10000&offset=N` "
            "for N = 0, 10000, … until `X-Total-Count`; every body parsed with `json.loads` and "
            "its records counted (the client parses between requests, so the wall-clock figure "
            "includes the client's parsing; the figure without it is the server's share). "
            + "; ".join(f"{k}: {v['recs']} records, {v['pages']} pages, {v['wall']:.2f} s wall, "
                        f"{v['parse']:.2f} s parsing, page latency median "
                        f"{median(v['times']):.0f} ms, max {max(v['times']):.0f} ms"
                        for k, v in per.items())
            + f". Enrollments page at offset 0: {e['times'][0]:.0f} ms; last page (offset "
            f"{(e['pages'] - 1) * 10000}): {e['times'][-1]:.0f} ms.")
        # The last full page (the very last one is usually partial).
        full = e["pages"] - 1 if e["recs"] % 10000 else e["pages"]
        if full >= 2:
            last_ms = e["times"][full - 1]
            self.row(f"Paging within the full sync: /enrollments limit=10000, last full page "
                     f"(offset {(full - 1) * 10000}) vs first",
                     f"{last_ms:.0f} ms vs {e['times'][0]:.0f} ms",
                     "≤ 2×", "—", f"{last_ms / e['times'][0]:.2f}× (last/first)")

    # -- deep paging -----------------------------------------------------------------------------

    def deep_paging(self) -> None:
        """Cold deep pages: each run on a freshly started server, so that no remembered page
        boundary of the measured listing exists (see src/store/bookmarks.rs). Warm-up requests
        use `sort=sourcedId`, a different listing signature: they warm the database's cache
        and connections, not the measured listing's positions."""
        log("deep paging")
        res = {k: [] for k in ("f100", "l100", "f10k", "l10k")}
        for i in range(self.deep_runs):
            run = self.measured(f"deep paging run {i + 1}", lambda: self._deep_once(i))
            for k, v in run.items():
                if k != "total":
                    res[k].append(v)
            total = run["total"]
        med = {k: median(v) for k, v in res.items()}
        # Baseline: the plain LIMIT/OFFSET statement.
        base = {}
        if self.backend == "postgres":
            for key, lim, off in (("f100", 100, 0), ("l100", 100, total - 100),
                                  ("f10k", 10000, 0), ("l10k", 10000, total - 10000)):
                base[key] = self.pgbench(SQL / "enrollments_page.sql", clients=1,
                                         secs=max(2, self.pgb_secs // 2),
                                         defs={"lim": lim, "off": off})["lat_ms"]
        else:
            for key, lim, off in (("f100", 100, 0), ("l100", 100, total - 100),
                                  ("f10k", 10000, 0), ("l10k", 10000, total - 10000)):
                base[key] = self.sqlite_bench(SQL / "enrollments_page.sql",
                                              {"lim": lim, "off": off},
                                              runs=20 if lim == 100 else 5)
        btool = "pgbench" if self.backend == "postgres" else "sqlite3 CLI"
        for lim, f, l in ((100, "f100", "l100"), (10000, "f10k", "l10k")):
            b = (f"SQL `LIMIT {lim} OFFSET n` ({btool}): {fmt_ms(base[f])} first, "
                 f"{fmt_ms(base[l])} last")
            self.row(f"Deep paging, cold: /enrollments limit={lim}, last page (offset "
                     f"{total - lim}) vs first",
                     f"{fmt_ms(med[l])} vs {fmt_ms(med[f])} (median of {self.deep_runs})",
                     "≤ 2×", b,
                     f"{med[l] / med[f]:.2f}× (last/first); last page {med[l] / base[l]:.2f}× "
                     "the SQL OFFSET")
        self.details.append(
            "**Deep paging** (cold): each of the runs starts a new server process, so no page "
            "boundary of the measured listing is remembered (the server keeps them in memory "
            "per listing signature = view + filter + sort + order, `src/store/bookmarks.rs`); "
            "warm-up requests with `sort=sourcedId` (another signature) at the same offsets warm "
            "the database cache and the connection; then `GET /enrollments?limit=L&offset=O` for "
            "L = 100, 10000 at O = 0 and O = total − L, timed to the last byte of the body. "
            "Runs (ms): " + "; ".join(f"{k}: {', '.join(f'{x:.1f}' for x in v)}"
                                      for k, v in res.items()))

    def _deep_once(self, i: int) -> dict:
        out = {}
        p = self.start_server(f"deep{i}")
        try:
            self.get_token()
            c = self.conn()
            st, h, _ = c.get(f"{RO}/enrollments?limit=1&sort=sourcedId")
            total = out["total"] = int(h["x-total-count"])
            for lim in (100, 10000):
                for off in (0, total - lim):
                    c.get(f"{RO}/enrollments?limit={lim}&offset={off}&sort=sourcedId")
            for key, lim, off in (("f100", 100, 0), ("l100", 100, total - 100),
                                  ("f10k", 10000, 0), ("l10k", 10000, total - 10000)):
                path = f"{RO}/enrollments?limit={lim}&offset={off}"
                t0 = time.perf_counter()
                st, h, b = c.get(path)
                out[key] = (time.perf_counter() - t0) * 1000
                if st != 200:
                    self.problem(f"deep paging: GET {path} answered {st}: {b[:300]!r}")
                else:
                    recs = len(json.loads(b)["enrollments"])  # after the timing
                    if recs != lim:
                        self.problem(f"deep paging: GET {path} returned {recs} records, "
                                     f"expected {lim}")
            c.close()
        finally:
            self.stop_server(p)
        return out

    # -- wrk -----------------------------------------------------------------------------------

    WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}

    def parse_wrk(self, out: str) -> dict:
        def lat(label):
            m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
            return float(m.group(1)) * self.WRK_UNITS[m.group(2)] if m else float("nan")
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        reqs = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                         out)
        statuses = {int(a): int(b) for a, b in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)}
        return dict(rps=float(rps.group(1)) if rps else 0.0,
                    requests=int(reqs.group(1)) if reqs else 0,
                    p50=lat("50"), p75=lat("75"), p90=lat("90"), p99=lat("99"),
                    non2xx=int(non2xx.group(1)) if non2xx else 0,
                    sock=tuple(int(x) for x in sock.groups()) if sock else (0, 0, 0, 0),
                    statuses=statuses, raw=out)

    def wrk(self, script: Path, args: list[str], conns: int, secs: int, record=True) -> dict:
        cmd = ["wrk", "-t2", f"-c{conns}", f"-d{secs}s", "--latency", "--timeout", "10s",
               "-H", f"Authorization: Bearer {self.token}", "-s", str(script),
               self.base_url, "--", *map(str, args)]
        p = self.run(cmd, record=record, timeout=secs + 120)
        return self.parse_wrk(p.stdout + p.stderr)

    def pgbench(self, script: Path, clients: int, secs: int | None = None,
                txns: int | None = None, defs: dict | None = None) -> dict:
        cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(clients),
               "-j", str(min(2, clients))]
        cmd += ["-T", str(secs)] if txns is None else ["-t", str(txns)]
        for k, v in (defs or {}).items():
            cmd += ["-D", f"{k}={v}"]
        cmd += ["-f", str(script), self.db_url]
        p = self.measured(f"pgbench {script.name}" + "".join(f" {k}={v}" for k, v in
                                                             (defs or {}).items() if k != "n"),
                          lambda: self.run(cmd, timeout=(secs or 60) + 300))
        out = p.stdout + p.stderr
        tps = re.search(r"tps = ([\d.]+)", out)
        lat = re.search(r"latency average = ([\d.]+) ms", out)
        failed = re.search(r"number of failed transactions: (\d+)", out)
        if failed and int(failed.group(1)):
            self.problem(f"pgbench {script.name}: {failed.group(1)} failed transactions")
        return dict(tps=float(tps.group(1)) if tps else 0.0,
                    lat_ms=float(lat.group(1)) if lat else float("nan"), raw=out)

    def sqlite_bench(self, script: Path, params: dict, runs: int = 20) -> float:
        """Mean ms of a bench/sql statement run `runs` times by the sqlite3 CLI (`.timer on`,
        rows to /dev/null), its `:name` parameters bound with `.parameter set`."""
        q = " ".join(ln for ln in script.read_text().splitlines()
                     if ln.strip() and not ln.startswith(("--", "\\")))
        lines = [f".parameter set :{k} {v}" for k, v in params.items()]
        lines += [".output /dev/null", ".timer on"]
        lines += [q] * (runs + 1)
        tag = "-".join(f"{k}{v}" for k, v in params.items())
        sfile = self.data / f"sqlite-{script.stem}-{tag}.sql"
        sfile.write_text("\n".join(lines) + "\n")
        self.record_cmd(f"sqlite3 -readonly {self.db_file} < {sfile}")
        p = self.run(["sqlite3", "-readonly", str(self.db_file)], input_text=sfile.read_text(),
                     record=False)
        times = [float(x) * 1000 for x in re.findall(r"Run Time: real ([\d.]+)", p.stdout)]
        times = times[1:]  # the first one warms the cache
        return sum(times) / len(times) if times else float("nan")

    def check_paths(self, paths_file: Path, what: str, expect) -> None:
        """A few requests of the list through http.client: every answer must be a 200 that
        `expect(doc)` accepts, so that wrk measures real work, not 404s."""
        c = self.conn()
        lines = paths_file.read_text().split()
        rng = random.Random(7)
        for path in rng.sample(lines, min(50, len(lines))):
            st, h, b = c.get(path)
            if st != 200:
                self.problem(f"{what}: GET {path} answered {st}: {b[:300]!r}")
                break
            doc = json.loads(b)
            if not expect(doc):
                self.problem(f"{what}: GET {path} answered an unexpected body: {b[:300]!r}")
                break
        c.close()

    def wrk_errors(self, r: dict) -> int:
        return r["non2xx"] + sum(r["sock"])

    def diagnose(self, what: str, script: Path, args: list[str], conns: int) -> str:
        """After a run with errors: a short counted run to learn which statuses they were."""
        r = self.wrk(script, [*args, "count"] if script.name == "random_path.lua" else args,
                     conns, 3, record=False)
        s = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        return s

    def hot_reads(self) -> None:
        log("hot reads")
        script = LUA / "random_path.lua"
        cases = [
            ("GET /users/{id}", self.f_users, "user_by_id.sql", len(self.s_users),
             lambda d: d.get("user", {}).get("sourcedId")),
            ("GET /classes/{id}/students", self.f_classes, "class_students.sql",
             len(self.s_classes), lambda d: isinstance(d.get("users"), list)),
            ("GET /users?filter=email='…'", self.f_emails, "user_by_email.sql",
             len(self.s_emails), lambda d: len(d.get("users", [])) >= 1),
        ]
        for name, paths, sqlf, n, expect in cases:
            self.get_token()
            self.check_paths(paths, name, expect)

            def once():
                self.wrk(script, [paths], 64, self.warm_secs, record=False)
                return self.wrk(script, [paths], 64, self.wrk_secs)
            r = self.measured(f"hot reads {name}", once)
            errs = self.wrk_errors(r)
            err_txt = f"{errs} errors"
            if errs:
                diag = self.diagnose(name, script, [paths], 64)
                err_txt += f" (non-2xx {r['non2xx']}, socket {r['sock']}; statuses of a 3 s " \
                           f"re-run: {diag})"
                self.problem(f"hot reads {name}: {err_txt}")
            base, ratio = "n/a", "n/a"
            if self.backend == "postgres":
                b = self.pgbench(SQL / sqlf, clients=64, secs=self.pgb_secs, defs={"n": n})
                base = f"pgbench `{sqlf}`: {fmt_int(b['tps'])} tps"
                ratio = f"{r['rps'] / b['tps']:.2f} of the tps"
            self.row(f"Hot reads: {name} (64 connections)",
                     f"{fmt_int(r['rps'])} req/s, p50 {fmt_ms(r['p50'])}, p99 {fmt_ms(r['p99'])}, "
                     f"{err_txt}",
                     "≥ 5 000 req/s, p99 ≤ 50 ms, 0 errors", base, ratio)
            self.details.append(
                f"**Hot reads {name}**: wrk 2 threads, 64 connections, {self.wrk_secs} s after a "
                f"{self.warm_secs} s warm-up, random paths from `{paths.name}`: "
                f"{r['requests']} requests, latency p50 {r['p50']:.2f} ms, p75 {r['p75']:.2f} ms, "
                f"p90 {r['p90']:.2f} ms, p99 {r['p99']:.2f} ms; non-2xx {r['non2xx']}, socket "
                f"errors (connect, read, write, timeout) {r['sock']}.")

    # -- delta query -----------------------------------------------------------------------------

    def delta_query(self) -> None:
        log("delta query")
        since = self.state["since"]
        self.get_token()
        c = self.conn()
        q = urllib.parse.urlencode({"filter": f"dateLastModified>'{since}'", "limit": "5000"},
                                   quote_via=urllib.parse.quote)
        path = f"{RO}/users?{q}"
        st, h, b = c.get(path)
        if st != 200:
            self.problem(f"delta query: GET {path} answered {st}: {b[:300]!r}")
            return
        n = len(json.loads(b)["users"])
        if n != self.state["delta_rows"]:
            self.problem(f"delta query: GET {path} returned {n} users, the delta changed "
                         f"{self.state['delta_rows']}")
        def once():
            times = []
            for _ in range(self.delta_runs):
                t0 = time.perf_counter()
                st, h, b = c.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                if st != 200:
                    self.problem(f"delta query: GET {path} answered {st}")
            return times
        times = self.measured("delta query", once)
        c.close()
        med = median(times)
        base, ratio = "n/a", "n/a"
        if self.backend == "postgres":
            b = self.pgbench(SQL / "delta_users.sql", clients=1, secs=max(2, self.pgb_secs // 2),
                             defs={"since": iso_to_epoch_ms(since)})
            base = f"pgbench `delta_users.sql`: {fmt_ms(b['lat_ms'])} per query"
            ratio = f"{med / b['lat_ms']:.2f}× the time"
        else:
            ms = self.sqlite_bench(SQL / "delta_users.sql", {"since": iso_to_epoch_ms(since)})
            base = f"sqlite3 CLI `delta_users.sql`: {fmt_ms(ms)} per query"
            ratio = f"{med / ms:.2f}× the time"
        self.row(f"Delta query: users?filter=dateLastModified>'T' ({n} users, limit=5000)",
                 f"{fmt_ms(med)} median of {self.delta_runs}", "≤ 20 ms", base, ratio)
        self.details.append(
            f"**Delta query**: T = `{since}`, taken just before the delta import (which stamped "
            f"`{self.state.get('delta_dlm')}`); `GET {path}`, {self.delta_runs} runs on one "
            f"connection, timed to the last byte: " + ", ".join(f"{t:.1f}" for t in times)
            + " ms.")

    # -- gradebook -------------------------------------------------------------------------------

    def result_body(self, r, score) -> dict:
        res = {"sourcedId": r[0], "status": "active",
               "dateLastModified": "2025-10-20T00:00:00.000Z",
               "lineItem": {"sourcedId": r[1]}, "student": {"sourcedId": r[2]},
               "scoreStatus": "fully graded", "score": score, "scoreDate": "2025-10-17",
               "comment": "bench"}
        if r[3]:
            res["class"] = {"sourcedId": r[3]}
        return res

    def gradebook(self) -> None:
        log("gradebook writes")
        self.get_token()
        c = self.conn()
        # One PUT by hand first: it must be a 201 and read back.
        r0 = self.s_results[0]
        st, h, b = c.request("PUT", f"{GB}/results/{r0[0]}",
                             json.dumps({"result": self.result_body(r0, 42)}).encode())
        if st != 201:
            self.problem(f"PUT {GB}/results/{r0[0]} answered {st}: {b[:500]!r}")
        st, h, b = c.get(f"{GB}/results/{r0[0]}")
        if st != 200 or json.loads(b)["result"].get("score") != 42:
            self.problem(f"GET {GB}/results/{r0[0]} after the PUT: {st} {b[:300]!r}")
        c.close()
        script = LUA / "put_result.lua"

        def put_once():
            self.wrk(script, [self.f_results], 32, self.warm_secs, record=False)
            return self.wrk(script, [self.f_results], 32, self.wrk_secs)
        r = self.measured("PUT results", put_once)
        ok = r["statuses"].get(201, 0)
        errs = self.wrk_errors(r)
        bad = {k: v for k, v in r["statuses"].items() if k != 201}
        err_txt = f"{errs} errors" + (f" (statuses {bad}, socket {r['sock']})" if errs else "")
        if errs or bad:
            self.problem(f"PUT results: {err_txt}")
        base, ratio = "n/a", "n/a"
        if self.backend == "postgres":
            bb = self.pgbench(SQL / "put_result.sql", clients=32, secs=self.pgb_secs,
                              defs={"n": len(self.s_results)})
            base = f"pgbench `put_result.sql`: {fmt_int(bb['tps'])} tps"
            ratio = f"{r['rps'] / bb['tps']:.2f} of the tps"
        self.row("Gradebook: PUT /results/{id} (32 connections)",
                 f"{fmt_int(r['rps'])} writes/s, p50 {fmt_ms(r['p50'])}, p99 {fmt_ms(r['p99'])}, "
                 f"{err_txt}",
                 "≥ 2 000 writes/s, 0 errors", base, ratio)
        self.details.append(
            f"**PUT /results/{{id}}**: wrk 2 threads, 32 connections, {self.wrk_secs} s after a "
            f"{self.warm_secs} s warm-up; each request replaces a random sampled result "
            f"(its own lineItem, student and class, a new score) — `bench/lua/put_result.lua`; "
            f"{r['requests']} requests, statuses {dict(sorted(r['statuses'].items()))}, "
            f"p50 {r['p50']:.2f} ms, p90 {r['p90']:.2f} ms, p99 {r['p99']:.2f} ms.")
        if ok == 0 and not errs:
            self.problem("PUT results: no 201 counted")

        # POST of 1000 results for one line item.
        self.get_token()
        c = self.conn()
        li, cls = self.post_line_item, self.post_class

        def post_once():
            times = []
            run_tag = secrets.token_hex(4)
            for i in range(self.post_runs + 1):  # the first is a warm-up
                items = []
                for j, stu in enumerate(self.s_post_students):
                    rr = (f"bench-post-{run_tag}-{i}-{j}", li, stu, cls)
                    items.append(self.result_body(rr, j % 101))
                body = json.dumps({"results": items}).encode()
                path = f"{GB}/lineItems/{li}/results"
                t0 = time.perf_counter()
                st, h, b = c.request("POST", path, body)
                ms = (time.perf_counter() - t0) * 1000
                if st != 201:
                    self.problem(f"POST {path} ({len(items)} results) answered {st}: "
                                 f"{b[:500]!r}")
                    break
                pairs = json.loads(b).get("sourcedIdPairs", [])
                if len(pairs) != len(items):
                    self.problem(f"POST {path}: {len(pairs)} sourcedIdPairs for {len(items)} "
                                 "results")
                if i:
                    times.append(ms)
            return times
        times = self.measured("POST results", post_once)
        c.close()
        med = median(times)
        base, ratio = "n/a", "n/a"
        if self.backend == "postgres":
            bb = self.pgbench(SQL / "post_results.sql", clients=1, txns=self.post_runs,
                              defs={"li": li, "cls": cls})
            base = f"pgbench `post_results.sql`: {fmt_ms(bb['lat_ms'])}"
            ratio = f"{med / bb['lat_ms']:.2f}× the time"
        self.row(f"Gradebook: POST /lineItems/{{id}}/results, {len(self.s_post_students)} results",
                 f"{fmt_ms(med)} median of {len(times)}", "≤ 200 ms", base, ratio)
        self.details.append(
            f"**POST of {len(self.s_post_students)} results**: `POST {GB}/lineItems/{li}/results` "
            f"with `{{\"results\": [...]}}`, new sourcedIds each time, one for {li}'s class "
            f"{cls} and each of {len(self.s_post_students)} sampled students; one warm-up, then "
            f"{len(times)} runs timed to the response: " + ", ".join(f"{t:.0f}" for t in times)
            + " ms.")

    # -- the whole run -----------------------------------------------------------------------

    def main(self) -> str:
        self.wait_for_binary()
        machine = self.machine()
        pkg = self.package()
        if self.args.skip_import:
            if not self.state_file.exists():
                raise SystemExit(f"--skip-import needs {self.state_file} from an earlier run")
            self.state = json.loads(self.state_file.read_text())
            if self.state.get("db_url") != self.db_url:
                raise SystemExit("--skip-import: the saved state is for another database")
            self.details.append("Imports skipped (`--skip-import`): the database of an earlier "
                                "run was reused.")
        else:
            self.imports(pkg)
        self.samples(pkg)
        if self.backend == "postgres":
            self.load_aux_pg()
        self.create_client()
        self.settle()
        self.deep_paging()
        main = self.start_server("main")
        try:
            self.get_token()
            self.full_sync()
            self.hot_reads()
            self.delta_query()
            self.gradebook()
        finally:
            hwm = self.stop_server(main)
        others = {k: v for k, v in self.hwm_kb.items() if k != "main"}
        self.row("Server peak memory (VmHWM)",
                 f"{hwm / 1024:.0f} MB" + (f" (deep-paging servers: up to "
                                          f"{max(others.values()) / 1024:.0f} MB)" if others else ""),
                 "≤ 200 MB")
        self.details.append(
            f"**Memory**: `VmHWM` of `/proc/<server pid>/status` when the server that ran the full "
            f"sync, hot reads, delta query and gradebook writes was stopped: {hwm} kB.")
        return self.report(machine, pkg)

    def report(self, machine, pkg) -> str:
        n = self.students
        title = "PostgreSQL" if self.backend == "postgres" else "SQLite"
        out = [f"## {title}, {fmt_int(n)} students" + (" (--quick)" if self.quick else ""), ""]
        out += machine
        out.append(f"- Package: `{pkg}` ({pkg.stat().st_size / 1e6:.1f} MB zip, "
                   f"`oneroster generate --students {n} {pkg.name}`)")
        argv = " ".join(shlex.quote(a) for a in sys.argv[1:])
        out.append(f"- Suite: `python3 bench/run.py {argv}`"
                   + ("; targets are the issue's, for PostgreSQL (SQLite: no target, no cliff)"
                      if self.backend == "sqlite" else "; targets are the issue's"))
        out.append("")
        out.append("| Measurement | Figure | Target | Baseline | Ratio to baseline |")
        out.append("|---|---|---|---|---|")
        for r in self.rows:
            out.append(f"| {r['m']} | {r['f']} | {r['t']} | {r['b']} | {r['r']} |")
        out.append("")
        if self.problems:
            out.append("**Problems seen during this run:**")
            out.append("")
            out += [f"- {p}" for p in self.problems]
            out.append("")
        out.append("<details><summary>Details</summary>")
        out.append("")
        out.append("**Quiet machine**: before each measurement the suite waits until the CPUs are "
                   f"less than {self.args.quiet_threshold:.0%} busy over 1 s. Busy share when "
                   "each phase started (and seconds waited): "
                   + "; ".join(f"{p} {b:.0%}" + (f" ({w:.0f} s)" if w >= 2 else "")
                               for p, b, w in self.quiet) + ".")
        out.append("")
        out.append("**Other processes**: CPU-seconds used by processes other than this suite, its "
                   "server, wrk/pgbench/psql and PostgreSQL backends of its databases, during "
                   "each measurement (wall seconds in brackets): "
                   + "; ".join(f"{p} {c:.1f} ({w:.0f})" for p, c, w in self.interference) + ".")
        out.append("")
        for d in self.details:
            out.append(d)
            out.append("")
        out.append("</details>")
        out.append("")
        out.append("<details><summary>Commands</summary>")
        out.append("")
        out.append("Every command the suite ran, in order (`$TOKEN`: a bearer token of the bench "
                   "client; `$SECRET`: its secret; paths under the data directory are written by "
                   "the suite):")
        out.append("")
        out.append("```sh")
        seen = set()
        for c in self.commands:
            out.append(c)
            seen.add(c)
        out.append("```")
        out.append("")
        out.append("</details>")
        out.append("")
        return "\n".join(out)


class Client:
    """One persistent HTTP/1.1 connection with the bearer token."""

    def __init__(self, host, port, token):
        self.host, self.port, self.token = host, port, token
        self.c = http.client.HTTPConnection(host, port, timeout=600)

    def request(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.c.request(method, path, body=body, headers=headers)
                r = self.c.getresponse()
                data = r.read()
                return r.status, {k.lower(): v for k, v in r.getheaders()}, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if attempt == 2:
                    raise
                self.c.close()
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def get(self, path):
        return self.request("GET", path)

    def close(self):
        self.c.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=("postgres", "sqlite"), required=True)
    ap.add_argument("--students", type=int, default=None,
                    help="district size (default 100000; 10000 with --quick)")
    ap.add_argument("--out", help="write the markdown section to this file (overwritten)")
    ap.add_argument("--skip-import", action="store_true",
                    help="reuse the database of an earlier run (no import measurements)")
    ap.add_argument("--quick", action="store_true",
                    help="10 000 students and short durations, for iterating")
    ap.add_argument("--data-dir", default="/work/bench-data",
                    help="scratch data: packages, databases, logs (default /work/bench-data)")
    ap.add_argument("--bin", default=os.environ.get(
        "ONEROSTER_BIN", "~/.cache/oneroster-target/release/oneroster"),
        help="the release binary (env ONEROSTER_BIN)")
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432",
                    help="PostgreSQL server URL without database (superuser)")
    ap.add_argument("--db-name", default="orbench",
                    help="database name (PostgreSQL) or file stem (SQLite)")
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--quiet-threshold", type=float, default=0.15,
                    help="wait before each measurement until the CPUs are less busy than this "
                         "share (default 0.15)")
    ap.add_argument("--quiet-timeout", type=int, default=900,
                    help="longest wait for a quiet machine, seconds (then measure anyway and "
                         "report it; default 900)")
    ap.add_argument("--disturbed-share", type=float, default=0.10,
                    help="a measurement during which other processes used more than this share "
                         "of one CPU is repeated (default 0.10)")
    ap.add_argument("--retries", type=int, default=2,
                    help="how many times a disturbed measurement is repeated (default 2)")
    ap.add_argument("--log-filter", default=None,
                    help="ONEROSTER_LOG for the server (default: the server's own, info)")
    args = ap.parse_args()
    b = Bench(args)

    def on_signal(signum, frame):
        b.kill_all()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        text = b.main()
    finally:
        b.kill_all()
    print(text)
    if args.out:
        Path(args.out).write_text(text)
        log(f"wrote {args.out}")
    if b.problems:
        log(f"{len(b.problems)} problem(s); see the report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
