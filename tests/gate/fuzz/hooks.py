"""Schemathesis hooks of check_10_schemathesis (loaded through SCHEMATHESIS_HOOKS).

The fuzz driver (fuzz.py) passes the server and the identity through environment variables:
  FUZZ_BASE, FUZZ_APP_ID    the running server and its app
  FUZZ_TOKEN_KIND           "admin": the app admin token FUZZ_ADMIN_TOKEN on every case;
                            "user": a user token of FUZZ_USER_NAME / FUZZ_USER_PASSWORD,
                            re-issued after a fuzzed call (kick, device/remove, token/unbind)
                            has ended it (answered 10008), so the whole pass runs with a live user token.
In the admin pass the `user_id` / `group_id` headers stay fuzzed as the spec documents them; small
integers, which the generator favours, are the real users and the group that fuzz.py creates. In the
user pass `group_id` is dropped and `user_id`, when generated, is the user's own id.
"""
import json
import os
import urllib.request

import schemathesis

BASE = os.environ["FUZZ_BASE"]
APP_ID = os.environ["FUZZ_APP_ID"]
KIND = os.environ.get("FUZZ_TOKEN_KIND", "admin")


def _post(path, body, token=None):
    headers = {"app_id": APP_ID, "content-type": "application/json"}
    if token:
        headers["access-token"] = token
    req = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


class _UserToken:
    token = None

    def live(self):
        if self.token:
            return self.token
        name, password = os.environ["FUZZ_USER_NAME"], os.environ["FUZZ_USER_PASSWORD"]
        env = _post("/token/user", {"name": name, "password": password, "device_guid": "fuzz"})
        if env.get("code") != 200:
            # The fuzzer may have disabled the user or renamed it (admin pass only, but be safe):
            # carry on with the last token; its calls still exercise auth and input parsing.
            return self.token or "invalid"
        self.token = env["data"]["token"]
        return self.token


_USER = _UserToken()


@schemathesis.auth(refresh_interval=None)
class Identity:
    """access-token and app_id on every generated case (the fuzzed values are replaced)."""

    def get(self, case, context):
        if KIND == "admin":
            return os.environ["FUZZ_ADMIN_TOKEN"]
        return _USER.live()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["access-token"] = data
        case.headers["app_id"] = APP_ID
        if KIND == "user":
            # With a user token, user_id may only be the token's own id and group_id is always
            # refused (10010, documented): fuzzing them would stop nearly every call there, before
            # the rules under test. The admin pass fuzzes both headers.
            case.headers.pop("group_id", None)
            if "user_id" in case.headers:
                case.headers["user_id"] = os.environ["FUZZ_USER_ID"]


@schemathesis.hook
def after_call(context, case, response):
    """A call answered 10008 (the token ended: kick, device/remove, token/unbind): log in again
    before the next case."""
    if KIND != "user" or _USER.token is None:
        return
    try:
        code = response.json().get("code")
    except Exception:  # not JSON or not an object: nothing to learn
        return
    if code == 10008 and case.headers and case.headers.get("access-token") == _USER.token:
        _USER.token = None
