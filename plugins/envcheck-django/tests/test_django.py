"""The django component against a real project made by ``django-admin startproject``, a real
PostgreSQL (a throwaway database) and Redis, healthy and broken each way."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from django_helpers import DjangoProject, drop_database, free_port

RunChecks = Callable[..., pytest.RunResult]

BLOG_0001 = """
from django.db import migrations, models

class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Post",
            fields=[
                ("id", models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                )),
                ("title", models.CharField(max_length=100)),
            ],
        ),
    ]
"""
BLOG_MODELS = """
from django.db import models

class Post(models.Model):
    title = models.CharField(max_length=100)
"""


def lines(result: pytest.RunResult, *patterns: str) -> None:
    """Each pattern matches a line of the output, in any order."""
    for pattern in patterns:
        result.stdout.fnmatch_lines([pattern])


def hint_of(result: pytest.RunResult, check: str) -> str:
    """The ``fix:`` line printed under a check's line in the terminal section."""
    lines = result.stdout.lines
    start = next(
        i for i, line in enumerate(lines) if re.match(rf"\s+\w+\s+{re.escape(check)}\s", line)
    )
    for line in lines[start + 1 :]:
        if line.strip().startswith("fix: "):
            return line.strip().removeprefix("fix: ")
        if re.match(r"\s+(PASS|FAIL|WARN|SKIP)\s", line):
            break
    raise AssertionError(f"no fix printed for {check}")


def test_no_checks_unless_configured(
    pytester: pytest.Pytester, django_project: DjangoProject
) -> None:
    """Installed but not configured: not one item, and Django is never started."""
    pytester.makefile(".toml", pyproject="[tool.envcheck]\ntimeout = 5\n")
    result = pytester.runpytest_subprocess("--envcheck-only", "--collect-only", "-q")
    assert "django" not in result.stdout.str()
    result = pytester.runpytest_subprocess("--envcheck-only", "--envcheck-defaults", "-q")
    assert "envcheck::django" not in result.stdout.str()


def test_default_mode_follows_django_settings_module(
    pytester: pytest.Pytester, django_project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "mysite.settings")
    result = pytester.runpytest_subprocess(
        "-v", "--envcheck-only", "--envcheck-defaults", "-m", "django", "-p", "no:cacheprovider"
    )
    lines(result, *["*PASS  settings *mysite.settings imported*", "*cache[[]default]*"])
    # startproject's SQLite file does not exist until the first migrate
    lines(result, *["*FAIL  database[[]default] *db.sqlite3*does not exist*"])
    assert hint_of(result, "database[default]") == "python manage.py migrate"


def test_plugin_import_is_cheap() -> None:
    code = "import sys, envcheck_django; assert 'django' not in sys.modules, 'django imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_postgres_and_redis_migrate_then_healthy(
    django_project: DjangoProject,
    pg_database: str,
    pg_port: int,
    redis_db: int,
    redis_port: int,
    run_checks: RunChecks,
) -> None:
    django_project.use_postgres(pg_database, pg_port)
    django_project.append(f"""
        CACHES = {{
            "default": {{"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": "redis://127.0.0.1:{redis_port}/{redis_db}"}},
            "sessions": {{"BACKEND": "django_redis.cache.RedisCache",
                         "LOCATION": "redis://127.0.0.1:{redis_port}/{redis_db}"}},
            "local": {{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        }}
        """)
    result = run_checks()
    lines(
        result,
        *[
            "*PASS  settings *mysite.settings imported*Django 5*",
            "*PASS  system-checks *no issues*",
            f"*PASS  database[[]default] *PostgreSQL * at postgres@127.0.0.1:{pg_port}/"
            f"{pg_database}*",
            "*PASS  models *",
            f"*PASS  cache[[]default] *RedisCache at redis://127.0.0.1:{redis_port}/*"
            "set/get/delete*",
            "*PASS  cache[[]sessions] *cache.RedisCache*",
            "*PASS  cache[[]local] *LocMemCache*",
            "*FAIL  migrations[[]default] *18 unapplied migrations on 'default': contenttypes (2), "
            "auth (12), admin (3), sessions (1)*",
        ],
    )
    assert result.ret == 1
    fix = hint_of(result, "migrations[default]")
    assert fix == "python manage.py migrate"
    django_project.run_fix(fix)

    result = run_checks()
    lines(result, *["*PASS  migrations[[]default] *all 18 migrations applied*"])
    assert result.ret == 0, result.stdout.str()


