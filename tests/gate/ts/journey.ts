// A real user journey through a TypeScript client generated from openapi/openapi.json.
//
// check_35_ts_sdk generates the client (@hey-api/openapi-ts, fetch client) into $GATE_OUT/ts/client,
// type-checks this file with it under strict tsc, then runs it (tsx) against a real server that
// run.py started (gate.Server). Every call to the server goes through the generated client.
//
// The habits of the Python scenario (tests/gate/sdk/scenario.py): each step names the routes it
// uses and is skipped when one is not in the spec (and so is a step that needs what a skipped step
// would have made); each step asserts the envelope codes and reads the resulting state back.
// What this file proves besides: identity is set once per client (app_id, access-token and the
// admin's act_as_user as security schemes), and `code === 200` narrows an answer to its success
// envelope, `code !== 200` to ErrorEnvelope, with no non-null assertion, cast or type-ignore
// (check_35 refuses all of them, see lint.ts).
import { readFileSync } from 'node:fs';

import {
  acceptFriendRequest,
  ackMessages,
  blockUsers,
  createGroup,
  getConversationMessages,
  getGroupInfo,
  getGroupQrCode,
  getLatestAnnouncement,
  getProfile,
  getRosterItems,
  getUserSettings,
  handleInvitation,
  inviteToGroup,
  joinByQrCode,
  listBlockedUsers,
  listFriendRequests,
  listFriends,
  listGroupMembers,
  listInvitations,
  listUnread,
  listMutedMembers,
  loginByName,
  muteMembers,
  publishAnnouncement,
  recallMessage,
  registerUser,
  registerUsers,
  requestFriend,
  sendMessagePost,
  updateProfile,
  updateUserSettings,
  AuthMode,
  FriendRequestStatus,
  GroupRequestStatus,
  GroupStatus,
  ItemResult,
  RosterRelation,
  type ErrorCode,
  type ErrorEnvelope,
  type GroupInfo,
  type EnvelopePageGroupMember,
  type SessionMessage,
} from 'imserver-client';
import { createClient, createConfig, type Client } from 'imserver-client/client';

