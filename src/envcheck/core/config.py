"""``[tool.envcheck]``: reading, validating and explaining mistakes."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pydantic

from envcheck.core import interpolate as _interpolate
from envcheck.core import redact
from envcheck.core import toml as _toml
from envcheck.core.limits import timeout_problem

TABLE = "tool.envcheck"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the fix. Whatever it
    quotes from the file is masked like every other output (a URL's password in a default)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact.redact(message))


@dataclass(frozen=True)
class Instances:
    """A section type for components with named instances.

    ``[tool.envcheck.postgres]`` keys configure the default instance (named ``default``); each
    sub-table such as ``[tool.envcheck.postgres.analytics]`` is one more instance, validated with
    the same model. The validated section is ``{name: model}``.
    """

    model: type[pydantic.BaseModel]
    default: str = "default"

    def validate(self, raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected a table, e.g. [{where}]")
            return {}
        fields = set(self.model.model_fields)
        own = {k: v for k, v in raw.items() if k in fields or not isinstance(v, Mapping)}
        named = {k: v for k, v in raw.items() if k not in own}
        tables = {self.default: own} if own or not named else {}
        tables.update(named)
        known = field_names(self.model)
        found: dict[str, Any] = {}
        for name, table in tables.items():
            prefix = where if name == self.default else f"{where}.{name}"
            try:
                found[name] = self.model.model_validate(table)
            except pydantic.ValidationError as exc:
                problems += [describe_error(e, prefix, known) for e in exc.errors()]
        return found


class Settings(pydantic.BaseModel):
    """Keys directly under ``[tool.envcheck]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    timeout: float = 10.0
    fixtures_on_failure: Literal["auto", "skip", "fail"] = "auto"
    #: files of ``KEY=value`` lines read below the real environment (``None``: ``[".env"]``)
    env_files: list[str] | None = None
    #: ``true``: a plain ``pytest`` runs the checks too (by default they run when asked: ``-m``,
    #: ``-k``, ``--envcheck``, ``--envcheck-only``, ``--envcheck-report``, the ``envcheck`` command)
    with_tests: bool = False

    @pydantic.field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> Any:
        problem = timeout_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


@dataclass
class EnvcheckConfig:
    """The validated configuration handed to ``envcheck_checks`` hooks."""

    sections: dict[str, Any]
    settings: Settings
    rootdir: Path
    source: str
    from_environment: bool = False
    record_mode: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: the environment ``${VAR}`` references read: the process's over the project's ``.env`` files
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    #: the ``.env`` files that were read, in order
    env_files: list[Path] = field(default_factory=list)

    def section(self, name: str) -> Any:
        """The validated model of ``[tool.envcheck.<name>]``, or ``None`` if it is absent."""
        return self.sections.get(name)

    def is_configured(self, name: str) -> bool:
        return name in self.sections


def read_table(rootdir: Path, explicit: Path | None) -> tuple[dict[str, Any] | None, Path | None]:
    """Return the raw ``[tool.envcheck]`` table and the file it came from."""
    path = explicit if explicit is not None else rootdir / "pyproject.toml"
    if not path.is_file():
        if explicit is not None:
            raise ConfigError(
                f"--envcheck-config {explicit}: no such file; pass the path of a TOML file"
            )
        return None, None
    try:
        document = _toml.load(path)
    except _toml.TomlError as exc:
        raise ConfigError(str(exc)) from None
    if explicit is not None and "tool" not in document:
        return document, path
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(
            f"{path}: 'tool' must be a table holding [tool.envcheck], e.g. [tool.envcheck.venv] "
            f"(got {type(tool).__name__}); or leave out [tool] and write the sections at the top"
        )
    table = tool.get("envcheck")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: {TABLE} must be a table, e.g. [tool.envcheck.venv]")
    return table, path


