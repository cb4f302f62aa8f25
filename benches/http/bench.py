#!/usr/bin/env python3
"""`make bench`: imserver over HTTP with wrk, against the release binary, on SQLite and PostgreSQL.

For each database it prints one table: req/s, p50 and p99 latency at 64 connections for
GET /health (the bare framework ceiling on this machine, measured before each other endpoint, medians
reported), GET /user/profile, GET /group/info and
GET /group/member_list (a page of 50: first page of a 100,000-member group, its middle page, first
page of a 100-member group), each req/s also as a ratio to /health from the same run; the time of
POST /group/invite with 500 users and of POST /user/register/batch with 1,000 users; and the
server's peak RSS (VmHWM from /proc). Then the targets of issue 12 with "ok" or "MISSED". It
reports; it fails only when the server answers wrongly (a bad envelope, HTTP errors under load).

Seeding (documented choice): everything goes through the API, no direct SQL, so every row, count
and setting is what the server itself writes. The 100,000 users are registered with
/user/register/batch (100 calls of 1,000) and joined with /group/invite (200 calls of 500) by a
first server process started with cheap argon2 parameters (IMSERVER_ARGON2_MEMORY_KIB=8,
ITERATIONS=1; the hash records its parameters, so those users still log in). That takes about a
minute per database. The measured server is then a second process on the same database with the
production defaults (argon2id 19 MiB, 2 iterations), so register/batch and the RSS are real.

Environment: IMSERVER_BIN (default $CARGO_TARGET_DIR/release/imserver or target/release/imserver);
BENCH_DATABASE_URL or TEST_DATABASE_URL (a PostgreSQL URL: a fresh database is created next to it
and dropped afterwards; skipped with a note when unset or not answering); GATE_OUT (results go to
$GATE_OUT/bench/, default tests/gate/out/bench/). Options: see --help.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "gate", "lib"))
import gate  # noqa: E402

LUA = os.path.join(HERE, "headers.lua")
PASSWORD = "bench-pass-1"
CHEAP_ARGON2 = {"IMSERVER_ARGON2_MEMORY_KIB": "8", "IMSERVER_ARGON2_ITERATIONS": "1",
                "IMSERVER_ARGON2_PARALLELISM": "1"}
PRODUCTION_ARGON2 = ("IMSERVER_ARGON2_MEMORY_KIB", "IMSERVER_ARGON2_ITERATIONS",
                     "IMSERVER_ARGON2_PARALLELISM")
# Targets of issue 12 (reported, never failing the run): /user/profile and /group/info at half
# the req/s of /health or more, member_list pages of 50 at a quarter or more, their p99 within
# three times the p99 of /health, an invite of 500 under 50 ms, peak RSS under 100 MB.
HOT_RATIO_TARGET = 0.50
PAGE_RATIO_TARGET = 0.25
P99_FACTOR_TARGET = 3.0
PAGE_SIZE_TOLERANCE = 0.20
INVITE_TARGET_MS = 50.0
RSS_TARGET_MB = 100.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class BenchError(AssertionError):
    pass


# -- HTTP (stdlib; longer timeouts than gate.Server.call for the argon2-bound batch) -----------
def call(srv, method, path, body=None, token=None, headers=None, timeout=600):
    status, env = srv.request(method, path, body, token, headers, timeout=timeout)
    if status != 200 or not isinstance(env, dict) or env.get("code") != 200:
        raise BenchError(f"{method} {path}: HTTP {status}, {str(env)[:400]}")
    return env


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


# -- seeding through the API ------------------------------------------------------------------
def register_batch(srv, prefix, start, n):
    """Register users prefix{start..start+n} (1,000 a call); their ids in order."""
    ids = []
    for lo in range(start, start + n, 1000):
        hi = min(lo + 1000, start + n)
        items = [{"username": f"{prefix}{i:06d}", "password": PASSWORD} for i in range(lo, hi)]
        env = call(srv, "POST", "/user/register/batch", {"list": items}, token=srv.admin_token)
        bad = [r for r in env["data"] if not r["success"]]
        if bad:
            raise BenchError(f"register/batch: {len(bad)} failed, first {bad[0]}")
        ids.extend(int(r["user_id"]) for r in env["data"])
    return ids


def create_group(srv, owner, kind, name):
    env = call(srv, "POST", "/group/create", {"name": name, "type": kind},
               token=srv.admin_token, headers={"user_id": str(owner)})
    return int(env["data"]["group_id"])


def invite(srv, owner, gid, ids):
    env = call(srv, "POST", "/group/invite", {"group_id": gid, "user_list": ids},
               token=srv.admin_token, headers={"user_id": str(owner)})
    bad = [r for r in env["data"] if r["result"] != "success"]
    if bad:
        raise BenchError(f"invite into {gid}: {len(bad)} failed, first {bad[0]}")


def seed(srv, members, small, analyze):
    """The owner, a chatroom of `members` members, one of `small`; returns the fixture."""
    t0 = time.perf_counter()
    ids = []
    for lo in range(0, members, 10_000):
        ids += register_batch(srv, "m", lo, min(10_000, members - lo))
        analyze()
    log(f"  registered {len(ids)} users in {time.perf_counter() - t0:.1f} s")
    owner, crowd = ids[0], ids[1:]
    big = create_group(srv, owner, 2, "bench-big")
    small_gid = create_group(srv, owner, 2, "bench-small")
    t1 = time.perf_counter()
    for lo in range(0, len(crowd), 500):
        invite(srv, owner, big, crowd[lo:lo + 500])
    invite(srv, owner, small_gid, crowd[:small - 1])
    analyze()
    log(f"  joined {len(crowd)} + {small - 1} members in {time.perf_counter() - t1:.1f} s")
    login = call(srv, "POST", "/token/user",
                 {"name": "m000000", "password": PASSWORD, "device_guid": "bench"})["data"]
    return {"owner": owner, "crowd": crowd, "big": big, "small": small_gid, "token": login["token"],
            "seed_s": time.perf_counter() - t0}


# -- wrk ---------------------------------------------------------------------------------------
def wrk(srv, path, token, args, extra_env=None):
    env = dict(os.environ, BENCH_APP_ID=srv.app_id, BENCH_TOKEN=token or "", **(extra_env or {}))
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", "--timeout", "10s", "-s", LUA]
    if args.warmup > 0:
        subprocess.run(cmd + [f"-d{args.warmup}s", srv.base + path], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    out = subprocess.run(cmd + [f"-d{args.duration}s", srv.base + path], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), None)
    if not line:
        raise BenchError(f"wrk printed no result for {path}:\n{out}")
    r = json.loads(line[6:])
    errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"] + r["non_2xx"]
    if errors:
        raise BenchError(f"wrk {path}: {errors} errors ({r})")
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    return 0


def middle_cursor(srv, fx, members):
    cursor = None
    for _ in range(max(1, members // 2 // 500)):
        q = f"/group/member_list?group_id={fx['big']}&limit=500" + (f"&cursor={quote(cursor)}" if cursor else "")
        cursor = call(srv, "GET", q, token=fx["token"])["cursor"]
    return cursor


def measure(label, database_url, args, analyze=lambda: None):
    """Seed with one process, measure another; the result dict of one database."""
    slug = label.split()[0].lower()
    log(f"[{label}] seeding {args.members} members through the API (cheap argon2) ...")
    with gate.Server(f"bench-seed-{slug}", database_url=database_url, env=CHEAP_ARGON2) as s:
        if not s.app_id:
            raise BenchError("the seeding server printed no app_id: the database was not empty")
        app_id, admin = s.app_id, s.admin_token
        fx = seed(s, args.members, args.small, analyze)
    log(f"[{label}] measuring (production argon2 defaults) ...")
    srv = gate.Server(f"bench-{slug}", database_url=database_url)
    for k in PRODUCTION_ARGON2:  # the server's own defaults, whatever the caller's environment
        srv._env.pop(k, None)
    with srv:
        srv.app_id, srv.admin_token = app_id, admin
        pid = srv.proc.pid
        res = {"label": label, "seed_s": fx["seed_s"], "members": args.members, "small": args.small,
               "rss_idle_kb": rss_kb(pid, "VmRSS")}
        # each endpoint answers correctly before it is loaded
        info = call(srv, "GET", f"/group/info?group_id={fx['big']}", token=fx["token"])["data"]
        if info["count"] != args.members:
            raise BenchError(f"big group count {info['count']}, expected {args.members}")
        for gid, total in ((fx["big"], args.members), (fx["small"], args.small)):
            page = call(srv, "GET", f"/group/member_list?group_id={gid}&limit=50", token=fx["token"])
            if len(page["data"]) != 50 or page["total"] != total:
                raise BenchError(f"member_list of {gid}: {len(page['data'])} items, total {page['total']}")
        call(srv, "GET", "/user/profile", token=fx["token"])
        mid = middle_cursor(srv, fx, args.members)
        rows = [
            ("GET /user/profile", "/user/profile", fx["token"]),
            (f"GET /group/info ({args.members:,} members)", f"/group/info?group_id={fx['big']}", fx["token"]),
            (f"GET /group/member_list 50, {args.small:,} members", f"/group/member_list?group_id={fx['small']}&limit=50", fx["token"]),
            (f"GET /group/member_list 50, {args.members:,} members", f"/group/member_list?group_id={fx['big']}&limit=50", fx["token"]),
            (f"  same, middle page (cursor at {args.members // 2 // 500 * 500:,})", f"/group/member_list?group_id={fx['big']}&limit=50&cursor={quote(mid)}", fx["token"]),
        ]
        # /health is measured before every endpoint (the machine is noisy) and its medians reported
        res["reads"], healths = [], []
        for name, path, token in rows:
            for label_, path_, token_, into in (("GET /health", "/health", None, healths), (name, path, token, None)):
                r = wrk(srv, path_, token_, args)
                r["name"] = label_
                (into if into is not None else res["reads"]).append(r)
                log(f"  {label_:<44} {r['rps']:>9.0f} req/s  p50 {r['p50_us'] / 1000:.2f} ms  p99 {r['p99_us'] / 1000:.2f} ms")
        res["reads"].insert(0, {
            "name": f"GET /health (median of {len(healths)} runs between the others)",
            "rps": statistics.median(h["rps"] for h in healths),
            "p50_us": statistics.median(h["p50_us"] for h in healths),
            "p99_us": statistics.median(h["p99_us"] for h in healths),
        })
        res["rss_reads_kb"] = rss_kb(pid, "VmHWM")
        # POST /group/invite of 500 users into fresh private groups
        times = []
        for k in range(args.invites):
            gid = create_group(srv, fx["owner"], 0, f"bench-invite-{k}")
            _, dt = timed(lambda gid=gid: invite(srv, fx["owner"], gid, fx["crowd"][k * 500:(k + 1) * 500]))
            times.append(dt * 1000)
        res["invite_ms"] = times
        log(f"  POST /group/invite 500 users: {', '.join(f'{t:.1f}' for t in times)} ms")
        # POST /user/register/batch of 1,000 new users, production argon2
        _, dt = timed(lambda: register_batch(srv, "r", 0, 1000))
        res["register_batch_s"] = dt
        log(f"  POST /user/register/batch 1,000 users: {dt:.2f} s")
        res["rss_peak_kb"] = rss_kb(pid, "VmHWM")
        res["rss_end_kb"] = rss_kb(pid, "VmRSS")
    return res


# -- report ------------------------------------------------------------------------------------
def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as f:
        mem_gb = int(f.readline().split()[1]) / 1024 / 1024
    load = os.getloadavg()[0]
    wrk_v = subprocess.run(["wrk", "-v"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.split("\n")[0]
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem_gb:.0f} GB RAM, Linux {platform.release()}, "
            f"load {load:.1f} at start; {wrk_v.split(' [')[0]}")


def binary_kind():
    return "release" if f"{os.sep}release{os.sep}" in os.environ.get("IMSERVER_BIN", "") else "non-release (!)"


def ok(flag):
    return "ok" if flag else "MISSED"


def report(res, args):
    """The table of one database, as lines (plain text that is also valid Markdown)."""
    health = res["reads"][0]["rps"]
    L = [f"### {res['label']}", "",
         f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s (after {args.warmup}s warm-up), "
         f"{binary_kind()} build; seeding {res['members']:,} members through the API took {res['seed_s']:.0f} s.", "",
         "| endpoint | req/s | vs /health | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    for r in res["reads"]:
        L.append(f"| {r['name'].strip()} | {r['rps']:,.0f} | {r['rps'] / health:.2f} | "
                 f"{r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} |")
    inv = res["invite_ms"]
    L += ["", "| operation | time |", "|---|---:|",
          f"| POST /group/invite, 500 users (median of {len(inv)}; min {min(inv):.1f}, max {max(inv):.1f}) | {statistics.median(inv):.1f} ms |",
          f"| POST /user/register/batch, 1,000 users (argon2id 19 MiB, t=2) | {res['register_batch_s']:.2f} s |",
          "", "| server memory | MB |", "|---|---:|",
          f"| RSS after start | {res['rss_idle_kb'] / 1024:.1f} |",
          f"| peak RSS after the reads (VmHWM) | {res['rss_reads_kb'] / 1024:.1f} |",
          f"| peak RSS after invite and register/batch (VmHWM) | {res['rss_peak_kb'] / 1024:.1f} |"]
    hot, pages = res["reads"][1:3], res["reads"][3:]
    hot_ratio = min(r["rps"] / health for r in hot)
    page_ratio = min(r["rps"] / health for r in pages)
    p99_factor = max(r["p99_us"] for r in hot) / max(res["reads"][0]["p99_us"], 1)
    small, big, mid = res["reads"][3], res["reads"][4], res["reads"][5]
    size_ratio = max(big["p50_us"], mid["p50_us"]) / max(small["p50_us"], 1)
    L += ["", "Targets (reported, not enforced):", "",
          f"- /user/profile and /group/info >= {HOT_RATIO_TARGET:.0%} of /health: worst {hot_ratio:.0%} — {ok(hot_ratio >= HOT_RATIO_TARGET)}",
          f"- member_list pages of 50 >= {PAGE_RATIO_TARGET:.0%} of /health: worst {page_ratio:.0%} — {ok(page_ratio >= PAGE_RATIO_TARGET)}",
          f"- p99 of /user/profile and /group/info <= {P99_FACTOR_TARGET:.0f}x the p99 of /health: {p99_factor:.1f}x — {ok(p99_factor <= P99_FACTOR_TARGET)}",
          f"- member_list page time independent of group size (within {PAGE_SIZE_TOLERANCE:.0%}): "
          f"p50 {res['members']:,} : {res['small']:,} members = {size_ratio:.2f} — {ok(size_ratio <= 1 + PAGE_SIZE_TOLERANCE)}",
          f"- invite of 500 < {INVITE_TARGET_MS:.0f} ms: {statistics.median(inv):.1f} ms — {ok(statistics.median(inv) < INVITE_TARGET_MS)}",
          f"- peak RSS < {RSS_TARGET_MB:.0f} MB: {res['rss_peak_kb'] / 1024:.1f} MB — {ok(res['rss_peak_kb'] / 1024 < RSS_TARGET_MB)}"]
    return L


def postgres_base():
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or ""
    if not url.startswith("postgres"):
        return None, "PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL"
    r = subprocess.run(["psql", "-qtA", url, "-c", "select 1"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return None, f"PostgreSQL skipped: {url} does not answer ({r.stderr.strip()[:200]})"
    return url, None


def each_database(args, sqlite_path, measure_one):
    """measure_one(label, url) on a fresh SQLite file and a fresh PostgreSQL database (as
    --db says); answers (results, notes)."""
    results, notes = [], []
    if args.db in ("all", "sqlite"):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(sqlite_path + suffix):
                os.remove(sqlite_path + suffix)
        results.append(measure_one("SQLite (file)", f"sqlite://{sqlite_path}?mode=rwc"))
    if args.db in ("all", "postgres"):
        base, note = postgres_base()
        if base:
            url, drop = gate.fresh_pg_database(base)
            try:
                results.append(measure_one("PostgreSQL", url))
            finally:
                drop()
        else:
            notes.append(note)
    return results, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)), help="seconds per wrk run (10)")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of wrk warm-up per endpoint, not counted (2)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    ap.add_argument("--members", type=int, default=100_000, help="members of the big group (100000)")
    ap.add_argument("--small", type=int, default=100, help="members of the small group (100)")
    ap.add_argument("--invites", type=int, default=5, help="timed invites of 500 (5)")
    ap.add_argument("--db", choices=["all", "sqlite", "postgres"], default="all")
    ap.add_argument("--record", metavar="FILE", help="also write the report (Markdown) to FILE, e.g. BENCHMARKS.md")
    args = ap.parse_args()
    if args.members < 1001 or args.members > 100_000 or args.small < 51 or args.small > args.members:
        ap.error("--members must be 1001-100000 (a chatroom holds 100,000) and --small 51..members")
    if not os.environ.get("IMSERVER_BIN"):
        target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
        os.environ["IMSERVER_BIN"] = os.path.join(target, "release", "imserver")
    if not os.path.exists(os.environ["IMSERVER_BIN"]):
        sys.exit(f"no server binary at {os.environ['IMSERVER_BIN']}: run `cargo build --release --bin imserver`")
    if subprocess.run(["sh", "-c", "command -v wrk"], stdout=subprocess.DEVNULL).returncode != 0:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    out = gate.out_dir("bench")
    started = time.time()
    header = ["# imserver benchmarks", "",
              f"`make bench` ({os.path.relpath(__file__, ROOT)}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
              f"Machine: {machine()}.", "",
              "Method: a first server process (cheap argon2) seeds through the API only: "
              "/user/register/batch (1,000 a call) and /group/invite (500 a call) into two chatrooms "
              "(on PostgreSQL with an ANALYZE every 10,000 users, as autovacuum would do); "
              "a second process with the production defaults (argon2id 19 MiB, t=2; info request log) "
              "on the same database is measured. Reads are wrk runs of one URL with the user token of "
              "the groups' owner (benches/http/headers.lua); invite and register/batch are timed "
              "client-side (one HTTP call each, on a fresh private group); RSS is the server's "
              "VmHWM from /proc. The targets are those of issue 12; the run reports, it does not fail. "
              "`cargo bench --bench membership` (also run by `make bench`) measures the same "
              "member_list and invite in-process, without HTTP.", ""]
    # The planner statistics that autovacuum keeps in production (it may be off in a test
    # cluster): without them, plans cached while the tables were empty scan them whole once they
    # hold 100,000 rows.
    results, notes = each_database(
        args, os.path.join(out, "bench.db"),
        lambda label, url: measure(label, url, args,
                                   analyze=(lambda: gate._psql(url, "ANALYZE")) if label == "PostgreSQL" else (lambda: None)))
    lines = list(header)
    for res in results:
        lines += report(res, args) + [""]
    lines += notes
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"args": vars(args), "results": results}, f, indent=1)
    if args.record:
        with open(args.record, "w") as f:
            f.write(text)
    log(f"bench finished in {time.time() - started:.0f} s; results in {out}/results.md")


if __name__ == "__main__":
    try:
        main()
    except (BenchError, gate.GateError, subprocess.CalledProcessError) as e:
        sys.exit(f"bench failed: {e}")