// -- the server and the spec ------------------------------------------------------------------
function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run.py sets it)`);
  return v;
}

const BASE = env('GATE_BASE');
const APP_ID = env('GATE_APP_ID');
const ADMIN_TOKEN = env('GATE_ADMIN_TOKEN');
const RUN = Math.random().toString(16).slice(2, 8);
const SPEC: unknown = JSON.parse(readFileSync(env('GATE_SPEC'), 'utf8'));

/** A member of a parsed JSON object (undefined when absent or not an object). */
function member(o: unknown, key: string): unknown {
  if (typeof o !== 'object' || o === null) return undefined;
  return new Map<string, unknown>(Object.entries(o)).get(key);
}

function hasRoute(method: string, path: string): boolean {
  return member(member(member(SPEC, 'paths'), path), method.toLowerCase()) !== undefined;
}

// -- identity, set once per client --------------------------------------------------------------
interface Identity {
  token?: string;
  actAsUser?: number;
}

// README example begin: hey-api
/** A client that sends app_id, and the token and act_as_user it is given, on every call. */
function clientFor(who: Identity): Client {
  const headers = new Map<string, string>([['app_id', APP_ID]]);
  if (who.token !== undefined) headers.set('access-token', who.token);
  if (who.actAsUser !== undefined) headers.set('user_id', String(who.actAsUser));
  // The generated functions list the schemes each operation takes; the client asks for each by
  // its header name and sends those it has an answer for.
  return createClient(createConfig({ baseUrl: BASE, auth: (scheme) => headers.get(scheme.name ?? '') }));
}
// README example end

// -- answers ----------------------------------------------------------------------------------
class Failed extends Error {}

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Failed(what);
}

/** What a generated function resolves to (its `fields` response style). */
type Answer<T> = ({ data: T; error: undefined } | { data: undefined; error: unknown }) & { response: Response };

/** The envelope of an HTTP 200 answer: the operation's success envelope or an ErrorEnvelope. */
async function answer<T>(call: Promise<Answer<T>>, what: string): Promise<T> {
  const r = await call;
  if (r.data === undefined) {
    throw new Failed(`${what}: HTTP ${r.response.status}: ${JSON.stringify(r.error)}`);
  }
  check(r.response.status === 200, `${what}: HTTP ${r.response.status}`);
  return r.data;
}

/** The success envelope (code 200, message null): the check on `code` narrows the union. */
async function ok<T extends { code: 200; message: string | null }>(
  call: Promise<Answer<T | ErrorEnvelope>>,
  what: string,
): Promise<T> {
  const env = await answer(call, what);
  if (env.code !== 200) throw new Failed(`${what}: code ${env.code}, message ${JSON.stringify(env.message)}`);
  check(env.message === null, `${what}: success with message ${JSON.stringify(env.message)}`);
  return env;
}

/** The error envelope of a refused call, whose code must be `expected`. */
async function refused<T extends { code: 200 }>(
  call: Promise<Answer<T | ErrorEnvelope>>,
  expected: ErrorCode,
  what: string,
): Promise<ErrorEnvelope> {
  const env = await answer(call, what);
  if (env.code === 200) throw new Failed(`${what}: expected code ${expected}, got a success`);
  check(env.code === expected && env.message.length > 0, `${what}: expected code ${expected}, got ${JSON.stringify(env)}`);
  return env;
}

// -- steps ------------------------------------------------------------------------------------
type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'erin';
const PEOPLE: readonly Who[] = ['alice', 'bob', 'carol', 'dave', 'erin'];

interface Ctx {
  anon: Client;
  admin: Client;
  ids: Map<Who, number>;
  users: Map<Who, Client>;
  batch: number[];
  gid?: number;
  joined: number[];
  bobConfirms?: boolean;
}

interface Step {
  title: string;
  routes: ReadonlyArray<readonly [string, string]>;
  needs: ReadonlyArray<string>;
  run: (c: Ctx) => Promise<void>;
}

const STEPS: Step[] = [];
const made = new Set<string>();

function step(title: string, routes: Step['routes'], needs: Step['needs'], run: Step['run']): void {
  STEPS.push({ title, routes, needs, run });
}

function idOf(c: Ctx, who: Who): number {
  const id = c.ids.get(who);
  if (id === undefined) throw new Failed(`no user id for ${who}`);
  return id;
}

function userOf(c: Ctx, who: Who): Client {
  const client = c.users.get(who);
  if (client === undefined) throw new Failed(`no client for ${who}`);
  return client;
}

function groupOf(c: Ctx): number {
  if (c.gid === undefined) throw new Failed('no group');
  return c.gid;
}

async function groupInfo(c: Ctx, client: Client = userOf(c, 'alice')): Promise<GroupInfo> {
  const env = await ok(getGroupInfo({ client, query: { group_id: groupOf(c) } }), 'group info');
  return env.data;
}

/** Every member through listGroupMembers pages of `limit`, following `cursor` until null. */
async function members(c: Ctx, limit = 1000): Promise<{ ids: number[]; pages: number; totals: Set<number | null> }> {
  const ids: number[] = [];
  const totals = new Set<number | null>();
  let cursor: string | null = null; // the first page (the parameter takes the answered cursor as is)
  for (let pages = 1; ; pages++) {
    const page: EnvelopePageGroupMember = await ok(
      listGroupMembers({ client: userOf(c, 'alice'), query: { group_id: groupOf(c), limit, cursor } }),
      `member_list page ${pages}`,
    );
    const rows = page.data;
    check(rows.length <= limit, `member_list page ${pages}: ${rows.length} rows for limit ${limit}`);
    ids.push(...rows.map((m) => m.user_id));
    totals.add(page.total);
    cursor = page.cursor;
    if (cursor === null) return { ids, pages, totals };
    check(pages < 1000, 'member_list never ends');
  }
}

step('register users: one without a token, the others through the app admin token',
  [['POST', '/user/register/v2']], [], async (c) => {
    const reg = async (client: Client, name: string): Promise<number> => {
      const env = await ok(registerUser({ client, body: { username: name, password: 'secret-pass-1' } }), `register ${name}`);
      const d = env.data;
      check(d.user_id > 0, `register ${name}: ${JSON.stringify(d)}`);
      return d.user_id;
    };
    c.ids.set('alice', await reg(c.anon, `alice_${RUN}`));
    for (const who of PEOPLE.slice(1)) c.ids.set(who, await reg(c.admin, `${who}_${RUN}`));
    await refused(registerUser({ client: c.anon, body: { username: `alice_${RUN}`, password: 'secret-pass-1' } }),
      10004, 'register a taken username');
    made.add('ids');
  });

step('register ten more users in one batch (app admin; one by one while the batch route is absent)',
  [['POST', '/user/register/v2']], ['ids'], async (c) => {
    const names = Array.from({ length: 10 }, (_, i) => `m${i}_${RUN}`);
    if (hasRoute('POST', '/user/register/batch')) {
      const env = await ok(registerUsers({ client: c.admin, body: { list: names.map((username) => ({ username, password: 'secret-pass-1' })) } }),
        'register/batch');
      const rows = env.data;
      check(JSON.stringify(rows.map((r) => [r.username, r.success])) === JSON.stringify(names.map((n) => [n, true])),
        `register/batch: ${JSON.stringify(rows)}`);
      c.batch = rows.flatMap((r) => (typeof r.user_id === 'number' ? [r.user_id] : []));
    } else {
      for (const username of names) {
        const env = await ok(registerUser({ client: c.admin, body: { username, password: 'secret-pass-1' } }), `register ${username}`);
        c.batch.push(env.data.user_id);
      }
    }
    check(new Set(c.batch).size === 10 && c.batch.every((u) => Number.isSafeInteger(u) && u > 0), `batch ids ${c.batch}`);
    made.add('batch');
  });

step('log in by name; a wrong password answers 11001 typed as ErrorEnvelope',
  [['POST', '/token/user']], ['ids'], async (c) => {
    for (const who of PEOPLE) {
      const env = await ok(loginByName({ client: c.anon, body: { name: `${who}_${RUN}`, password: 'secret-pass-1', device_guid: `ts-${who}` } }),
        `token/user ${who}`);
      const t = env.data;
      check(t.user_id === idOf(c, who) && t.token.length > 0 && t.expire > Date.now() / 1000, `token/user ${who}: ${JSON.stringify(t)}`);
      c.users.set(who, clientFor({ token: t.token }));
    }
    const r = await answer(loginByName({ client: c.anon, body: { name: `alice_${RUN}`, password: 'wrong-pass-1' } }),
      'token/user with a wrong password');
    if (r.code !== 200) {
      r.code satisfies ErrorCode;
      const e: ErrorEnvelope = r;
      check(e.code === 11001 && e.message.length > 0, `wrong password: ${JSON.stringify(e)}`);
    } else {
      throw new Failed(`a wrong password logged in: ${JSON.stringify(r.data)}`);
    }
    made.add('users');
  });

step('read and update the profile (as the user, and as the app admin acting for the user)',
  [['GET', '/user/profile'], ['PUT', '/user/profile']], ['users'], async (c) => {
    const alice = userOf(c, 'alice');
    let p = (await ok(getProfile({ client: alice }), 'profile')).data;
    check(p.user_id === idOf(c, 'alice') && p.username === `alice_${RUN}`, `profile: ${JSON.stringify(p)}`);
    const updated = await ok(updateProfile({ client: alice, body: { nick_name: 'Alice from TypeScript', description: 'generated client', public_info: 'hello' } }),
      'update profile');
    check(updated.data === true, `update profile answered ${JSON.stringify(updated.data)}`);
    p = (await ok(getProfile({ client: alice }), 'profile after update')).data;
    check(p.nick_name === 'Alice from TypeScript' && p.description === 'generated client' && p.public_info === 'hello',
      `profile after update: ${JSON.stringify(p)}`);
    // a second client: the admin token acting as alice (the act_as_user scheme), set once
    const adminAsAlice = clientFor({ token: ADMIN_TOKEN, actAsUser: idOf(c, 'alice') });
    p = (await ok(getProfile({ client: adminAsAlice }), 'profile as the admin acting as alice')).data;
    check(p.user_id === idOf(c, 'alice') && p.nick_name === 'Alice from TypeScript', `admin's view: ${JSON.stringify(p)}`);
    await ok(updateProfile({ client: adminAsAlice, body: { private_info: 'set by the admin' } }), 'update profile as the admin');
    p = (await ok(getProfile({ client: alice }), 'profile after the admin')).data;
    check(p.private_info === 'set by the admin' && p.nick_name === 'Alice from TypeScript', `profile after the admin: ${JSON.stringify(p)}`);
    // README example begin: hey-api per call
    // Per call, `auth` is a callback keyed by the scheme's header too: a bare token
    // (`auth: token`) is sent in every scheme the operation lists, as app_id and user_id as well.
    const token = await tokenOf(c, 'alice');
    const perCall = await getProfile({
      client: c.anon,
      auth: (scheme) => (scheme.name === 'access-token' ? token : scheme.name === 'app_id' ? APP_ID : undefined),
    });
    // README example end
    const viaCallback = await ok(Promise.resolve(perCall), 'profile with a per-call auth callback');
    check(viaCallback.data.user_id === idOf(c, 'alice'), `per-call auth: ${JSON.stringify(viaCallback.data)}`);
    const bare = await answer(getProfile({ client: c.anon, auth: token }), 'profile with a bare per-call token');
    check(bare.code !== 200, `a bare per-call token was taken: ${JSON.stringify(bare)}`);
    // a user token naming another user is refused
    await refused(getProfile({ client: clientFor({ token: await tokenOf(c, 'alice'), actAsUser: idOf(c, 'bob') }) }),
      10010, 'a user token acting as another user');
  });

