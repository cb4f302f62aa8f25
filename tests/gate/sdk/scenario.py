"""A real user journey through a Python client generated from openapi/openapi.json.

check_30_sdk_scenario generates the client (openapi-python-client) into $GATE_OUT/sdk and runs this
file with it importable. Every call to the server goes through the generated client; gate.py only
starts the server and reads the app_id and admin token it prints.

Each step names the routes it uses: a step whose route is not in the spec yet is skipped (so the
scenario grows with the API without edits), and so is a step that needs what a skipped step would
have made. Each step asserts the envelope code and reads the resulting state back.
"""
import importlib
import os
import re
import pkgutil
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import gate  # noqa: E402

import imserver_client.api as api_pkg  # noqa: E402  (generated at test time)
from imserver_client import models as M  # noqa: E402
from imserver_client.client import AuthenticatedClient, Client  # noqa: E402
from imserver_client.types import UNSET, Unset  # noqa: E402

SPEC = gate.spec()
RUN = os.urandom(3).hex()


# -- the generated client, by route -----------------------------------------------------------
def _module_index():
    index = {}
    for tag in pkgutil.iter_modules(api_pkg.__path__):
        pkg = importlib.import_module(f"{api_pkg.__name__}.{tag.name}")
        for mod in pkgutil.iter_modules(pkg.__path__):
            index[mod.name] = f"{pkg.__name__}.{mod.name}"
    return index


MODULES = _module_index()


def module_name(method, path):
    """openapi-python-client's module of an operation: its operationId in snake case."""
    op_id = SPEC["paths"][path][method.lower()]["operationId"]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op_id).lower()


def op(method, path):
    """The generated module of `method path` (its sync_detailed is the call)."""
    name = module_name(method, path)
    if name not in MODULES:
        raise AssertionError(f"{method} {path} is in the spec but the generated client has no {name}")
    return importlib.import_module(MODULES[name])


