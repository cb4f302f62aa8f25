#!/usr/bin/env python3
"""`make bench`, messages: sending and reading messages over HTTP with wrk, on SQLite and PostgreSQL.

For each database one table: req/s, p50 and p99 at 64 connections of GET /health (median of the
runs between the others), POST /message/send 1:1 (the sender's token, each request to the next of
64 receivers: 64 conversations) and to one group of 50 members (one conversation: its sequence
row orders every send), GET /message/conversation pages of 50 (the newest page of a conversation of
100 messages, of one of 1,000,000 messages, and that one's middle page), and GET /message/unread
of a user with 500 conversations holding unread messages. Then the issue's target: a page of the
1,000,000-message conversation within 20% of the 100-message one (p50). It reports; it fails only
when the server answers wrongly.

Seeding (documented choice): users and the group through the API (a first server process with
cheap argon2); the large conversations by bulk SQL on the stopped server's database, written as
the server writes them (a conversations row with its last_seq, the messages numbered 1..N,
both users' conversation_states), then ANALYZE on PostgreSQL: sending 1,000,000 messages through
the API would take longer than the whole benchmark. The measured server is a second process.

Environment and options as bench.py (IMSERVER_BIN, BENCH_DATABASE_URL / TEST_DATABASE_URL,
GATE_OUT); --record FILE replaces (or appends) this part's section of FILE, between the markers
<!-- messages begin --> and <!-- messages end -->.
"""
import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "gate", "lib"))
sys.path.insert(0, HERE)
import gate  # noqa: E402
import bench  # noqa: E402

BIG = 1_000_000
SMALL = 100
CONVERSATIONS = 500
PAGE_TARGET = 0.20
BEGIN, END = "<!-- messages begin -->", "<!-- messages end -->"


def wrk_send(srv, token, kind, targets, args):
    """POST /message/send, each request to the next of `targets` (headers.lua's send mode)."""
    return bench.wrk(srv, "/message/send", token, args,
                     {"BENCH_TYPE": str(kind), "BENCH_TARGETS": ",".join(str(t) for t in targets)})


def run_sql(database_url, statements):
    """Run statements on the database (the server stopped): psql, or sqlite3 on the file."""
    if database_url.startswith("sqlite://"):
        path = database_url[len("sqlite://"):].split("?")[0]
        con = sqlite3.connect(path)
        for s in statements:
            con.execute(s)
        con.commit()
        con.close()
    else:
        for s in statements:
            gate._psql(database_url, s)
        gate._psql(database_url, "ANALYZE")


def pair(a, b):
    return min(a, b), max(a, b)


def conversation_sql(app_id, a, b, n, now, series):
    """A conversation of a and b with n messages, a having read them all and b none."""
    lo, hi = pair(a, b)
    key = f"app_id = '{app_id}' AND kind = 1 AND low_id = {lo} AND high_id = {hi}"
    return [
        f"INSERT INTO conversations (app_id, kind, low_id, high_id, last_seq, last_at) "
        f"VALUES ('{app_id}', 1, {lo}, {hi}, {n}, {now})",
        f"{series(n)} INSERT INTO messages (conversation_id, seq, from_id, from_device, to_id, to_type, "
        f"ctype, is_system, content, attachment, config, ext, created_at) "
        f"SELECT (SELECT id FROM conversations WHERE {key}), g.n, {a}, 0, {b}, 1, 0, FALSE, "
        f"'bench message ' || g.n, '', '', '', {now} - {n} + g.n FROM g",
        f"INSERT INTO conversation_states (user_id, conversation_id, peer_id, read_seq, delivered_seq) "
        f"SELECT {a}, id, {b}, {n}, {n} FROM conversations WHERE {key}",
        f"INSERT INTO conversation_states (user_id, conversation_id, peer_id, read_seq, delivered_seq) "
        f"SELECT {b}, id, {a}, 0, 0 FROM conversations WHERE {key}",
    ]


