// The user journey through openapi-generator's typescript-fetch client (7.26), generated from
// openapi/openapi.json into $GATE_OUT/ts/fetch by check_35_ts_sdk, type-checked with this file
// under strict tsc and run (tsx) against a real server that run.py started.
//
// typescript-fetch parses every answer at run time (its `oneOf` deserializer picks a member of
// "success envelope | ErrorEnvelope" by checks on the keys): this journey reads the values it
// parsed, so a member picked wrongly (a paged answer read as an ErrorEnvelope, losing data, cursor
// and total) fails here. Same habits as journey.ts: no non-null assertion, cast, `any` or
// type-ignore (lint.ts), and `code === 200` narrows an answer to its success envelope.
import {
  AuthMode,
  Configuration,
  ErrorCode,
  FriendRequestStatus,
  FriendsApi,
  GroupInvitationsAndApplicationsApi,
  GroupLifecycleApi,
  GroupMembersApi,
  GroupModerationApi,
  GroupStatus,
  ItemResult,
  MessagesApi,
  TokensApi,
  UserAdministrationApi,
  UserDevicesApi,
  UserProfileApi,
  UserRegistrationApi,
  UserSettingsApi,
  type ErrorEnvelope,
  type SessionMessage,
} from 'imserver-fetch';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run.py sets it)`);
  return v;
}

const BASE = env('GATE_BASE');
const APP_ID = env('GATE_APP_ID');
const ADMIN_TOKEN = env('GATE_ADMIN_TOKEN');
const RUN = Math.random().toString(16).slice(2, 8);

class Failed extends Error {}

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Failed(what);
}

/** The success envelope (code 200, message null): the check on `code` narrows the union. */
async function ok<T extends { code: 200 }>(call: Promise<T | ErrorEnvelope>, what: string): Promise<T> {
  const r = await call;
  if (r.code !== 200) throw new Failed(`${what}: code ${r.code}, message ${JSON.stringify(r.message)}`);
  return r;
}

/** The error envelope of a refused call, whose code must be `expected`. */
async function refused<T extends { code: 200 }>(
  call: Promise<T | ErrorEnvelope>,
  expected: ErrorCode,
  what: string,
): Promise<ErrorEnvelope> {
  const r = await call;
  if (r.code === 200) throw new Failed(`${what}: expected code ${expected}, got a success`);
  check(r.code === expected && r.message.length > 0, `${what}: expected code ${expected}, got ${JSON.stringify(r)}`);
  return r;
}

// README example begin: typescript-fetch
/** The APIs of one identity: app_id on every call, the token when there is one. */
function apis(token?: string) {
  const headers: Record<string, string> = { app_id: APP_ID };
  if (token !== undefined) headers['access-token'] = token;
  const config = new Configuration({ basePath: BASE, headers });
  return {
    registration: new UserRegistrationApi(config),
    tokens: new TokensApi(config),
    profile: new UserProfileApi(config),
    settings: new UserSettingsApi(config),
    groups: new GroupLifecycleApi(config),
    invites: new GroupInvitationsAndApplicationsApi(config),
    members: new GroupMembersApi(config),
    moderation: new GroupModerationApi(config),
    friends: new FriendsApi(config),
    devices: new UserDevicesApi(config),
    users: new UserAdministrationApi(config),
  };
}
// README example end

/** The messages API of one identity, configured as apis() configures the others. */
function messagesOf(token: string): MessagesApi {
  return new MessagesApi(new Configuration({ basePath: BASE, headers: { app_id: APP_ID, 'access-token': token } }));
}

async function main(): Promise<void> {
  const anon = apis();
  const admin = apis(ADMIN_TOKEN);

  // register: alice without a token, five more through the app admin token
  const names = ['alice', 'bob', 'm1', 'm2', 'm3', 'm4'].map((n) => `f${n}_${RUN}`);
  const ids: number[] = [];
  for (const [i, username] of names.entries()) {
    const via = i === 0 ? anon : admin;
    const r = await ok(via.registration.registerUser({ registerReq: { username, password: 'secret-pass-1' } }), `register ${username}`);
    check(r.message === null && r.data.userId > 0, `register ${username}: ${JSON.stringify(r)}`);
    ids.push(r.data.userId);
  }
  const [aliceId, bobId] = ids;
  console.log(`ok    registered ${ids.length} users`);

  // log in; a wrong password is an ErrorEnvelope with code 11001 (WrongPassword)
  const login = async (username: string) =>
    (await ok(anon.tokens.loginByName({ tokenByNameReq: { name: username, password: 'secret-pass-1', deviceGuid: `fetch-${username}` } }),
      `log in ${username}`)).data;
  const aliceLogin = await login(names[0]);
  check(aliceLogin.userId === aliceId && aliceLogin.token.length > 0, `alice's token: ${JSON.stringify(aliceLogin)}`);
  const alice = apis(aliceLogin.token);
  const bobToken = (await login(names[1])).token;
  const bob = apis(bobToken);
  const wrong = await refused(anon.tokens.loginByName({ tokenByNameReq: { name: names[0], password: 'wrong-pass-1' } }),
    11001, 'a wrong password');
  check(wrong.code === ErrorCode.WrongPassword, `wrong password: ${JSON.stringify(wrong)}`);
  console.log('ok    logged in; a wrong password answered 11001');

  // the profile, updated and read back
  await ok(alice.profile.updateProfile({ profileUpdate: { nickName: 'Alice via fetch' } }), 'update profile');
  const profile = (await ok(alice.profile.getProfile(), 'profile')).data;
  check(profile.userId === aliceId && profile.username === names[0] && profile.nickName === 'Alice via fetch',
    `profile: ${JSON.stringify(profile)}`);
  console.log('ok    profile updated and read back');

  // a group with six members, listed in pages of 4: two pages, the cursor and total kept
  const group = (await ok(alice.groups.createGroup({ createGroupReq: { name: `fetch group ${RUN}` } }), 'create group')).data;
  check(group.ownerId === aliceId && group.status === GroupStatus.Normal, `group: ${JSON.stringify(group)}`);
  const invited = (await ok(alice.invites.inviteToGroup({ inviteReq: { groupId: group.groupId, userList: ids.slice(1) } }),
    'invite five')).data;
  check(invited.length === 5 && invited.every((r) => r.result === ItemResult.Success), `invite: ${JSON.stringify(invited)}`);
  const first = await ok(alice.members.listGroupMembers({ groupId: group.groupId, limit: 4 }), 'member page 1');
  check(first.data.length === 4 && first.total === 6 && typeof first.cursor === 'string', `page 1: ${JSON.stringify(first)}`);
  const second = await ok(alice.members.listGroupMembers({ groupId: group.groupId, limit: 4, cursor: first.cursor }),
    'member page 2');
  check(second.data.length === 2 && second.total === 6 && second.cursor === null, `page 2: ${JSON.stringify(second)}`);
  const paged = [...first.data, ...second.data].map((m) => m.userId);
  check(JSON.stringify(paged) === JSON.stringify(ids), `members ${paged} != ${ids}`);
  // a paged operation's error answer is its ErrorEnvelope, not an empty page
  await refused(bob.members.listGroupMembers({ groupId: group.groupId + 1_000_000 }), 20001, 'members of no group');
  console.log('ok    members paged over two pages; a paged error read by its code');

  // a friend request: bob confirms requests (auth_mode 1), alice asks, bob accepts
  await ok(bob.settings.updateUserSettings({ userSettingsUpdate: { userId: bobId, authMode: AuthMode.NeedsConsent } }), 'bob: auth_mode 1');
  await ok(alice.friends.requestFriend({ rosterApplyReq: { userId: bobId, reason: 'hi from fetch' } }), 'alice asks bob');
  const requests = await ok(bob.friends.listFriendRequests({ limit: 10 }), "bob's friend requests");
  check(requests.total === 1 && requests.data.length === 1 && requests.data[0].userId === aliceId
    && requests.data[0].status === FriendRequestStatus.Pending, `bob's requests: ${JSON.stringify(requests)}`);
  await ok(bob.friends.acceptFriendRequest({ userId: aliceId }), 'bob accepts');
  await refused(bob.friends.acceptFriendRequest({ userId: aliceId }), 10007, 'accepting twice');
  const friends = (await ok(alice.friends.listFriends(), "alice's friends")).data;
  check(JSON.stringify(friends) === JSON.stringify([bobId]), `alice's friends: ${friends}`);
  console.log('ok    friend request asked, listed, accepted');

  // messages: alice writes to bob twice; bob reads his unread, pages the history one message at
  // a time following nextMsgId, acks the newest; alice recalls the first
  const [aliceMsgs, bobMsgs] = [messagesOf(aliceLogin.token), messagesOf(bobToken)];
  const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);
  const texts = ['hello bob', 'are you there?'];
  const sent: number[] = [];
  for (const content of texts) {
    const r = await ok(aliceMsgs.sendMessagePost({ messageRequest: { type: 1, targets: [bobId], contentType: 0, content, attachment: '' } }),
      `alice sends ${JSON.stringify(content)}`);
    check(r.message === null && r.data && r.msgIds !== null && r.msgIds.length === 1 && r.msgIds[0] > 0, `send: ${JSON.stringify(r)}`);
    sent.push(r.msgIds[0]);
  }
  const [firstMsg, newestMsg] = sent;
  check(firstMsg < newestMsg, `msg_ids not rising: ${sent}`);
  const unread = async (api: MessagesApi, what: string) => (await ok(api.listUnread(), what)).data;
  const before = await unread(bobMsgs, "bob's unread");
  check(same(before.map((u) => [u.conversationId.uid, u.num]), [[aliceId, 2]]), `bob's unread: ${JSON.stringify(before)}`);
  /** The whole history with `oppositeId`, newest first, in pages of `limit` until isLast. */
  const history = async (api: MessagesApi, oppositeId: number, limit = 1) => {
    const msgs: SessionMessage[] = [];
    let msgIdStart = 0;
    for (let pages = 1; ; pages++) {
      const page = (await ok(api.getConversationMessages({ oppositeId, msgIdStart, limit }), `history from ${msgIdStart}`)).data;
      check(page.messages.length <= limit, `history page ${pages}: ${JSON.stringify(page)}`);
      msgs.push(...page.messages);
      if (page.isLast) {
        check(page.nextMsgId === 0, `the last page's nextMsgId: ${page.nextMsgId}`);
        return { msgs, pages };
      }
      check(page.nextMsgId > 0 && pages < 1000, `history page ${pages} continues at ${page.nextMsgId}`);
      msgIdStart = page.nextMsgId;
    }
  };
  let { msgs, pages: historyPages } = await history(bobMsgs, aliceId);
  check(historyPages === 2 && same(msgs.map((m) => [m.msgId, m.content, m.fromXid.uid, m.toXid.uid, m.ctype, m.recalled, m.status]),
    [[newestMsg, texts[1], aliceId, bobId, 'TEXT', false, 'UNREAD'], [firstMsg, texts[0], aliceId, bobId, 'TEXT', false, 'UNREAD']]),
  `bob's history in ${historyPages} pages: ${JSON.stringify(msgs)}`);
  const acked = await ok(bobMsgs.ackMessages({ conversationId: aliceId, msgId: newestMsg }), 'bob acks the newest');
  check(acked.data, `ack: ${JSON.stringify(acked)}`);
  const after = await unread(bobMsgs, "bob's unread after the ack");
  check(after.length === 0, `bob's unread after the ack: ${JSON.stringify(after)}`);
  const recalled = await ok(aliceMsgs.recallMessage({ recallRequest: { conversationId: bobId, msgId: firstMsg } }), 'alice recalls the first');
  check(recalled.data, `recall: ${JSON.stringify(recalled)}`);
  ({ msgs, pages: historyPages } = await history(bobMsgs, aliceId));
  check(historyPages === 2 && same(msgs.map((m) => [m.msgId, m.recalled, m.content, m.status]),
    [[newestMsg, false, texts[1], 'READ'], [firstMsg, true, '', 'READ']]),
  `bob's history after the ack and the recall: ${JSON.stringify(msgs)}`);
  console.log('ok    messages sent, unread listed, history paged by one, acked, one recalled');

  // every paged operation: its answer parses as its page (data and total kept), not as an error
  const pages: Array<[string, Promise<{ code: 200; data: unknown[]; total: number } | ErrorEnvelope>, number]> = [
    ['listGroupMembers', alice.members.listGroupMembers({ groupId: group.groupId }), 6],
    ['listMutedMembers', alice.moderation.listMutedMembers({ groupId: group.groupId }), 0],
    ['listBlockedUsers', alice.moderation.listBlockedUsers({ groupId: group.groupId }), 0],
    ['listInvitations', bob.invites.listInvitations(), 0],
    ['listApplications', alice.invites.listApplications({ applicationListReq: { groupList: [group.groupId] } }), 0],
    ['listFriendRequests', bob.friends.listFriendRequests(), 1],
    ['listFriends', bob.friends.listFriends(), 1],
    ['listDevices', alice.devices.listDevices(), 1],
    ['listUsers', admin.users.listUsers({ pageSize: 1 }), 1],
  ];
  for (const [name, call, rows] of pages) {
    const page = await ok(call, name);
    check(Array.isArray(page.data) && page.data.length === rows && typeof page.total === 'number' && page.total >= rows,
      `${name}: ${JSON.stringify(page)}`);
  }
  console.log(`ok    the ${pages.length} paged operations answered their pages`);
  console.log('typescript-fetch journey: passed');
}

main().catch((e: unknown) => {
  console.log(`FAIL  ${e instanceof Error ? e.message : String(e)}`);
  if (!(e instanceof Failed) && e instanceof Error) console.log(e.stack);
  process.exitCode = 1;
});