class Failed(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def ok(resp, what):
    """The envelope of a 200/200 answer (asserts HTTP status, that it parsed, and code 200)."""
    check(resp.status_code == 200, f"{what}: HTTP {resp.status_code}: {resp.content[:300]!r}")
    env = resp.parsed
    check(env is not None, f"{what}: the generated client could not parse {resp.content[:300]!r}")
    check(env.code == 200, f"{what}: envelope code {env.code}, message {env.message!r}")
    check(env.message in (None, UNSET), f"{what}: success with message {env.message!r}")
    return env


def data(resp, what):
    d = ok(resp, what).data
    check(not isinstance(d, Unset), f"{what}: no data")
    return d


def code(resp, expected, what):
    check(resp.status_code == 200, f"{what}: HTTP {resp.status_code}: {resp.content[:300]!r}")
    env = resp.parsed
    check(env is not None and env.code == expected,
          f"{what}: expected code {expected}, got {resp.content[:300]!r}")
    return env


# -- steps ------------------------------------------------------------------------------------
STEPS = []


def step(title, routes, needs=()):
    def register(fn):
        STEPS.append((title, routes, needs, fn))
        return fn
    return register


class Ctx(dict):
    __getattr__ = dict.__getitem__

    def __setattr__(self, k, v):
        self[k] = v


@step("the generated client types each envelope's data with the spec's named schema", [])
def named_types(c):
    # A nullable $ref written as allOf [$ref, {nullable}] makes the generator invent an anonymous
    # copy of the schema per envelope (EnvelopeProfileDataType1 instead of Profile).
    anonymous = sorted(n for n in dir(M) if "DataType" in n)
    check(not anonymous, f"anonymous copies of named schemas in the generated client: {anonymous}")


@step("register users: one without a token, the others through the app admin token",
      [("POST", "/user/register/v2")])
def register(c):
    def reg(client, name):
        body = M.RegisterReq(username=name, password="secret-pass-1")
        d = data(op("POST", "/user/register/v2").sync_detailed(client=client, body=body),
                 f"register {name}")
        check(d.user_id > 0, f"register {name}: user_id {d.user_id}")
        return d.user_id

    c.ids = {}
    # Registration needs no token (the spec declares its security optional); the generator still
    # types the parameter AuthenticatedClient, and a plain Client works the same.
    c.ids["alice"] = reg(c.anon, f"alice_{RUN}")
    for who in ("bob", "carol", "dave", "erin"):
        c.ids[who] = reg(c.admin, f"{who}_{RUN}")
    code(op("POST", "/user/register/v2").sync_detailed(
        client=c.anon, body=M.RegisterReq(username=f"alice_{RUN}", password="secret-pass-1")),
        10004, "register a taken username")


@step("register ten more users in one batch (app admin; one by one while the batch route is absent)",
      [("POST", "/user/register/v2")], needs=("ids",))
def register_batch(c):
    names = [f"m{i}_{RUN}" for i in range(10)]
    if gate.has_route(SPEC, "POST", "/user/register/batch"):
        items = [M.RegisterBatchItem(username=n, password="secret-pass-1") for n in names]
        rows = data(op("POST", "/user/register/batch").sync_detailed(
            client=c.admin, body=M.RegisterBatchReq(list_=items)), "register/batch")
        check([(r.username, r.success) for r in rows] == [(n, True) for n in names], f"register/batch: {rows}")
        c.batch = [r.user_id for r in rows]
    else:
        c.batch = [data(op("POST", "/user/register/v2").sync_detailed(
            client=c.admin, body=M.RegisterReq(username=n, password="secret-pass-1")),
            f"register {n}").user_id for n in names]
    check(len(set(c.batch)) == 10 and all(isinstance(u, int) and u > 0 for u in c.batch), f"ids {c.batch}")
    if gate.has_route(SPEC, "GET", "/user/list"):
        rows = data(op("GET", "/user/list").sync_detailed(client=c.admin, page_num=1,
                                                         page_size=500), "user/list")
        listed = {r.user_id for r in rows}
        check(set(c.batch) <= listed, f"user/list lacks the batch: {sorted(listed)}")


@step("obtain user tokens by name, by id and by login name", [("POST", "/token/user")], needs=("ids",))
def tokens(c):
    c.tok = {}

    def by_name(who):
        d = data(op("POST", "/token/user").sync_detailed(client=c.anon, body=M.TokenByNameReq(
            name=f"{who}_{RUN}", password="secret-pass-1", device_guid=f"sdk-{who}")), f"token/user {who}")
        check(d.user_id == c.ids[who] and d.token and d.expire > time.time(), f"token/user {who}: {d}")
        return d.token

    for who in ("alice", "dave", "erin"):
        c.tok[who] = by_name(who)
    for who in ("bob", "carol"):
        if who == "bob" and gate.has_route(SPEC, "POST", "/token/id"):
            d = data(op("POST", "/token/id").sync_detailed(client=c.anon, body=M.TokenByIdReq(
                user_id=c.ids["bob"], password="secret-pass-1", device_guid="sdk-bob")), "token/id bob")
            check(d.user_id == c.ids["bob"], f"token/id bob: {d}")
            c.tok[who] = d.token
        elif who == "carol" and gate.has_route(SPEC, "POST", "/token/login"):
            d = data(op("POST", "/token/login").sync_detailed(client=c.anon, body=M.TokenByLoginReq(
                login_name=f"carol_{RUN}", password="secret-pass-1", device_guid="sdk-carol")), "token/login carol")
            check(d.user_id == c.ids["carol"], f"token/login carol: {d}")
            c.tok[who] = d.token
        else:
            c.tok[who] = by_name(who)
    code(op("POST", "/token/user").sync_detailed(client=c.anon, body=M.TokenByNameReq(
        name=f"alice_{RUN}", password="wrong-pass-1")), 11001, "token/user with a wrong password")
    c.users = {who: c.as_user(who) for who in c.tok}


@step("read and update the profile (as the user, and as the app admin acting for the user)",
      [("GET", "/user/profile"), ("PUT", "/user/profile")], needs=("users",))
def profile(c):
    alice = c.users["alice"]
    p = data(op("GET", "/user/profile").sync_detailed(client=alice), "profile")
    check(isinstance(p, M.Profile), f"profile data is a {type(p).__name__}, not Profile")
    check(p.user_id == c.ids["alice"] and p.username == f"alice_{RUN}", f"profile: {p}")
    ok(op("PUT", "/user/profile").sync_detailed(client=alice, body=M.ProfileUpdate(
        nick_name="Alice from the SDK", description="generated client", public_info="hello")), "update profile")
    p = data(op("GET", "/user/profile").sync_detailed(client=alice), "profile after update")
    check((p.nick_name, p.description, p.public_info) == ("Alice from the SDK", "generated client", "hello"),
          f"profile after update: {p}")
    p = data(op("GET", "/user/profile").sync_detailed(client=c.client_for(c.admin_token, user_id=str(c.ids["alice"]))),
             "profile as the app admin with user_id")
    check(p.user_id == c.ids["alice"] and p.nick_name == "Alice from the SDK", f"admin's view: {p}")
    code(op("GET", "/user/profile").sync_detailed(client=c.client_for(c.tok["alice"], user_id=str(c.ids["bob"]))),
         10010, "a user token naming another user")


@step("update settings and read them back", [("GET", "/user/settings"), ("PUT", "/user/settings")],
      needs=("users",))
def settings(c):
    alice = c.users["alice"]
    ok(op("PUT", "/user/settings").sync_detailed(client=alice, body=M.UserSettingsUpdate(
        user_id=c.ids["alice"], no_push=True, no_push_start_hour=22, no_push_end_hour=7, vibratory=False)),
        "update settings")
    s = data(op("GET", "/user/settings").sync_detailed(client=alice), "settings")
    check((s.user_id, s.no_push, s.no_push_start_hour, s.no_push_end_hour, s.vibratory)
          == (c.ids["alice"], True, 22, 7, False), f"settings after update: {s}")
    # bob wants to confirm invitations: inviting him leaves a pending invitation.
    ok(op("PUT", "/user/settings").sync_detailed(client=c.users["bob"], body=M.UserSettingsUpdate(
        user_id=c.ids["bob"], group_confirm=True)), "bob: group_confirm")
    s = data(op("GET", "/user/settings").sync_detailed(client=c.users["bob"]), "bob's settings")
    check(s.group_confirm is True, f"bob's settings: {s}")
    c.bob_confirms = True


def group_info(c, client=None):
    return data(op("GET", "/group/info").sync_detailed(client=client or c.users["alice"],
                                                       group_id=c.gid), "group info")


def members(c, limit=500, client=None):
    """Every member through member_list pages of `limit`: (user ids in order, pages, totals)."""
    ids, pages, totals, cursor = [], 0, set(), UNSET
    while True:
        env = ok(op("GET", "/group/member_list").sync_detailed(
            client=client or c.users["alice"], group_id=c.gid, limit=limit, cursor=cursor),
            f"member_list page {pages + 1}")
        pages += 1
        check(isinstance(env.data, list) and len(env.data) <= limit, f"member_list page: {env.data}")
        ids += [m.user_id for m in env.data]
        totals.add(env.total)
        if env.cursor in (None, UNSET):
            return ids, pages, totals, env
        check(pages < 1000, "member_list never ends")
        cursor = env.cursor


@step("create a group", [("POST", "/group/create"), ("GET", "/group/info")], needs=("users",))
def create_group(c):
    g = data(op("POST", "/group/create").sync_detailed(client=c.users["alice"], body=M.CreateGroupReq(
        name=f"sdk group {RUN}", description="made by the generated client")), "group/create")
    check(isinstance(g, M.GroupInfo), f"group/create data is a {type(g).__name__}, not GroupInfo")
    check(g.owner_id == c.ids["alice"] and g.count == 1 and g.status == M.GroupStatus.NORMAL, f"created group: {g}")
    c.gid = g.group_id
    g = group_info(c)
    check((g.group_id, g.name, g.owner_id, g.count) == (c.gid, f"sdk group {RUN}", c.ids["alice"], 1),
          f"group/info after create: {g}")


@step("invite: carol joins at once, bob gets an invitation and accepts it",
      [("POST", "/group/invite"), ("GET", "/group/invitation_list"), ("POST", "/group/invite/handle"),
       ("GET", "/group/member_list")], needs=("gid", "bob_confirms"))
def invite(c):
    res = data(op("POST", "/group/invite").sync_detailed(client=c.users["alice"], body=M.InviteReq(
        group_id=c.gid, user_list=[c.ids["carol"], c.ids["bob"]], reason="join us")), "invite carol and bob")
    check(sorted((r.user_id, r.result) for r in res)
          == sorted([(c.ids["carol"], "success"), (c.ids["bob"], "success")]), f"invite answer: {res}")
    ids, _, _, _ = members(c)
    check(c.ids["carol"] in ids and c.ids["bob"] not in ids, f"after invite, members {ids}")
    env = ok(op("GET", "/group/invitation_list").sync_detailed(client=c.users["bob"]),
             "bob's invitation_list")
    pending = [i for i in env.data if i.group_id == c.gid]
    check(len(pending) == 1 and pending[0].status == M.GroupRequestStatus.PENDING and pending[0].inviter_id == c.ids["alice"]
          and pending[0].invitee_id == c.ids["bob"], f"bob's invitations: {env.data}")
    ok(op("POST", "/group/invite/handle").sync_detailed(client=c.users["bob"], body=M.HandleReq(
        approval=True, group_id=c.gid, user_id=c.ids["alice"])), "bob accepts")
    env = ok(op("GET", "/group/invitation_list").sync_detailed(client=c.users["bob"]),
             "bob's invitation_list after accepting")
    check([i.status for i in env.data if i.group_id == c.gid] == [1], f"handled invitation: {env.data}")
    ids, _, _, _ = members(c)
    check(ids == [c.ids["alice"], c.ids["carol"], c.ids["bob"]], f"members after invitations: {ids}")
    c.joined = list(ids)


@step("apply and approve: dave applies, alice approves",
      [("POST", "/group/apply"), ("POST", "/group/application_list"), ("POST", "/group/apply/handle")],
      needs=("joined",))
def apply(c):
    r = data(op("POST", "/group/apply").sync_detailed(client=c.users["dave"], body=M.ApplyReq(
        group_id=c.gid, reason="let me in")), "dave applies")
    check(r.user_id == c.ids["dave"] and r.reason == "pending approval", f"apply answer: {r}")
    env = ok(op("POST", "/group/application_list").sync_detailed(
        client=c.users["alice"], body=M.ApplicationListReq(group_list=[c.gid])), "application_list")
    check([(a.applicant_id, a.status, a.reason) for a in env.data] == [(c.ids["dave"], 0, "let me in")]
          and env.total == 1, f"applications: {env.data}")
    r = data(op("POST", "/group/apply/handle").sync_detailed(client=c.users["alice"], body=M.HandleReq(
        approval=True, group_id=c.gid, user_id=c.ids["dave"])), "alice approves")
    check(r.user_id == c.ids["dave"] and r.result == M.ItemResult.SUCCESS, f"apply/handle answer: {r}")
    env = ok(op("POST", "/group/application_list").sync_detailed(
        client=c.users["alice"], body=M.ApplicationListReq(group_list=[c.gid])),
        "application_list after approval")
    check([a.status for a in env.data] == [1], f"approved application: {env.data}")
    c.joined.append(c.ids["dave"])
    ids, _, _, _ = members(c)
    check(ids == c.joined, f"members after approval: {ids} != {c.joined}")


@step("list members in pages of 4 with the cursor (after inviting ten more)",
      [("POST", "/group/invite"), ("GET", "/group/member_list")], needs=("joined", "batch"))
def paging(c):
    res = data(op("POST", "/group/invite").sync_detailed(client=c.users["alice"], body=M.InviteReq(
        group_id=c.gid, user_list=c.batch)), "invite ten")
    check(sorted(r.user_id for r in res if r.result == M.ItemResult.SUCCESS) == sorted(c.batch), f"invite ten: {res}")
    c.joined += c.batch
    ids, pages, totals, _ = members(c, limit=4)
    n = len(c.joined)
    check(ids == c.joined, f"paged members {ids} != joined order {c.joined}")
    check(pages == -(-n // 4) and totals == {n}, f"{pages} pages, totals {totals} for {n} members")
    check(group_info(c).count == n, "group count after paging")


@step("mute carol for ten minutes", [("POST", "/group/ban"), ("GET", "/group/banned_list"),
                                     ("GET", "/group/member_list")], needs=("joined",))
def mute(c):
    before = int(time.time() * 1000)
    res = data(op("POST", "/group/ban").sync_detailed(client=c.users["alice"], body=M.BanReq(
        group_id=c.gid, user_list=[c.ids["carol"]], duration=10)), "ban carol")
    check([(r.user_id, r.result) for r in res] == [(c.ids["carol"], "success")], f"ban answer: {res}")
    env = ok(op("GET", "/group/banned_list").sync_detailed(client=c.users["alice"],
                                                          group_id=c.gid), "banned_list")
    check([b.user_id for b in env.data] == [c.ids["carol"]], f"banned: {env.data}")
    until = env.data[0].expired_time
    check(before + 9 * 60_000 < until <= int(time.time() * 1000) + 10 * 60_000 + 1000, f"mute end {until}")
    page = ok(op("GET", "/group/member_list").sync_detailed(client=c.users["alice"],
                                                           group_id=c.gid), "member_list")
    check({m.user_id: m.expired_time for m in page.data}[c.ids["carol"]] == until, "member_list mute end")


@step("blacklist dave: he leaves and cannot apply again",
      [("POST", "/group/block"), ("GET", "/group/blocked_list"), ("POST", "/group/apply")], needs=("joined",))
def blacklist(c):
    res = data(op("POST", "/group/block").sync_detailed(client=c.users["alice"], body=M.GroupUsersReq(
        group_id=c.gid, user_list=[c.ids["dave"]])), "block dave")
    check([(r.user_id, r.result) for r in res] == [(c.ids["dave"], "success")], f"block answer: {res}")
    env = ok(op("GET", "/group/blocked_list").sync_detailed(client=c.users["alice"],
                                                           group_id=c.gid), "blocked_list")
    check([(b.user_id, b.group_id) for b in env.data] == [(c.ids["dave"], c.gid)] and env.total == 1,
          f"blocked: {env.data}")
    check(int(env.data[0].created_at) > 0, f"blocked_list created_at {env.data[0].created_at!r}")
    c.joined.remove(c.ids["dave"])
    ids, _, _, _ = members(c)
    check(ids == c.joined and group_info(c).count == len(c.joined), f"members after block: {ids}")
    code(op("POST", "/group/apply").sync_detailed(client=c.users["dave"], body=M.ApplyReq(
        group_id=c.gid)), 20018, "a blacklisted user applies")


@step("post an announcement; a member reads it",
      [("POST", "/group/announcement/edit"), ("GET", "/group/announcement/last"),
       ("GET", "/group/announcement/list")], needs=("joined",))
def announcement(c):
    a = data(op("POST", "/group/announcement/edit").sync_detailed(
        client=c.users["alice"], body=M.EditAnnouncementReq(
            group_id=c.gid, title="Welcome", content="Read the rules, then say hello.")), "announcement/edit")
    check((a.group_id, a.author, a.title) == (c.gid, c.ids["alice"], "Welcome"), f"announcement: {a}")
    last = data(op("GET", "/group/announcement/last").sync_detailed(
        client=c.users["carol"], group_id=c.gid), "announcement/last as carol")
    check((last.id, last.title, last.content) == (a.id, "Welcome", "Read the rules, then say hello."),
          f"last announcement: {last}")
    lst = data(op("GET", "/group/announcement/list").sync_detailed(
        client=c.users["carol"], group_id=c.gid), "announcement/list")
    check([x.id for x in lst] == [a.id], f"announcements: {lst}")
    code(op("GET", "/group/announcement/last").sync_detailed(
        client=c.users["dave"], group_id=c.gid), 20011, "a non-member reads it")


@step("upload file metadata; the owner lists it", [("POST", "/group/file/upload"), ("GET", "/group/file/list")],
      needs=("joined",))
def files(c):
    f = data(op("POST", "/group/file/upload").sync_detailed(client=c.users["carol"], body=M.UploadFileReq(
        group_id=c.gid, name="rules.pdf", size=12345, url="https://files.example.com/rules.pdf",
        type_="application/pdf")), "file/upload as carol")
    check((f.group_id, f.uploader, f.name, f.size, f.type_) == (c.gid, c.ids["carol"], "rules.pdf", 12345,
                                                                 "application/pdf"), f"uploaded: {f}")
    lst = data(op("GET", "/group/file/list").sync_detailed(client=c.users["alice"],
                                                          group_id=c.gid), "file/list")
    check([(x.file_id, x.url) for x in lst] == [(f.file_id, "https://files.example.com/rules.pdf")],
          f"files: {lst}")


@step("sign a QR invite; erin joins with it", [("GET", "/group/qrcode/sign"), ("POST", "/group/qrcode/invite"),
                                              ("GET", "/group/user_joined")], needs=("joined",))
def qrcode(c):
    q = data(op("GET", "/group/qrcode/sign").sync_detailed(client=c.users["alice"],
                                                          group_id=c.gid), "qrcode/sign")
    check(q.qr_info and q.expire_at > q.create_at, f"qr code: {q}")
    code(op("POST", "/group/qrcode/invite").sync_detailed(client=c.users["erin"], body=M.QrInviteReq(
        qr_info=q.qr_info[:-2] + ("AA" if not q.qr_info.endswith("AA") else "BB"))), 20024, "a tampered QR code")
    j = data(op("POST", "/group/qrcode/invite").sync_detailed(client=c.users["erin"], body=M.QrInviteReq(
        qr_info=q.qr_info)), "qrcode/invite as erin")
    check(j.group_id == c.gid, f"qr joined: {j}")
    c.joined.append(c.ids["erin"])
    ids, _, _, _ = members(c)
    check(ids == c.joined, f"members after QR join: {ids}")
    joined = data(op("GET", "/group/user_joined").sync_detailed(client=c.users["erin"]),
                  "erin's user_joined")
    check(c.gid in joined, f"erin's groups: {joined}")


@step("the original clients' forms: values in a JSON body, kick by body, the eight token fields",
      [("PUT", "/user/push"), ("GET", "/user/settings"), ("PUT", "/user/kick"), ("POST", "/token/user")],
      needs=("users",))
def original_forms(c):
    erin = c.users["erin"]
    ok(op("PUT", "/user/push").sync_detailed(client=erin, value=True), "push off (query)")
    check(data(op("GET", "/user/settings").sync_detailed(client=erin), "settings").no_push is True, "no_push")
    ok(op("PUT", "/user/push").sync_detailed(client=erin, value=False, body=M.SwitchBody(value=False)),
       "push on (query and body agreeing)")
    check(data(op("GET", "/user/settings").sync_detailed(client=erin), "settings").no_push is False, "no_push")
    code(op("PUT", "/user/push").sync_detailed(client=erin, value=True, body=M.SwitchBody(value=False)),
         10002, "query and body disagreeing")
    d = data(op("POST", "/token/user").sync_detailed(client=c.anon, body=M.TokenByNameReq(
        name=f"erin_{RUN}", password="secret-pass-1", device_guid="sdk-erin-2")), "erin logs in on a 2nd device")
    check((d.public_key, d.store_token, d.access_key_secret, d.encrypt_type) == (None, None, None, 0),
          f"the eight token fields: {d}")
    second = c.client_for(d.token)
    devices = data(op("GET", "/user/device/list").sync_detailed(client=erin), "erin's devices")
    sn = max(x.device_sn for x in devices)
    ok(op("PUT", "/user/kick").sync_detailed(client=erin, body=M.KickBody(device_sn=sn)), "kick by body")
    code(op("GET", "/user/profile").sync_detailed(client=second), 10008, "the kicked device's token")
    data(op("GET", "/user/profile").sync_detailed(client=erin), "erin's own session stays")


@step("pin conversations: a user's and a group's", [("PUT", "/user/conversation/pin"),
      ("PUT", "/user/conversation/unpin"), ("GET", "/user/conversation/pin_list")], needs=("joined",))
def pins(c):
    carol = c.users["carol"]
    for conv in (c.ids["bob"], c.gid):
        ok(op("PUT", "/user/conversation/pin").sync_detailed(client=carol, body=M.ConversationReq(
            conversation_id=conv)), f"pin {conv}")
    pinned = data(op("GET", "/user/conversation/pin_list").sync_detailed(client=carol), "pin_list")
    check(pinned.conversation_ids == [c.ids["bob"], c.gid], f"pins: {pinned}")
    ok(op("PUT", "/user/conversation/unpin").sync_detailed(client=carol, body=M.ConversationReq(
        conversation_id=c.ids["bob"])), "unpin bob")
    pinned = data(op("GET", "/user/conversation/pin_list").sync_detailed(client=carol), "pin_list")
    check(pinned.conversation_ids == [c.gid], f"pins after unpin: {pinned}")


@step("hide member details, do-not-disturb, and the web SDK's QR paths",
      [("PUT", "/group/settings/hide_member_info"), ("PUT", "/group/msg/not_disturb"),
       ("GET", "/app/qrcode/group_sign"), ("GET", "/app/qrcode/group_invite")], needs=("joined",))
def newer_group_routes(c):
    ok(op("PUT", "/group/settings/hide_member_info").sync_detailed(client=c.users["alice"], body=M.GroupFlagValue(
        group_id=c.gid, value=True)), "hide member details")
    check(group_info(c).hide_member_info is True, "hide_member_info reads back")
    _, _, _, env = members(c, client=c.users["carol"])
    others = [m for m in env.data if m.user_id not in (c.ids["carol"], c.ids["alice"])]
    check(others and all(m.join_time == 0 for m in others), f"a plain member sees ids only: {others}")
    ok(op("PUT", "/group/settings/hide_member_info").sync_detailed(client=c.users["alice"], body=M.GroupFlagValue(
        group_id=c.gid, value=False)), "show member details")
    ok(op("PUT", "/group/msg/not_disturb").sync_detailed(client=c.users["carol"], body=M.GroupFlagValue(
        group_id=c.gid, value=True)), "carol: do not disturb")
    check(group_info(c, client=c.users["carol"]).not_disturb is True, "not_disturb reads back")
    q = data(op("GET", "/app/qrcode/group_sign").sync_detailed(client=c.users["alice"], group_id=c.gid),
             "app/qrcode/group_sign")
    check(q.expired == q.expire_at, f"expired is expire_at: {q}")
    name = f"fay_{RUN}"
    data(op("POST", "/user/register/v2").sync_detailed(client=c.anon, body=M.RegisterReq(
        username=name, password="secret-pass-1")), "register fay")
    t = data(op("POST", "/token/user").sync_detailed(client=c.anon, body=M.TokenByNameReq(
        name=name, password="secret-pass-1")), "fay logs in")
    j = data(op("GET", "/app/qrcode/group_invite").sync_detailed(client=c.client_for(t.token), qr_info=q.qr_info),
             "fay joins by GET")
    check(j.group_id == c.gid, f"joined: {j}")
    c.joined.append(t.user_id)
    ids, _, _, _ = members(c)
    check(ids == c.joined, f"members after the GET join: {ids}")


@step("friends: a request that needs consent, accepted; alias; a stranger; the blacklist; deletion",
      [("PUT", "/user/authmode"), ("POST", "/roster/apply"), ("GET", "/roster/apply/list"),
       ("PUT", "/roster/accept"), ("GET", "/roster/list"), ("POST", "/roster/list"), ("PUT", "/roster/ext"),
       ("GET", "/roster/name"), ("PUT", "/roster/block"), ("DELETE", "/roster/unblock"),
       ("GET", "/roster/may_message"), ("DELETE", "/roster/delete")], needs=("users",))
def friends(c):
    alice, bob, carol = c.users["alice"], c.users["bob"], c.users["carol"]
    a, b, k = c.ids["alice"], c.ids["bob"], c.ids["carol"]
    ok(op("PUT", "/user/authmode").sync_detailed(client=bob, value=M.AuthMode.NEEDS_CONSENT), "bob: consent needed")
    ok(op("POST", "/roster/apply").sync_detailed(client=alice, body=M.RosterApplyReq(user_id=b, reason="hi")),
       "alice asks bob")
    asks = data(op("GET", "/roster/apply/list").sync_detailed(client=bob), "bob's requests")
    check([(x.user_id, int(x.status)) for x in asks] == [(a, 0)], f"bob's requests: {asks}")
    ok(op("PUT", "/roster/accept").sync_detailed(client=bob, user_id=a), "bob accepts")
    for me, other, who in ((alice, b, "alice"), (bob, a, "bob")):
        ids = data(op("GET", "/roster/list").sync_detailed(client=me), f"{who}'s friends")
        check(other in ids, f"{who}'s friends: {ids}")
    ok(op("PUT", "/roster/ext").sync_detailed(client=alice, body=M.RosterExtReq(user_id=b, alias="Bobby")),
       "alice names bob")
    items = data(op("POST", "/roster/list").sync_detailed(client=alice, body=M.RosterListReq(list_=[b])),
                 "alice's view of bob")
    check([(x.user_id, x.alias, int(x.relation)) for x in items] == [(b, "Bobby", 0)], f"bob: {items}")
    found = data(op("GET", "/roster/name").sync_detailed(client=alice, username=f"carol_{RUN}"), "find carol")
    check((found.user_id, int(found.relation), found.description) == (k, 2, None), f"a stranger: {found}")
    ok(op("PUT", "/roster/block").sync_detailed(client=alice, user_id=k), "alice blocks carol")
    code(op("POST", "/roster/apply").sync_detailed(client=carol, body=M.RosterApplyReq(user_id=a)), 10012,
         "a blocked user asks")
    may = data(op("GET", "/roster/may_message").sync_detailed(client=carol, user_id=k, roster_id=a), "may_message")
    check(may is False, f"carol may message alice: {may}")
    ok(op("DELETE", "/roster/unblock").sync_detailed(client=alice, user_id=k), "alice unblocks carol")
    ok(op("DELETE", "/roster/delete").sync_detailed(client=alice, user_id=b), "alice ends the friendship")
    seen = data(op("POST", "/roster/list").sync_detailed(client=bob, body=M.RosterListReq(list_=[a])), "bob's view")
    check([int(x.relation) for x in seen] == [1], f"alice as bob sees her: {seen}")


def history(client, opposite_id, limit=1):
    """Every message of the caller's conversation with `opposite_id`, through pages of `limit`
    following next_msg_id until is_last: (the messages newest first, pages)."""
    msgs, pages, start = [], 0, 0
    while True:
        page = data(op("GET", "/message/conversation").sync_detailed(
            client=client, opposite_id=opposite_id, msg_id_start=start, limit=limit),
            f"history with {opposite_id} from {start}")
        pages += 1
        check(isinstance(page, M.ConversationMessages), f"history data is a {type(page).__name__}, "
              "not ConversationMessages")
        check(len(page.messages) <= limit and all(isinstance(m, M.SessionMessage) for m in page.messages),
              f"history page {pages}: {page}")
        msgs += page.messages
        if page.is_last:
            check(page.next_msg_id == 0, f"the last page's next_msg_id: {page.next_msg_id}")
            return msgs, pages
        check(page.messages and 0 < page.next_msg_id < page.messages[-1].msg_id and pages < 1000,
              f"history page {pages} continues at {page.next_msg_id}: {page}")
        start = page.next_msg_id


@step("messages: alice writes to bob twice; bob reads his unread, pages the history, acks; alice recalls one",
      [("POST", "/message/send"), ("GET", "/message/unread"), ("GET", "/message/conversation"),
       ("GET", "/message/ack"), ("PUT", "/message/recall")], needs=("users",))
def messages(c):
    alice, bob = c.users["alice"], c.users["bob"]
    a, b = c.ids["alice"], c.ids["bob"]
    texts = ["hello bob", "are you there?"]
    sent = []
    for text in texts:
        env = ok(op("POST", "/message/send").sync_detailed(client=alice, body=M.MessageRequest(
            type_=1, targets=[b], content_type=0, content=text, attachment="")), f"alice sends {text!r}")
        check(isinstance(env, M.EnvelopeSendMessage) and env.data is True, f"send answer: {env}")
        check(isinstance(env.msg_ids, list) and len(env.msg_ids) == 1 and env.msg_ids[0] > 0,
              f"send answer's msg_ids: {env.msg_ids}")
        sent.append(env.msg_ids[0])
    check(sent[0] < sent[1], f"msg_ids not rising: {sent}")
    first, newest = sent

    unread = data(op("GET", "/message/unread").sync_detailed(client=bob), "bob's unread")
    check([(u.conversation_id.uid, u.num) for u in unread] == [(a, 2)], f"bob's unread: {unread}")
    check(data(op("GET", "/message/unread").sync_detailed(client=alice), "alice's unread") == [],
          "what alice sent is unread to her")

    msgs, pages = history(bob, a)
    check(pages == 2, f"two messages in pages of 1: {pages} pages")
    check([(m.msg_id, m.content, m.from_xid.uid, m.to_xid.uid, m.ctype, m.recalled, m.system) for m in msgs]
          == [(newest, texts[1], a, b, "TEXT", False, False), (first, texts[0], a, b, "TEXT", False, False)],
          f"bob's history, newest first: {msgs}")
    check([m.status for m in msgs] == ["UNREAD", "UNREAD"], f"before the ack: {[m.status for m in msgs]}")
    check(msgs[0].timestamp >= msgs[1].timestamp > 0, f"timestamps: {[m.timestamp for m in msgs]}")

    check(data(op("GET", "/message/ack").sync_detailed(client=bob, conversation_id=a, msg_id=newest),
               "bob acks the newest") is True, "ack answers true")
    unread = data(op("GET", "/message/unread").sync_detailed(client=bob), "bob's unread after the ack")
    check(unread == [], f"bob's unread after the ack: {unread}")
    msgs, _ = history(bob, a, limit=10)
    check([m.status for m in msgs] == ["READ", "READ"], f"bob's history after the ack: {msgs}")
    msgs, _ = history(alice, b, limit=10)
    check([(m.msg_id, m.status) for m in msgs] == [(newest, "READ"), (first, "READ")],
          f"alice's history after bob's ack: {msgs}")

    check(data(op("PUT", "/message/recall").sync_detailed(client=alice, body=M.RecallRequest(
        conversation_id=b, msg_id=first)), "alice recalls the first") is True, "recall answers true")
    msgs, pages = history(bob, a)
    check(pages == 2, f"the tombstone keeps its place: {pages} pages")
    check([(m.msg_id, m.recalled, m.content) for m in msgs] == [(newest, False, texts[1]), (first, True, "")],
          f"bob's history after the recall: {msgs}")
    check((msgs[1].attachment, msgs[1].config, msgs[1].ext) == ("", "", ""), f"the tombstone: {msgs[1]}")
    check(data(op("GET", "/message/unread").sync_detailed(client=bob), "bob's unread after the recall") == [],
          "a recall made something unread")


@step("transfer to bob, then bob destroys the group",
      [("POST", "/group/transfer"), ("DELETE", "/group/destroy"), ("GET", "/group/info"),
       ("GET", "/group/user_joined")], needs=("joined",))
def transfer_destroy(c):
    r = data(op("POST", "/group/transfer").sync_detailed(client=c.users["alice"], body=M.TransferReq(
        group_id=c.gid, new_owner=c.ids["bob"])), "transfer to bob")
    check((r.user_id, r.result) == (c.ids["bob"], "success"), f"transfer answer: {r}")
    g = group_info(c)
    check(g.owner_id == c.ids["bob"] and g.count == len(c.joined), f"after transfer: {g}")
    code(op("DELETE", "/group/destroy").sync_detailed(client=c.users["alice"], group_id=c.gid),
         20013, "the old owner destroys")
    check(data(op("DELETE", "/group/destroy").sync_detailed(client=c.users["bob"],
                                                           group_id=c.gid), "bob destroys") is True,
          "destroy answers true")
    g = group_info(c)
    check(g.status == M.GroupStatus.DISSOLVED, f"destroyed group: {g}")
    joined = data(op("GET", "/group/user_joined").sync_detailed(client=c.users["bob"]),
                  "bob's user_joined")
    check(c.gid not in joined, f"bob's groups after destroy: {joined}")
    code(op("POST", "/group/invite").sync_detailed(client=c.users["bob"], body=M.InviteReq(
        group_id=c.gid, user_list=[c.ids["dave"]])), 20001, "invite into a destroyed group")


def main():
    with gate.Server("sdk") as srv:
        check(srv.app_id and srv.admin_token, "the server printed no app_id / admin token")
        c = Ctx(app=srv.app_id)
        # identity is set once per client: app_id on every one, the token on authenticated ones
        app = {"app_id": srv.app_id}
        c.anon = Client(base_url=srv.base, headers=app, raise_on_unexpected_status=True, timeout=30)
        # (a client's with_headers changes its shared connection too: a new client per identity)
        c.client_for = lambda token, **extra: AuthenticatedClient(
            base_url=srv.base, token=token, prefix="", auth_header_name="access-token", headers={**app, **extra},
            raise_on_unexpected_status=True, timeout=30)
        c.admin_token = srv.admin_token
        c.admin = c.client_for(srv.admin_token)
        c.as_user = lambda who: c.client_for(c.tok[who])
        ran, skipped, failed = 0, [], []
        for title, routes, needs, fn in STEPS:
            missing = [f"{m} {p}" for m, p in routes if not gate.has_route(SPEC, m, p)]
            unmet = [n for n in needs if n not in c]
            if missing or unmet:
                why = ("route not in the spec: " + ", ".join(missing)) if missing else \
                    ("needs a skipped or failed step: " + ", ".join(unmet))
                print(f"SKIP  {title} ({why})")
                skipped.append(title)
                continue
            t0 = time.monotonic()
            try:
                fn(c)
            except Exception as e:  # noqa: BLE001 - report every step, then fail
                failed.append(title)
                print(f"FAIL  {title}: {e}")
                if not isinstance(e, Failed):
                    traceback.print_exc()
                continue
            ran += 1
            print(f"ok    {title} ({(time.monotonic() - t0) * 1000:.0f} ms)")
        print(f"sdk scenario: {ran} steps passed, {len(skipped)} skipped, {len(failed)} failed "
              f"(server log: {srv.log_path})")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
