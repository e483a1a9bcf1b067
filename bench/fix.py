"""From broken to green with one command: ``poetry run python bench/fix.py``.

Breaks a throwaway PostgreSQL cluster and redis-server the way a new laptop does (the app's
database missing, its role missing, the role unable to create tables in its schema, a Redis ACL
user without the DEL the probe needs), then times ``envcheck fix --yes --allow-privileged`` until
it exits, and checks that the re-check passed. Prints a Markdown table; exits non-zero when the
environment was not healed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import postgres_cluster, redis_server  # noqa: E402


def main() -> int:
    import redis

    hba = "host all all 127.0.0.1/32 trust"
    with postgres_cluster(hba, local="local all all trust") as pg, redis_server() as port:
        admin = redis.Redis(port=port)
        admin.execute_command(  # type: ignore[no-untyped-call]
            "ACL", "SETUSER", "app", "on", ">bench-password", "~*", "+@all", "-del"
        )
        with tempfile.TemporaryDirectory(prefix="envcheck-bench-fix-") as scratch:
            project = Path(scratch)
            (project / ".env").write_text("APP_REDIS_PASSWORD=bench-password\n")
            (project / "pyproject.toml").write_text(textwrap.dedent(f"""
                    [tool.envcheck.postgres]
                    dsn = "postgresql://app@127.0.0.1:{pg.port}/app"
                    [tool.envcheck.redis]
                    url = "redis://app:${{APP_REDIS_PASSWORD}}@127.0.0.1:{port}/0"
                    admin_url = "redis://127.0.0.1:{port}/0"
                    """))
            env = {
                **os.environ,
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}" f"{os.environ['PATH']}",
            }
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "envcheck.cli.main", "fix", "--yes", "--allow-privileged"],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            took = time.perf_counter() - started
            report = json.loads((project / "envcheck-report.json").read_text())
        admin.close()
    fixes = report.get("fixes", [])
    healed = sorted({c for f in fixes for c in f["healed"]})
    rounds = done.stdout.count("envcheck fix: checking again")
    green = done.returncode == 0 and report["summary"]["fail"] == 0
    print("| Broken environment | Fixes applied | Rounds | Healed checks | Time to green | Green |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| database, role, schema privilege (PostgreSQL); ACL without DEL (Redis) | "
        f"{sum(1 for f in fixes if f['applied'])} | {rounds} | {len(healed)} | {took:.1f} s | "
        f"{'yes' if green else 'no'} |"
    )
    if not green:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n")
    return 0 if green else 1


if __name__ == "__main__":
    sys.exit(main())