def test_settings_need_an_environment_variable(
    django_project: DjangoProject, run_checks: RunChecks, monkeypatch: pytest.MonkeyPatch
) -> None:
    django_project.replace("SECRET_KEY = ", 'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]  # ')
    django_project.replace("from pathlib import Path", "import os\nfrom pathlib import Path")
    result = run_checks("[tool.envcheck.django]\ndatabases = []\ncaches = ['default']\n")
    lines(
        result,
        *[
            "*FAIL  settings *mysite.settings needs the environment variable DJANGO_SECRET_KEY, "
            "which is not set*",
            "*why: KeyError at */mysite/settings.py:*: SECRET_KEY = os.environ*",
            "*fix: export DJANGO_SECRET_KEY=\"$(python -c 'from django.core.management.utils "
            "import get_random_secret_key; print(get_random_secret_key())')\"*",
            "*SKIP  system-checks *blocked*",
        ],
    )
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 60)
    result = run_checks("[tool.envcheck.django]\ndatabases = []\ncaches = ['default']\n")
    lines(result, *["*PASS  settings *"])
    assert result.ret == 0


def test_settings_module_not_found_names_the_right_one(
    django_project: DjangoProject, run_checks: RunChecks
) -> None:
    result = run_checks('[tool.envcheck.django]\nsettings = "mysite.settingz"\n')
    lines(
        result,
        *[
            "*FAIL  settings *the settings module 'mysite.settingz' (from tool.envcheck.django."
            "settings) cannot be imported*(found here: mysite.settings)*",
            "*fix: export DJANGO_SETTINGS_MODULE=mysite.settings*",
        ],
    )


def test_system_check_errors_and_deploy_warnings(
    django_project: DjangoProject, run_checks: RunChecks
) -> None:
    django_project.add_app(
        "blog",
        BLOG_MODELS + '\nclass Comment(models.Model):\n    post = models.ForeignKey("nowhere.Post",'
        " on_delete=models.CASCADE)\n",
        {},
    )
    result = run_checks("[tool.envcheck.django]\ndeploy = true\ndatabases = []\n")
    lines(
        result,
        *[
            "*FAIL  system-checks *2 system check errors (and * warnings): *fields.E300*",
            "*fields.E300: blog.Comment.post: Field defines a relation with model 'nowhere.Post'*",
            "*security.W004: *SECURE_HSTS_SECONDS*",
            "*python manage.py check --deploy lists them*",
        ],
    )
    assert result.ret == 1


def test_model_changes_and_conflicts(
    django_project: DjangoProject, pg_database: str, pg_port: int, run_checks: RunChecks
) -> None:
    django_project.use_postgres(pg_database, pg_port)
    django_project.add_app(
        "blog",
        BLOG_MODELS + "    body = models.TextField(default='')\n",
        {"0001_initial": BLOG_0001},
    )
    django_project.manage("migrate")
    toml = "[tool.envcheck.django]\ncaches = []\n"
    result = run_checks(toml)
    lines(
        result,
        *[
            "*FAIL  models *models changed without a migration: blog (1)*",
            "*why: blog: Add field body to post (what `makemigrations --check --dry-run` reports)*",
            "*fix: python manage.py makemigrations, then commit the new migration files and apply*",
            "*PASS  migrations[[]default] *",
        ],
    )
    django_project.manage("makemigrations")
    result = run_checks(toml)
    lines(
        result,
        *[
            "*PASS  models *",
            "*FAIL  migrations[[]default] *1 unapplied migration on 'default': blog (1)*",
        ],
    )
    # a second branch added its own 0002: two leaf nodes
    second = (django_project.path / "blog" / "migrations" / "0002_post_body.py").read_text()
    (django_project.path / "blog" / "migrations" / "0002_other.py").write_text(
        second.replace("AddField(", "AddField(\n            # other branch\n")
        .replace('name="body"', 'name="subtitle"')
        .replace("name='body'", "name='subtitle'")
    )
    (django_project.path / "blog" / "models.py").write_text(
        BLOG_MODELS + "    body = models.TextField(default='')\n"
        "    subtitle = models.TextField(default='')\n"
    )
    result = run_checks(toml)
    lines(
        result,
        *[
            "*SKIP  models *not checked: conflicting migrations must be merged first*",
            "*FAIL  migrations[[]default] *conflicting migrations (two leaf nodes) in blog: "
            "0002_other, 0002_post_body*",
            "*fix: python manage.py makemigrations --merge*",
        ],
    )
    django_project.manage("makemigrations", "--merge", "--noinput")
    django_project.manage("migrate")
    result = run_checks(toml)
    assert result.ret == 0, result.stdout.str()