/** A fresh token of `who` (for a client with other headers than the one made at login). */
async function tokenOf(c: Ctx, who: Who): Promise<string> {
  const env = await ok(loginByName({ client: c.anon, body: { name: `${who}_${RUN}`, password: 'secret-pass-1', device_guid: `ts-${who}-2` } }),
    `token/user ${who} again`);
  return env.data.token;
}

step('update settings and read them back', [['GET', '/user/settings'], ['PUT', '/user/settings']], ['users'], async (c) => {
  const alice = userOf(c, 'alice');
  await ok(updateUserSettings({ client: alice, body: { user_id: idOf(c, 'alice'), no_push: true, no_push_start_hour: 22, no_push_end_hour: 7, vibratory: false, push_nick_name: 'Al' } }),
    'update settings');
  const s = (await ok(getUserSettings({ client: alice }), 'settings')).data;
  check(s.user_id === idOf(c, 'alice') && s.no_push && s.no_push_start_hour === 22 && s.no_push_end_hour === 7 && !s.vibratory
    && s.push_nick_name === 'Al', `settings after update: ${JSON.stringify(s)}`);
  // null clears a text field
  await ok(updateUserSettings({ client: alice, body: { user_id: idOf(c, 'alice'), push_nick_name: null } }), 'clear push_nick_name');
  const cleared = (await ok(getUserSettings({ client: alice }), 'settings after clearing')).data;
  check(cleared.push_nick_name == null && cleared.no_push_start_hour === 22, `settings after clearing: ${JSON.stringify(cleared)}`);
  // bob wants to confirm invitations: inviting him leaves a pending invitation
  const bob = userOf(c, 'bob');
  await ok(updateUserSettings({ client: bob, body: { user_id: idOf(c, 'bob'), group_confirm: true } }), 'bob: group_confirm');
  const b = (await ok(getUserSettings({ client: bob }), "bob's settings")).data;
  check(b.group_confirm, `bob's settings: ${JSON.stringify(b)}`);
  c.bobConfirms = true;
  made.add('bobConfirms');
});

