"""The ``langgraph`` checks: the app's checkpointer store exists as ``setup()`` leaves it.

``checkpointer[postgres]``: the tables of langgraph-checkpoint-postgres and every one of its
migrations, read from ``checkpoint_migrations`` (read-only: nothing is created). ``checkpointer
[redis]``: the Redis Query Engine and JSON commands langgraph-checkpoint-redis needs, and its
search indices. ``graph[...]`` (opt-in): a one-node graph compiled with the checkpointer runs,
its checkpoint is read back, and the thread is deleted.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

from envcheck_langchain._config import LangGraphConfig

from envcheck import CheckFailed, Context, Outcome, kit, ok

POSTGRES_TABLES = ("checkpoint_migrations", "checkpoints", "checkpoint_blobs", "checkpoint_writes")
#: what langgraph-checkpoint-redis sends: FT.* (Redis Query Engine) and JSON.* (RedisJSON)
REDIS_COMMANDS = ("FT.CREATE", "FT.SEARCH", "JSON.SET", "JSON.GET")


def _source(raw: str, key: str) -> str:
    """How the printed fix names the connection string: ``os.environ["DATABASE_URL"]`` when the
    setting is a reference (the secret is never printed), else the value itself."""
    if raw.startswith("${") and raw.endswith("}") and raw.count("${") == 1:
        name = raw[2:-1].split(":-")[0]
        return f'os.environ["{name}"]'
    return json.dumps(raw)


def setup_fix(store: str, raw: str, environ: Mapping[str, str] | None = None) -> kit.Fix:
    """The ``setup()`` call, as runnable Python (one line: python -c '...'). A connection string
    from a variable reaches it through the environment (a ``.env`` value too: the shell that
    runs the line loads the file first), never through the command line."""
    url = _source(raw, store)
    imports = "import os; " if url.startswith("os.") else ""
    if store == "postgres":
        saver = "from langgraph.checkpoint.postgres import PostgresSaver as S"
    else:
        saver = "from langgraph.checkpoint.redis import RedisSaver as S"
    code = f"{imports}{saver}; cm = S.from_conn_string({url}); cm.__enter__().setup()"
    shown = f"python -c {json.dumps(code)}" if "'" in code else f"python -c '{code}'"
    env: dict[str, str] = {}
    if url.startswith("os."):
        name = url.split('"')[1]
        env[name] = f"${{{name}}}"
        if environ is not None and name not in os.environ and name in environ:
            shown = f"set -a; . ./.env; set +a; {shown}"  # the variable lives in .env
    return kit.Fix((kit.Command(["python", "-c", code], env=env),), text=shown)


def _saver_package(ctx: Context, store: str) -> None:
    """The checkpointer package the app needs for ``store``: its absence is named, with the
    command that adds it (Poetry's when the project uses Poetry)."""
    import importlib.util

    package = f"langgraph-checkpoint-{store}"
    if importlib.util.find_spec(f"langgraph.checkpoint.{store}") is not None:
        return
    poetry = (ctx.rootdir / "poetry.lock").is_file()
    argv = (
        ["poetry", "add", package] if poetry else [sys.executable, "-m", "pip", "install", package]
    )
    raise CheckFailed(
        f"{package} is not installed",
        why=f"[tool.envcheck.langgraph] {store} = ... checks the store of LangGraph's "
        f"{store.capitalize()}Saver, which comes with {package}",
        fix=[kit.Command(argv)],
    )


def postgres_store(ctx: Context) -> Outcome:
    _saver_package(ctx, "postgres")
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver

    from envcheck.checks.postgres import explain_failure

    cfg: LangGraphConfig = ctx.section
    assert cfg.postgres is not None
    dsn = ctx.resolve(cfg.postgres, key="tool.envcheck.langgraph.postgres")
    fix = setup_fix("postgres", cfg.postgres, ctx.config.environ)
    latest = len(PostgresSaver.MIGRATIONS) - 1
    try:
        conn = psycopg.connect(
            dsn,
            connect_timeout=max(2, int(ctx.remaining())),
            autocommit=True,
            application_name="envcheck langgraph",
        )
    except psycopg.OperationalError as exc:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
        raise explain_failure(
            getattr(exc, "sqlstate", None),
            str(exc),
            host=str(info.get("host") or "localhost"),
            port=int(str(info.get("port") or 5432)),
            user=str(info.get("user") or ""),
            dbname=str(info.get("dbname") or ""),
            source="tool.envcheck.langgraph.postgres",
        ) from None
    with conn:
        conn.read_only = True
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(current_schemas(false)) "
            "AND c.relname = ANY(%s)",
            (list(POSTGRES_TABLES),),
        ).fetchall()
        found = {r[0] for r in rows}
        applied: set[int] = set()
        if "checkpoint_migrations" in found:
            applied = {int(r[0]) for r in conn.execute("SELECT v FROM checkpoint_migrations")}
        db = conn.info.dbname
    missing = [t for t in POSTGRES_TABLES if t not in found]
    if not found:
        raise CheckFailed(
            f"the PostgresSaver tables do not exist in database {db!r}: setup() was never run",
            why=f"langgraph-checkpoint-postgres creates {', '.join(POSTGRES_TABLES)} in "
            "PostgresSaver.setup(), which the app must call once",
            fix=fix,
        )
    pending = sorted(set(range(latest + 1)) - applied)
    if missing or pending:
        what = f"missing tables {', '.join(missing)}" if missing else ""
        if pending:
            what += ("; " if what else "") + (
                f"{len(pending)} of {latest + 1} checkpointer migrations not applied "
                f"(v{pending[0]}..v{pending[-1]})"
            )
        raise CheckFailed(
            f"the PostgresSaver store in {db!r} is behind this langgraph-checkpoint-postgres: "
            f"{what}",
            why="the package was upgraded after setup() last ran; its new migrations run in "
            "setup()",
            fix=fix,
        )
    return ok(
        f"PostgresSaver tables present in {db!r}, all {latest + 1} migrations applied",
        migrations=latest + 1,
    )