def test_missing_database_dead_cache_and_wrong_alias(
    django_project: DjangoProject, postgres_url: str, pg_port: int, run_checks: RunChecks
) -> None:
    name = f"envcheck_dj_missing_{free_port()}"
    dead = free_port()
    django_project.use_postgres(name, pg_port)
    django_project.append(f"""
        CACHES = {{
            "default": {{"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": "redis://127.0.0.1:{dead}/0"}},
            "sessions": {{"BACKEND": "django_redis.cache.RedisCache",
                         "LOCATION": "redis://:pw-Never-Shown@127.0.0.1:{dead}/0"}},
        }}
        """)
    toml = '[tool.envcheck.django]\ndatabases = ["default", "replica"]\n'
    try:
        result = run_checks(toml)
        lines(
            result,
            f"*FAIL  database[[]default] *database '{name}' does not exist on "
            f"127.0.0.1:{pg_port}*",
            "*SKIP  migrations[[]default] *blocked by django/database[[]default]*",
            "*FAIL  database[[]replica] *settings.DATABASES has no alias 'replica'*",
            f"*FAIL  cache[[]default] *nothing listens at redis://127.0.0.1:{dead}/0*",
            f"*FAIL  cache[[]sessions] *nothing listens at redis://:***@127.0.0.1:{dead}/0*",
        )
        assert "pw-Never-Shown" not in result.stdout.str()
        fix = hint_of(result, "database[default]")
        assert fix.startswith(f"createdb -h 127.0.0.1 -p {pg_port} -U postgres {name}")
        subprocess.run(fix.split("  (")[0].split(), check=True, timeout=60)
        result = run_checks(toml)
        lines(result, *["*PASS  database[[]default] *"])
    finally:
        drop_database(postgres_url, name)


def test_hung_login_and_hung_settings_are_diagnosed(
    django_project: DjangoProject, run_checks: RunChecks
) -> None:
    """A server that accepts TCP and never answers the login; settings that never finish
    importing: each has its own diagnosis, within the configured time."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        django_project.use_postgres("app", port, OPTIONS={"connect_timeout": 2})
        result = run_checks("[tool.envcheck.django]\ncaches = []\nmigrations = false\n")
    lines(
        result,
        f"*FAIL  database[[]default] *PostgreSQL at 127.0.0.1:{port} accepted the connection but "
        "did not complete the login within 2 s ('default')*",
        "*fix: pg_isready -h 127.0.0.1 -p * -t 10 tells whether it lets anyone in*",
    )
    django_project.append("import time\ntime.sleep(600)\n")
    started = time.monotonic()
    result = run_checks("[tool.envcheck.django]\ntimeout = 4\ndatabases = []\ncaches = []\n")
    lines(
        result,
        "*FAIL  settings *importing mysite.settings and django.setup() did not finish within 4 s "
        "(stuck at import settings)*",
    )
    assert time.monotonic() - started < 60


def test_redis_cache_with_a_wrong_password(
    django_project: DjangoProject, run_checks: RunChecks
) -> None:
    """A throwaway redis-server with requirepass: Django's RedisCache given the wrong password."""
    redis_server = shutil.which("redis-server")
    assert redis_server, "redis-server is not installed (scripts/services installs it)"
    port = free_port()
    server = subprocess.Popen(
        [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly"]
        + ["no", "--requirepass", "Right-pw-4711"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        django_project.append(f"""
            CACHES = {{"default": {{"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://:Wrong-pw-0815@127.0.0.1:{port}/0"}}}}
            """)
        result = run_checks("[tool.envcheck.django]\ndatabases = []\n")
    finally:
        server.terminate()
        server.wait(10)
    lines(
        result,
        f"*FAIL  cache[[]default] *Redis at redis://:***@127.0.0.1:{port}/0 refused the "
        "credentials of CACHES[[]'default']*",
        "*fix: fix the password in CACHES[[]'default'] in */mysite/settings.py*",
    )
    assert "Wrong-pw-0815" not in result.stdout.str()


def test_a_probe_flooding_stderr_is_shown_bounded_and_marked(
    django_project: DjangoProject, run_checks: RunChecks
) -> None:
    """The settings module prints 100 MB on stderr, then the process dies without a report.
    Before: all of it was kept (and its last line of 100 MB shown as the why)."""
    django_project.append("""
        import os, sys
        for _ in range(100):
            sys.stderr.write("e" * 1_000_000)
        sys.stderr.write("\\nfatal: the real error\\n")
        sys.stderr.flush()
        os._exit(3)
        """)
    started = time.monotonic()
    result = run_checks("[tool.envcheck.django]\ndatabases = []\ncaches = ['default']\n")
    lines(
        result,
        "*FAIL  settings *the Django probe ended without a report (exit status 3)*",
        "*fatal: the real error*",
        "*[[]stderr: 95.4 MiB printed; envcheck kept its first 1 MiB and its last 64 KiB]*",
    )
    assert len(result.stdout.str()) < 100_000
    assert time.monotonic() - started < 60