step('create a group', [['POST', '/group/create'], ['GET', '/group/info']], ['users'], async (c) => {
  const env = await ok(createGroup({ client: userOf(c, 'alice'), body: { name: `ts group ${RUN}`, description: 'made by the generated client' } }),
    'group/create');
  const g = env.data;
  check(g.owner_id === idOf(c, 'alice') && g.count === 1 && g.status === GroupStatus.Normal, `created group: ${JSON.stringify(g)}`);
  c.gid = g.group_id;
  const info = await groupInfo(c);
  check(info.group_id === g.group_id && info.name === `ts group ${RUN}` && info.owner_id === idOf(c, 'alice') && info.count === 1,
    `group/info after create: ${JSON.stringify(info)}`);
  made.add('gid');
});

step('invite: carol joins at once, bob gets an invitation and accepts it',
  [['POST', '/group/invite'], ['GET', '/group/invitation_list'], ['PUT', '/group/invite/handle'], ['GET', '/group/member_list']],
  ['gid', 'bobConfirms'], async (c) => {
    const gid = groupOf(c);
    const res = (await ok(inviteToGroup({ client: userOf(c, 'alice'), body: { group_id: gid, user_list: [idOf(c, 'carol'), idOf(c, 'bob')], reason: 'join us' } }),
      'invite carol and bob')).data;
    check(res.length === 2 && res.every((r) => r.result === ItemResult.Success), `invite answer: ${JSON.stringify(res)}`);
    let { ids } = await members(c);
    check(ids.includes(idOf(c, 'carol')) && !ids.includes(idOf(c, 'bob')), `after invite, members ${ids}`);
    const bob = userOf(c, 'bob');
    const inv = await ok(listInvitations({ client: bob }), "bob's invitation_list");
    const pending = inv.data.filter((i) => i.group_id === gid);
    check(pending.length === 1 && pending[0].status === GroupRequestStatus.Pending && pending[0].inviter_id === idOf(c, 'alice') && pending[0].invitee_id === idOf(c, 'bob'),
      `bob's invitations: ${JSON.stringify(inv.data)}`);
    await ok(handleInvitation({ client: bob, body: { approval: true, group_id: gid, user_id: idOf(c, 'alice') } }), 'bob accepts');
    const after = (await ok(listInvitations({ client: bob }), "bob's invitation_list after accepting")).data;
    check(JSON.stringify(after.filter((i) => i.group_id === gid).map((i) => i.status)) === '[1]', `handled invitation: ${JSON.stringify(after)}`);
    ({ ids } = await members(c));
    const want = [idOf(c, 'alice'), idOf(c, 'carol'), idOf(c, 'bob')];
    check(JSON.stringify(ids) === JSON.stringify(want), `members after invitations: ${ids} != ${want}`);
    c.joined = ids;
    made.add('joined');
  });