def redis_store(ctx: Context) -> Outcome:
    _saver_package(ctx, "redis")
    import redis
    from langgraph.checkpoint.redis.base import CHECKPOINT_PREFIX, CHECKPOINT_WRITE_PREFIX

    cfg: LangGraphConfig = ctx.section
    assert cfg.redis is not None
    url = ctx.resolve(cfg.redis, key="tool.envcheck.langgraph.redis")
    bound = max(1.0, ctx.remaining() - 1)
    client: Any = redis.Redis.from_url(url, socket_timeout=bound, socket_connect_timeout=bound)
    try:
        info = client.info("server")
        missing = [c for c in REDIS_COMMANDS if not _has_command(client, c)]
        version = str(info.get("redis_version", "?"))
        if missing:
            modules = [str(m.get("name", m)) for m in _modules(client)]
            families = "/".join(sorted({m.split(".")[0] + ".*" for m in missing}))
            raise CheckFailed(
                f"Redis {version} at {_where(url)} has no {families} commands: "
                "langgraph-checkpoint-redis needs the Redis Query Engine (FT.*) and JSON (JSON.*)",
                why=f"RedisSaver stores checkpoints as JSON documents found through search "
                f"indices; this server lacks {', '.join(missing)} (modules loaded: "
                f"{', '.join(modules) or 'none'}). Redis 8 has both built in; before 8 they "
                "come with Redis Stack (RediSearch and RedisJSON modules)",
                hint="run Redis 8 or Redis Stack: docker run -d -p 6379:6379 redis:8  (or "
                "redis/redis-stack-server:latest); or load the modules: loadmodule "
                "/path/to/redisearch.so and /path/to/rejson.so in redis.conf",
                facts={"redis_version": version, "missing_commands": missing},
            )
        indices = {_text(i) for i in client.execute_command("FT._LIST")}
    except redis.RedisError as exc:
        raise CheckFailed(
            f"cannot use Redis at {_where(url)}: {type(exc).__name__}: {exc}",
            hint="check tool.envcheck.langgraph.redis (the redis component diagnoses the server)",
        ) from None
    finally:
        client.close()
    wanted = [CHECKPOINT_PREFIX, CHECKPOINT_WRITE_PREFIX]
    absent = [i for i in wanted if i not in indices]
    if absent:
        raise CheckFailed(
            f"the RedisSaver search indices {', '.join(absent)} do not exist at {_where(url)}: "
            "setup() was never run",
            why="langgraph-checkpoint-redis creates its indices in RedisSaver.setup(); without "
            "them no checkpoint can be found",
            fix=setup_fix("redis", cfg.redis, ctx.config.environ),
        )
    return ok(f"RedisSaver indices {', '.join(wanted)} present (Redis {version})")


def _has_command(client: Any, name: str) -> bool:
    """``COMMAND INFO name`` answers nil for a command the server does not know (read raw:
    redis-py's parser of that reply does not expect nil)."""
    conn = client.connection_pool.get_connection()
    try:
        conn.send_command("COMMAND", "INFO", name)
        answer = conn.read_response()
    finally:
        client.connection_pool.release(conn)
    return bool(answer and answer[0])


def _modules(client: Any) -> list[Any]:
    try:
        return list(client.module_list())
    except Exception:  # noqa: B902 - MODULE LIST may be renamed or refused (ACL)
        return []


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _where(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def graph_run(store: str, ctx: Context) -> Outcome:
    """A one-node graph: its checkpoint is written, read back and deleted (the whole thread)."""
    from typing import TypedDict

    from langgraph.graph import END, START, StateGraph

    cfg: LangGraphConfig = ctx.section
    raw = cfg.postgres if store == "postgres" else cfg.redis
    assert raw is not None
    url = ctx.resolve(raw, key=f"tool.envcheck.langgraph.{store}")

    class State(TypedDict):
        n: int

    builder = StateGraph(State)
    builder.add_node("step", lambda state: {"n": state["n"] + 1})
    builder.add_edge(START, "step")
    builder.add_edge("step", END)
    thread = f"envcheck-{uuid.uuid4().hex}"
    config: Any = {"configurable": {"thread_id": thread}}
    started = time.monotonic()
    with _saver(store, url) as saver:
        graph = builder.compile(checkpointer=saver)
        try:
            result = graph.invoke({"n": 1}, config)
            stored = saver.get_tuple(config)
        finally:
            saver.delete_thread(thread)
        left = saver.get_tuple(config)
    ms = round((time.monotonic() - started) * 1000, 1)
    if result.get("n") != 2 or stored is None:
        raise CheckFailed(
            f"the graph ran but its checkpoint was not found in {store}",
            why="get_tuple() returned nothing for the thread just run",
            fix=setup_fix(store, raw, ctx.config.environ),
        )
    if left is not None:
        raise CheckFailed(f"delete_thread() left the checkpoint of {thread} in {store}")
    return ok(f"a one-node graph ran with the {store} checkpointer in {ms:.0f} ms", run_ms=ms)


def _saver(store: str, url: str) -> Any:
    if store == "postgres":
        from langgraph.checkpoint.postgres import PostgresSaver

        return PostgresSaver.from_conn_string(url)
    from langgraph.checkpoint.redis import RedisSaver

    return RedisSaver.from_conn_string(url)