def measure(label, database_url, args):
    slug = "msg-" + label.split()[0].lower()
    pg = not database_url.startswith("sqlite")
    series = (lambda n: f"WITH g(n) AS (SELECT generate_series(1, {n}))") if pg else \
        (lambda n: f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {n})")
    bench.log(f"[{label}] seeding users and a group through the API ...")
    with gate.Server(f"{slug}-seed", database_url=database_url, env=bench.CHEAP_ARGON2) as s:
        app_id, admin = s.app_id, s.admin_token
        ids = bench.register_batch(s, "u", 0, 2 + 64 + CONVERSATIONS)
        sender, reader, receivers, others = ids[0], ids[1], ids[2:66], ids[66:]
        gid = bench.create_group(s, sender, 0, "bench-messages")
        bench.invite(s, sender, gid, receivers[:49])
        tokens = {}
        for i in (0, 1):
            tokens[i] = bench.call(s, "POST", "/token/user",
                                   {"name": f"u{i:06d}", "password": bench.PASSWORD})["data"]["token"]
    now = int(time.time() * 1000)
    bench.log(f"[{label}] bulk SQL: a conversation of {BIG:,} messages, one of {SMALL}, "
              f"{CONVERSATIONS} conversations with unread ...")
    t0 = time.perf_counter()
    big_peer, small_peer = others[0], others[1]
    sql = conversation_sql(app_id, sender, big_peer, BIG, now, series)
    sql += conversation_sql(app_id, sender, small_peer, SMALL, now, series)
    for peer in others[2:] + receivers[:CONVERSATIONS - len(others) + 2]:
        sql += conversation_sql(app_id, peer, reader, 2, now, series)
    run_sql(database_url, sql)
    seed_s = time.perf_counter() - t0
    bench.log(f"  {seed_s:.1f} s")
    srv = gate.Server(slug, database_url=database_url)
    with srv:
        srv.app_id, srv.admin_token = app_id, admin
        token, reader_token = tokens[0], tokens[1]
        unread = bench.call(srv, "GET", "/message/unread", token=reader_token)["data"]
        if len(unread) != CONVERSATIONS:
            raise bench.BenchError(f"the reader has {len(unread)} conversations with unread, expected {CONVERSATIONS}")
        q = "/message/conversation?opposite_id={}&msg_id_start={}&limit=50"
        page = bench.call(srv, "GET", q.format(big_peer, 0), token=token)["data"]
        if len(page["messages"]) != 50 or page["is_last"]:
            raise bench.BenchError(f"the newest page of the big conversation: {len(page['messages'])} messages")
        middle = page["messages"][0]["msg_id"] - BIG // 2
        mid = bench.call(srv, "GET", q.format(big_peer, middle), token=token)["data"]
        if len(mid["messages"]) != 50 or mid["messages"][0]["msg_id"] != middle:
            raise bench.BenchError("the middle page of the big conversation is not where it should be")
        res = {"label": label, "seed_s": seed_s, "rows": [], "healths": []}
        runs = [
            ("POST /message/send 1:1 (64 conversations)", lambda: wrk_send(srv, token, 1, receivers, args)),
            ("POST /message/send to a group of 50", lambda: wrk_send(srv, token, 2, [gid], args)),
            (f"GET /message/conversation 50, {SMALL} messages",
             lambda: bench.wrk(srv, q.format(small_peer, 0), token, args)),
            (f"GET /message/conversation 50, {BIG:,} messages",
             lambda: bench.wrk(srv, q.format(big_peer, 0), token, args)),
            ("  same, middle page", lambda: bench.wrk(srv, q.format(big_peer, middle), token, args)),
            (f"GET /message/unread, {CONVERSATIONS} conversations",
             lambda: bench.wrk(srv, "/message/unread", reader_token, args)),
        ]
        for name, run in runs:
            h = bench.wrk(srv, "/health", None, args)
            res["healths"].append(h)
            r = run()
            r["name"] = name
            res["rows"].append(r)
            bench.log(f"  {name:<48} {r['rps']:>9.0f} req/s  p50 {r['p50_us'] / 1000:.2f} ms  p99 {r['p99_us'] / 1000:.2f} ms")
    return res


def report(res, args):
    health = statistics.median(h["rps"] for h in res["healths"])
    h50 = statistics.median(h["p50_us"] for h in res["healths"])
    h99 = statistics.median(h["p99_us"] for h in res["healths"])
    L = [f"### Messages, {res['label']}", "",
         f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s (after {args.warmup}s warm-up), "
         f"{bench.binary_kind()} build; bulk SQL seeding took {res['seed_s']:.0f} s.", "",
         "| endpoint | req/s | vs /health | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|",
         f"| GET /health (median of {len(res['healths'])} runs between the others) | {health:,.0f} | 1.00 | {h50 / 1000:.2f} | {h99 / 1000:.2f} |"]
    for r in res["rows"]:
        L.append(f"| {r['name'].strip()} | {r['rps']:,.0f} | {r['rps'] / health:.2f} | "
                 f"{r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} |")
    small, big, mid = res["rows"][2], res["rows"][3], res["rows"][4]
    ratio = max(big["p50_us"], mid["p50_us"]) / max(small["p50_us"], 1)
    L += ["", f"- a page of 50 of the {BIG:,}-message conversation within {PAGE_TARGET:.0%} of the "
          f"{SMALL}-message one (p50, newest and middle page): {ratio:.2f} — "
          f"{bench.ok(ratio <= 1 + PAGE_TARGET)}"]
    return L


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)))
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--db", choices=["all", "sqlite", "postgres"], default="all")
    ap.add_argument("--record", metavar="FILE")
    args = ap.parse_args()
    if not os.environ.get("IMSERVER_BIN"):
        target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
        os.environ["IMSERVER_BIN"] = os.path.join(target, "release", "imserver")
    out = gate.out_dir("bench")
    results, notes = bench.each_database(args, os.path.join(out, "messages.db"),
                                         lambda label, url: measure(label, url, args))
    lines = ["## Messages", "",
             f"`make bench` ({os.path.relpath(__file__, ROOT)}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
             f"Machine: {bench.machine()}.", "",
             "Method: users and a group of 50 through the API; a conversation of 1,000,000 messages, "
             "one of 100 and 500 conversations with unread messages by bulk SQL (as the server "
             "writes them, see the script's docstring); sends rotate over 64 receivers (1:1) or go "
             "to the one group; pages are msg_id_start 0 (the newest) and the middle of the big "
             "conversation.", ""]
    for res in results:
        lines += report(res, args) + [""]
    lines += notes
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    if args.record:
        old = open(args.record).read() if os.path.exists(args.record) else ""
        section = f"{BEGIN}\n{text}{END}\n"
        if BEGIN in old and END in old:
            new = old[:old.index(BEGIN)] + section + old[old.index(END) + len(END) + 1:]
        else:
            new = old.rstrip() + "\n\n" + section
        with open(args.record, "w") as f:
            f.write(new)


if __name__ == "__main__":
    try:
        main()
    except (bench.BenchError, gate.GateError, subprocess.CalledProcessError) as e:
        sys.exit(f"bench failed: {e}")