step('list members in pages of 4 with the cursor (after inviting ten more)',
  [['POST', '/group/invite'], ['GET', '/group/member_list']], ['joined', 'batch'], async (c) => {
    const res = (await ok(inviteToGroup({ client: userOf(c, 'alice'), body: { group_id: groupOf(c), user_list: c.batch } }), 'invite ten')).data;
    check(res.filter((r) => r.result === ItemResult.Success).length === c.batch.length, `invite ten: ${JSON.stringify(res)}`);
    c.joined.push(...c.batch);
    const { ids, pages, totals } = await members(c, 4);
    const n = c.joined.length;
    check(new Set(ids).size === ids.length, `a member repeated across pages: ${ids}`);
    check(JSON.stringify(ids) === JSON.stringify(c.joined), `paged members ${ids} != joined order ${c.joined}`);
    check(pages === Math.ceil(n / 4) && totals.size === 1 && totals.has(n), `${pages} pages, totals ${[...totals]} for ${n} members`);
    check((await groupInfo(c)).count === n, 'group count after paging');
  });

step('moderation: mute carol for ten minutes', [['POST', '/group/ban'], ['GET', '/group/banned_list']], ['joined'], async (c) => {
  const before = Date.now();
  const res = (await ok(muteMembers({ client: userOf(c, 'alice'), body: { group_id: groupOf(c), user_list: [idOf(c, 'carol')], duration: 10 } }),
    'mute carol')).data;
  check(res.length === 1 && res[0].user_id === idOf(c, 'carol') && res[0].result === ItemResult.Success, `mute answer: ${JSON.stringify(res)}`);
  const muted = (await ok(listMutedMembers({ client: userOf(c, 'alice'), query: { group_id: groupOf(c) } }), 'banned_list')).data;
  check(muted.length === 1 && muted[0].user_id === idOf(c, 'carol'), `muted: ${JSON.stringify(muted)}`);
  const until = muted[0].expired_time;
  check(before + 9 * 60_000 < until && until <= Date.now() + 10 * 60_000 + 1000, `mute end ${until}`);
});

