"""check_40_swagger_ui: start a real server (gate.Server), register a user, drive Swagger UI in
chromium (swagger.mjs), then check through the API that what the browser did happened."""
import json
import os
import subprocess
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import gate  # noqa: E402


def main():
    shots = gate.out_dir("swagger")
    name = "made in Swagger UI " + os.urandom(3).hex()
    with gate.Server("swagger") as srv:
        errors = []
        # The first-start banner (stdout, copied to the log) tells the Authorize way this check
        # takes: app_id and the token entered once, not app_id filled on each call.
        with open(srv.log_path, errors="replace") as f:
            banner = f.read().partition("First start")[2].partition("curl -s")[0]
        authorize = banner.partition("Open ")[2]
        if "Authorize" not in authorize or "app_id and the admin token" not in authorize or "each call" in authorize:
            errors.append(f"the first-start banner does not tell the Authorize way: {authorize!r}")
        user = srv.register_user("swagger_user")
        env = dict(os.environ, GATE_BASE=srv.base, GATE_APP_ID=srv.app_id, GATE_TOKEN=user.token,
                   GATE_ADMIN_TOKEN=srv.admin_token, GATE_USER_ID=str(user.user_id), GATE_SHOTS=shots, GATE_GROUP_NAME=name)
        proc = subprocess.run(["node", os.path.join(HERE, "swagger.mjs")], env=env, cwd=HERE,
                              stdout=subprocess.PIPE, text=True, timeout=300)
        if proc.returncode != 0:
            for e in errors:
                print("FAIL", e)
            print(f"swagger.mjs failed; screenshots in {shots}, server log {srv.log_path}")
            return 1
        seen = json.loads(proc.stdout.strip().splitlines()[-1])
        if seen["page_errors"]:
            errors.append(f"JavaScript errors in Swagger UI: {seen['page_errors']}")
        # Swagger UI sent both headers the way the spec declares them.
        sent = [(r["method"], r["url"], r["app_id"], r["token"], r["user_id"]) for r in seen["requests"]]
        want = [("GET", "/user/profile", srv.app_id, "user", None),
                ("POST", "/group/create", srv.app_id, "user", None),
                ("GET", "/user/profile", srv.app_id, "admin", str(user.user_id))]
        if sent != want:
            errors.append(f"Swagger UI sent {sent}, expected {want}")
        for key in ("profile", "admin_profile"):
            prof = seen[key]["envelope"]["data"]
            if (prof["user_id"], prof["username"]) != (user.user_id, user.username):
                errors.append(f"GET /user/profile ({key}) showed {prof}, expected user {user}")
        # The group made through Swagger UI exists, owned by the user, as the API reads it back.
        created = seen["create"]["envelope"]["data"]
        info = srv.call("GET", "/group/info?" + urllib.parse.urlencode({"group_id": created["group_id"]}),
                        token=user.token)
        if (info["name"], info["owner_id"], info["count"]) != (name, user.user_id, 1):
            errors.append(f"the group made in Swagger UI reads back as {info}")
        for e in errors:
            print("FAIL", e)
        print(f"swagger ui: GET /user/profile and POST /group/create (user token), GET /user/profile "
              f"(admin token + user_id) answered 200/200 in chromium; "
              f"screenshots in {shots}")
        return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