def _walk_strings(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk_strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_strings(item, (*path, str(index)))


def field_names(model: Any, seen: set[int] | None = None) -> set[str]:
    """Every key a model (and the models nested in it) accepts, for "did you mean" hints."""
    seen = seen if seen is not None else set()
    names: set[str] = set()
    if id(model) in seen or not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
        return names
    seen.add(id(model))
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for arg in _types_in(info.annotation):
            names |= field_names(arg, seen)
    return names


def _types_in(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _types_in(arg)


def describe_error(error: Mapping[str, Any], where: str, known: set[str]) -> str:
    loc = [str(part) for part in error["loc"]]
    dotted = ".".join([where, *loc]) if loc else where
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(loc[-1], sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{dotted}: unknown key{hint}"
    given = error.get("input")
    shown = f" (got {given!r})" if isinstance(given, (int, float, bool, str)) else ""
    if isinstance(given, str) and ("${" in given):
        shown = (
            f" (got {given!r}; ${{...}} references are resolved only in connection settings "
            "such as dsn, url, host and api_key: write this value itself)"
        )
    message = str(error["msg"]).removeprefix("Value error, ")
    if is_secret_key([where, *loc]):
        # the value (and pydantic's message, which may quote it) could be a secret
        shown = " (the value is not shown: this key may hold a secret)"
        if isinstance(given, str) and given and given in message:
            message = message.replace(repr(given), "it").replace(given, "***")
    return f"{dotted}: {message[:1].lower()}{message[1:]}{shown}"


#: Keys whose values may be secrets: never echoed in a usage error.
SECRET_KEYS = frozenset({"api_key", "password", "dsn", "url", "base_url", "headers", "env"})
_SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "auth", "credential")


def is_secret_key(path: list[str]) -> bool:
    """True when a dotted config path names a value that may hold a secret."""
    for part in path:
        for piece in part.lower().split("."):
            if piece in SECRET_KEYS or any(word in piece for word in _SECRET_WORDS):
                return True
    return False


def _timeout_problems(value: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Every ``*timeout`` key holding a number envcheck cannot wait for (inf, nan, 1e10, true)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key).endswith("timeout") and isinstance(item, (bool, int, float)):
                problem = timeout_problem(item)
                if problem is not None:
                    yield ".".join((*path, str(key))), problem
            else:
                yield from _timeout_problems(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _timeout_problems(item, (*path, str(index)))


def validate(
    raw: Mapping[str, Any],
    models: Mapping[str, Any],
    *,
    source: str,
) -> tuple[Settings, dict[str, Any]]:
    """Validate the raw table against the core settings and every plugin's section model."""
    problems: list[str] = []
    scalars = {key: value for key, value in raw.items() if key not in models}
    for key in list(scalars):
        if isinstance(scalars[key], dict) and key not in Settings.model_fields:
            valid = sorted([*models, *Settings.model_fields])
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            hint = f"did you mean [{TABLE}.{close[0]}]?" if close else f"known: {', '.join(valid)}"
            problems.append(f"{TABLE}.{key}: unknown section; {hint}")
            del scalars[key]
    for path, text in _walk_strings(raw, (TABLE,)):
        message = _interpolate.syntax_error(text)
        if message:
            problems.append(f"{'.'.join(path)}: {message}")
    bad_timeouts = dict(_timeout_problems(raw, (TABLE,)))
    problems += [f"{dotted}: timeout {problem}" for dotted, problem in bad_timeouts.items()]
    settings = Settings()
    try:
        settings = Settings.model_validate(scalars)
    except pydantic.ValidationError as exc:
        known = set(Settings.model_fields) | set(models)
        problems += [describe_error(e, TABLE, known) for e in exc.errors()]
    sections: dict[str, Any] = {}
    for name, model in models.items():
        if name not in raw:
            continue
        if isinstance(model, Instances):
            sections[name] = model.validate(raw[name], f"{TABLE}.{name}", problems)
            continue
        try:
            sections[name] = pydantic.TypeAdapter(model).validate_python(raw[name])
        except pydantic.ValidationError as exc:
            known = field_names(model)
            problems += [describe_error(e, f"{TABLE}.{name}", known) for e in exc.errors()]
    # pydantic's own message for a key already reported above would only repeat it
    problems = [p for p in problems if p.split(": ", 1)[0] not in bad_timeouts or "timeout " in p]
    if problems:
        lines = "\n  ".join(dict.fromkeys(problems))
        raise ConfigError(f"envcheck: invalid configuration in {source}:\n  {lines}")
    return settings, sections


def load(
    *,
    rootdir: Path,
    explicit: Path | None,
    models: Mapping[str, Any],
    defaults: Mapping[str, Any] | None,
    from_environment: bool = True,
    record_mode: str | None = None,
    environ: Mapping[str, str] | None = None,
    env_files: list[Path] | None = None,
    fill: Callable[[], Mapping[str, Any]] | None = None,
) -> EnvcheckConfig | None:
    """Build the configuration, or return ``None`` when there is none and no defaults apply.

    ``fill`` (called only when the file has a table): sections to add where the table has none
    (the components the environment sets up: ``OPENAI_API_KEY`` exported after ``envcheck init``
    wrote no provider); their names are in ``extra["sections_from_environment"]``."""
    raw, path = read_table(rootdir, explicit)
    from_env = False
    filled: list[str] = []
    if raw is not None and fill is not None:
        found = fill()
        filled = [name for name in found if name not in raw]
        raw = {**raw, **{name: found[name] for name in filled}}
    if raw is None:
        if defaults is None:
            return None
        raw, from_env = dict(defaults), from_environment
    source = str(path) if path is not None else "defaults from the environment"
    if path is None and not from_env:
        source = "no [tool.envcheck]: plugins only"
    settings, sections = validate(raw, models, source=source)
    return EnvcheckConfig(
        sections=sections,
        settings=settings,
        rootdir=rootdir,
        source=source,
        from_environment=from_env,
        record_mode=record_mode,
        environ=os.environ if environ is None else environ,
        env_files=list(env_files or []),
        extra={"sections_from_environment": filled} if filled else {},
    )


def project_environment(
    rootdir: Path, explicit: Path | None, environ: Mapping[str, str]
) -> tuple[Mapping[str, str], list[Path]]:
    """``environ`` over the ``.env`` files of the project (``[tool.envcheck] env_files``, else
    ``.env`` next to the configuration file); a malformed file is a :class:`ConfigError`."""
    from envcheck.core import dotenv as _dotenv

    raw, path = read_table(rootdir, explicit)
    files = (raw or {}).get("env_files")
    if files is not None and not (
        isinstance(files, list) and all(isinstance(f, str) for f in files)
    ):
        files = None  # validation names the mistake
    base = path.parent if path is not None and path.name == "pyproject.toml" else rootdir
    try:
        return _dotenv.environment(base, files, environ)
    except _dotenv.DotenvError as exc:
        raise ConfigError(f"envcheck: {exc}") from None


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True on a CI runner (the ``CI`` variable is set to anything but empty/false/0)."""
    value = (environ if environ is not None else os.environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")