step('moderation: block a member; he leaves and is on the blocked list',
  [['POST', '/group/block'], ['GET', '/group/blocked_list'], ['GET', '/group/member_list']], ['joined', 'batch'], async (c) => {
    const target = c.batch[0];
    const res = (await ok(blockUsers({ client: userOf(c, 'alice'), body: { group_id: groupOf(c), user_list: [target] } }), 'block')).data;
    check(res.length === 1 && res[0].user_id === target && res[0].result === ItemResult.Success, `block answer: ${JSON.stringify(res)}`);
    const blocked = await ok(listBlockedUsers({ client: userOf(c, 'alice'), query: { group_id: groupOf(c) } }), 'blocked_list');
    const rows = blocked.data;
    check(rows.length === 1 && rows[0].user_id === target && rows[0].group_id === groupOf(c) && blocked.total === 1,
      `blocked: ${JSON.stringify(blocked)}`);
    c.joined = c.joined.filter((u) => u !== target);
    const { ids } = await members(c);
    check(JSON.stringify(ids) === JSON.stringify(c.joined) && (await groupInfo(c)).count === c.joined.length, `members after block: ${ids}`);
  });

step('post an announcement; a member reads it, a non-member gets 20011',
  [['POST', '/group/announcement/edit'], ['GET', '/group/announcement/last']], ['joined'], async (c) => {
    const gid = groupOf(c);
    const a = (await ok(publishAnnouncement({ client: userOf(c, 'alice'), body: { group_id: gid, title: 'Welcome', content: 'Read the rules, then say hello.' } }),
      'announcement/edit')).data;
    check(a.group_id === gid && a.author === idOf(c, 'alice') && a.title === 'Welcome', `announcement: ${JSON.stringify(a)}`);
    // data is null on success when the group has no announcement: here it has one
    const last = (await ok(getLatestAnnouncement({ client: userOf(c, 'carol'), query: { group_id: gid } }), 'announcement/last as carol')).data;
    check(last !== null, 'announcement/last: null although the group has one');
    check(last.id === a.id && last.title === 'Welcome' && last.content === 'Read the rules, then say hello.', `last announcement: ${JSON.stringify(last)}`);
    const e = await refused(getLatestAnnouncement({ client: userOf(c, 'dave'), query: { group_id: gid } }), 20011, 'a non-member reads it');
    e.code satisfies ErrorCode;
  });

step('sign a QR invite; erin joins with it', [['GET', '/group/qrcode/sign'], ['POST', '/group/qrcode/invite']], ['joined'], async (c) => {
  const q = (await ok(getGroupQrCode({ client: userOf(c, 'alice'), query: { group_id: groupOf(c) } }), 'qrcode/sign')).data;
  check(q.qr_info.length > 0 && q.expire_at > q.create_at, `qr code: ${JSON.stringify(q)}`);
  const tampered = q.qr_info.slice(0, -2) + (q.qr_info.endsWith('AA') ? 'BB' : 'AA');
  await refused(joinByQrCode({ client: userOf(c, 'erin'), body: { qr_info: tampered } }), 20024, 'a tampered QR code');
  const j = (await ok(joinByQrCode({ client: userOf(c, 'erin'), body: { qr_info: q.qr_info } }), 'qrcode/invite as erin')).data;
  check(j.group_id === groupOf(c), `qr joined: ${JSON.stringify(j)}`);
  c.joined.push(idOf(c, 'erin'));
  const { ids } = await members(c);
  check(JSON.stringify(ids) === JSON.stringify(c.joined), `members after QR join: ${ids}`);
});

