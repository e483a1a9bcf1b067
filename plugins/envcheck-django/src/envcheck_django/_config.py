"""``[tool.envcheck.django]`` and where the project's Django lives."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pydantic

COMPONENT = "django"
SECTION = f"tool.envcheck.{COMPONENT}"


class DjangoConfig(pydantic.BaseModel):
    """``[tool.envcheck.django]``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    #: the settings module; default: DJANGO_SETTINGS_MODULE, else what manage.py sets
    settings: str | None = None
    #: path of manage.py (relative to the project root); default: ./manage.py when it exists
    manage_py: str | None = None
    #: database aliases to check; default: every alias in settings.DATABASES
    databases: list[str] | None = None
    #: cache aliases to check; default: every alias in settings.CACHES
    caches: list[str] | None = None
    #: run Django's deployment checks (``check --deploy``) too
    deploy: bool = False
    #: check unapplied migrations and models changed without a migration
    migrations: bool = True
    #: seconds for the one Django process that runs every check
    timeout: float = pydantic.Field(default=60.0, gt=0)


@dataclass(frozen=True)
class Project:
    """The Django project as envcheck runs it: settings module, directory, manage.py."""

    settings: str
    directory: Path
    manage_py: Path | None
    #: where ``settings`` came from, for messages ("DJANGO_SETTINGS_MODULE", "manage.py", ...)
    source: str

    def command(self, rootdir: Path, *args: str) -> str:
        """The command a developer pastes in the project root to run a management command."""
        if self.manage_py is not None:
            try:
                shown = str(self.manage_py.relative_to(rootdir))
            except ValueError:
                shown = str(self.manage_py)
            return " ".join(["python", shown, *args])
        extra = [f"--settings={self.settings}", f"--pythonpath={self.directory}"]
        return " ".join(["django-admin", *args, *extra])


class NoSettings(Exception):
    """Neither the configuration, DJANGO_SETTINGS_MODULE nor manage.py names a settings module."""


_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def environment(value: str) -> str:
    """``${VAR}`` / ``${VAR:-default}`` read from the environment (an unset one reads as empty);
    checks use ``ctx.resolve`` instead, which also explains a missing variable."""
    return _REFERENCE.sub(
        lambda m: os.environ.get(m.group("name")) or (m.group("default") or ""), value
    )


def project(
    cfg: DjangoConfig, rootdir: Path, resolve: Callable[[str], str] = environment
) -> Project:
    """Where the project is; ``resolve`` reads the ``${VAR}`` references in ``settings``."""
    manage: Path | None = None
    if cfg.manage_py:
        manage = (rootdir / cfg.manage_py).resolve()
    elif (rootdir / "manage.py").is_file():
        manage = (rootdir / "manage.py").resolve()
    directory = manage.parent if manage is not None else rootdir
    if cfg.settings:
        refs = [m.group("name") for m in _REFERENCE.finditer(cfg.settings)]
        value = resolve(cfg.settings)
        if not value:
            raise NoSettings()
        return Project(value, directory, manage, refs[0] if refs else f"{SECTION}.settings")
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        variable = "DJANGO_SETTINGS_MODULE"
        return Project(os.environ[variable], directory, manage, variable)
    if manage is not None and manage.is_file():
        found = settings_in_manage_py(manage)
        if found:
            source = f"{manage.name} (its DJANGO_SETTINGS_MODULE default)"
            return Project(found, directory, manage, source)
    raise NoSettings()


def settings_in_manage_py(path: Path) -> str | None:
    """``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")`` in manage.py."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and all(isinstance(a, ast.Constant) for a in node.args)
        ):
            name, value = (a.value for a in node.args)  # type: ignore[attr-defined]
            if name == "DJANGO_SETTINGS_MODULE" and isinstance(value, str):
                return value
    return None
