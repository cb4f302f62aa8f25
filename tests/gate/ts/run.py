"""check_35_ts_sdk: start a real server (gate.Server) and run journey.ts (tsx) against it.

argv: the tsconfig that maps the generated client's module name ('imserver-client' for hey-api,
'imserver-fetch' for typescript-fetch), then the journey (default journey.ts). The journey gets the
server's address, its app_id and admin token, and the spec (to skip steps whose routes are absent).
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import gate  # noqa: E402


def main():
    tsconfig = sys.argv[1]
    journey = sys.argv[2] if len(sys.argv) > 2 else "journey.ts"
    with gate.Server("ts_sdk") as srv:
        if not (srv.app_id and srv.admin_token):
            print("the server printed no app_id / admin token")
            return 1
        env = dict(os.environ, GATE_BASE=srv.base, GATE_APP_ID=srv.app_id, GATE_ADMIN_TOKEN=srv.admin_token,
                   GATE_SPEC=gate.SPEC)
        proc = subprocess.run([os.path.join(HERE, "node_modules", ".bin", "tsx"), "--tsconfig", tsconfig,
                               os.path.join(HERE, journey)], env=env, cwd=HERE, timeout=600)
        print(f"(server log: {srv.log_path})")
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