// FRIENDS (issue 16, the roster API): alice confirms friend requests (auth_mode 1), dave asks,
// alice accepts; erin (auth_mode 0, the default) is befriended by carol at once.
step('friends: dave asks alice, she accepts; carol befriends erin at once; each lists the other',
  [['PUT', '/user/settings'], ['POST', '/roster/apply'], ['GET', '/roster/apply/list'], ['PUT', '/roster/accept'],
    ['GET', '/roster/list'], ['POST', '/roster/list']], ['users'], async (c) => {
    const [alice, dave] = [userOf(c, 'alice'), userOf(c, 'dave')];
    await ok(updateUserSettings({ client: alice, body: { user_id: idOf(c, 'alice'), auth_mode: AuthMode.NeedsConsent } }), 'alice: auth_mode 1');
    const applied = await ok(requestFriend({ client: dave, body: { user_id: idOf(c, 'alice'), reason: 'hi from dave' } }), 'dave asks alice');
    check(applied.data === true, `roster/apply answered ${JSON.stringify(applied.data)}`);
    const requests = await ok(listFriendRequests({ client: alice, query: { limit: 10 } }), "alice's friend requests");
    const pending = requests.data;
    check(pending.length === 1 && pending[0].user_id === idOf(c, 'dave') && pending[0].status === FriendRequestStatus.Pending && pending[0].reason === 'hi from dave'
      && requests.total === 1, `alice's friend requests: ${JSON.stringify(requests)}`);
    const friendsOf = async (client: Client, what: string): Promise<number[]> =>
      (await ok(listFriends({ client }), what)).data;
    check((await friendsOf(alice, "alice's friends before accepting")).length === 0, 'alice has friends before accepting');
    await ok(acceptFriendRequest({ client: alice, query: { user_id: idOf(c, 'dave') } }), 'alice accepts');
    await refused(acceptFriendRequest({ client: alice, query: { user_id: idOf(c, 'dave') } }), 10007, 'accepting twice');
    check(JSON.stringify(await friendsOf(alice, "alice's friends")) === JSON.stringify([idOf(c, 'dave')]), "alice's friends");
    check(JSON.stringify(await friendsOf(dave, "dave's friends")) === JSON.stringify([idOf(c, 'alice')]), "dave's friends");
    // carol asks erin, whose auth_mode is 0: friends at once, both ways
    await ok(requestFriend({ client: userOf(c, 'carol'), body: { user_id: idOf(c, 'erin'), alias: 'Erin' } }), 'carol asks erin');
    check(JSON.stringify(await friendsOf(userOf(c, 'erin'), "erin's friends")) === JSON.stringify([idOf(c, 'carol')]), "erin's friends");
    const items = (await ok(getRosterItems({ client: userOf(c, 'carol'), body: { list: [idOf(c, 'erin'), idOf(c, 'dave')] } }),
      "carol's roster items")).data;
    check(items.length === 2 && items[0].user_id === idOf(c, 'erin') && items[0].relation === RosterRelation.Friend && items[0].alias === 'Erin'
      && items[1].user_id === idOf(c, 'dave') && items[1].relation === RosterRelation.Stranger && items[1].alias == null, `roster items: ${JSON.stringify(items)}`);
  });

// MESSAGES (chapter 5): alice writes to bob twice; bob reads his unread, pages the history one
// message at a time following next_msg_id, acks the newest; alice recalls the first.
/** The caller's whole history with `oppositeId`, newest first, in pages of `limit` until is_last. */
async function history(client: Client, oppositeId: number, limit = 1): Promise<{ msgs: SessionMessage[]; pages: number }> {
  const msgs: SessionMessage[] = [];
  let start = 0; // 0: from the newest
  for (let pages = 1; ; pages++) {
    const page = (await ok(getConversationMessages({ client, query: { opposite_id: oppositeId, msg_id_start: start, limit } }),
      `history with ${oppositeId} from ${start}`)).data;
    check(page.messages.length <= limit, `history page ${pages}: ${page.messages.length} messages for limit ${limit}`);
    msgs.push(...page.messages);
    if (page.is_last) {
      check(page.next_msg_id === 0, `the last page's next_msg_id: ${page.next_msg_id}`);
      return { msgs, pages };
    }
    const oldest = page.messages.at(-1);
    check(oldest !== undefined && page.next_msg_id > 0 && page.next_msg_id < oldest.msg_id && pages < 1000,
      `history page ${pages} continues at ${page.next_msg_id}: ${JSON.stringify(page)}`);
    start = page.next_msg_id;
  }
}

step('messages: alice writes to bob twice; bob reads his unread, pages the history, acks; alice recalls one',
  [['POST', '/message/send'], ['GET', '/message/unread'], ['GET', '/message/conversation'], ['GET', '/message/ack'],
    ['PUT', '/message/recall']], ['users'], async (c) => {
    const [alice, bob] = [userOf(c, 'alice'), userOf(c, 'bob')];
    const [a, b] = [idOf(c, 'alice'), idOf(c, 'bob')];
    const texts = ['hello bob', 'are you there?'];
    const sent: number[] = [];
    for (const content of texts) {
      const env = await ok(sendMessagePost({ client: alice, body: { type: 1, targets: [b], content_type: 0, content, attachment: '' } }),
        `alice sends ${JSON.stringify(content)}`);
      check(env.data && env.msg_ids !== null && env.msg_ids.length === 1 && env.msg_ids[0] > 0, `send answer: ${JSON.stringify(env)}`);
      sent.push(env.msg_ids[0]);
    }
    const [first, newest] = sent;
    check(first < newest, `msg_ids not rising: ${sent}`);
    const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);

    let unread = (await ok(listUnread({ client: bob }), "bob's unread")).data;
    check(same(unread.map((u) => [u.conversation_id.uid, u.num]), [[a, 2]]), `bob's unread: ${JSON.stringify(unread)}`);
    check((await ok(listUnread({ client: alice }), "alice's unread")).data.length === 0, 'what alice sent is unread to her');

    let { msgs, pages } = await history(bob, a);
    check(pages === 2, `two messages in pages of 1: ${pages} pages`);
    check(same(msgs.map((m) => [m.msg_id, m.content, m.from_xid.uid, m.to_xid.uid, m.ctype, m.recalled, m.system, m.status]),
      [[newest, texts[1], a, b, 'TEXT', false, false, 'UNREAD'], [first, texts[0], a, b, 'TEXT', false, false, 'UNREAD']]),
    `bob's history, newest first: ${JSON.stringify(msgs)}`);

    const acked = await ok(ackMessages({ client: bob, query: { conversation_id: a, msg_id: newest } }), 'bob acks the newest');
    check(acked.data, `ack answered ${JSON.stringify(acked.data)}`);
    unread = (await ok(listUnread({ client: bob }), "bob's unread after the ack")).data;
    check(unread.length === 0, `bob's unread after the ack: ${JSON.stringify(unread)}`);
    ({ msgs } = await history(alice, b, 10));
    check(same(msgs.map((m) => [m.msg_id, m.status]), [[newest, 'READ'], [first, 'READ']]),
      `alice's history after bob's ack: ${JSON.stringify(msgs)}`);

    const recalled = await ok(recallMessage({ client: alice, body: { conversation_id: b, msg_id: first } }), 'alice recalls the first');
    check(recalled.data, `recall answered ${JSON.stringify(recalled.data)}`);
    ({ msgs, pages } = await history(bob, a));
    check(pages === 2, `the tombstone keeps its place: ${pages} pages`);
    check(same(msgs.map((m) => [m.msg_id, m.recalled, m.content, m.attachment, m.ext]), [[newest, false, texts[1], '', ''], [first, true, '', '', '']]),
      `bob's history after the recall: ${JSON.stringify(msgs)}`);
  });

// -- main -------------------------------------------------------------------------------------
async function main(): Promise<number> {
  const c: Ctx = {
    anon: clientFor({}),
    admin: clientFor({ token: ADMIN_TOKEN }),
    ids: new Map(),
    users: new Map(),
    batch: [],
    joined: [],
  };
  let ran = 0;
  const skipped: string[] = [];
  const failed: string[] = [];
  for (const s of STEPS) {
    const missing = s.routes.filter(([m, p]) => !hasRoute(m, p)).map(([m, p]) => `${m} ${p}`);
    const unmet = s.needs.filter((n) => !made.has(n));
    if (missing.length > 0 || unmet.length > 0) {
      const why = missing.length > 0 ? `route not in the spec: ${missing.join(', ')}` : `needs a skipped or failed step: ${unmet.join(', ')}`;
      console.log(`SKIP  ${s.title} (${why})`);
      skipped.push(s.title);
      continue;
    }
    const t0 = performance.now();
    try {
      await s.run(c);
    } catch (e) {
      failed.push(s.title);
      console.log(`FAIL  ${s.title}: ${e instanceof Error ? e.message : String(e)}`);
      if (!(e instanceof Failed) && e instanceof Error) console.log(e.stack);
      continue;
    }
    ran++;
    console.log(`ok    ${s.title} (${Math.round(performance.now() - t0)} ms)`);
  }
  console.log(`ts journey: ${ran} steps passed, ${skipped.length} skipped, ${failed.length} failed`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
