"""What ``envcheck init`` proposes: a ``[tool.envcheck]`` derived from the project and this machine.

- ``venv`` from the project file: ``requires-python``, the main dependencies, the dev group, Poetry;
- every component's defaults (the ``envcheck_default_config`` hooks of the built-ins and installed
  plugins, read from the environment and the project's ``.env``), kept only when something answers
  at the address (PostgreSQL, Redis, Ollama) — values that came from a variable stay references;
- provider models from ``*_MODEL`` variables or the app's settings, Ollama models that are pulled;
- MCP servers from the client config files, referenced (``discover = true``), never copied.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envcheck.core import interpolate as _interpolate
from envcheck.core import redact
from envcheck.initkit.venv import derive_venv

#: keys the defaults use to say how a section was found; a written section is required
_DEFAULT_ONLY_KEYS = ("required", "source")
_PROBE_SECONDS = 0.5
_MODEL_VARIABLES = {
    "openai": ("OPENAI_MODEL", "OPENAI_CHAT_MODEL", "LLM_MODEL"),
    "anthropic": ("ANTHROPIC_MODEL", "CLAUDE_MODEL"),
    "gemini": ("GEMINI_MODEL", "GOOGLE_MODEL"),
}
_BARE_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SETTINGS_FILES = ("settings.py", "settings/*.py", "*/settings.py", "*/settings/*.py", "config.py")
_SETTING = re.compile(r"^\s*(?P<name>[A-Z][A-Z0-9_]*)\s*[:=]\s*(?:str\s*=\s*)?['\"](?P<v>[^'\"]+)")


@dataclass(frozen=True)
class PluginSection:
    """A section an installed plugin reads: its name, its model, the distribution it comes with."""

    component: str
    model: Any
    distribution: str


@dataclass
class Proposal:
    """The table to merge, and one line per component saying what was found and why."""

    table: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def derive(
    project: Path,
    pyproject: Mapping[str, Any],
    environ: Mapping[str, str],
    defaults: Mapping[str, Any],
    discovered_servers: list[str],
    plugins: list[PluginSection] | None = None,
) -> Proposal:
    """Propose ``[tool.envcheck]`` for ``project`` (``pyproject`` is its parsed file); ``plugins``
    are the sections of the installed plugins, added with their defaults."""
    proposal = Proposal()
    proposal.table["venv"] = venv_section(project, pyproject, proposal.notes)
    for component, section in defaults.items():
        if component in ("venv", "mcp"):
            continue
        found = _component(component, section, environ, project, proposal.notes)
        if found is not None:
            proposal.table[component] = found
    for plugin in plugins or []:
        if plugin.component not in proposal.table and plugin.component not in defaults:
            _plugin_section(plugin, proposal)
    if discovered_servers:
        proposal.table["mcp"] = {"discover": True}
        names = ", ".join(discovered_servers)
        proposal.notes.append(f"mcp: checks the servers of the client config files ({names})")
    else:
        proposal.notes.append("mcp: no client config file (.mcp.json, .cursor/, .vscode/) found")
    return proposal


def _plugin_section(plugin: PluginSection, proposal: Proposal) -> None:
    """An installed plugin's section with the plugin's own defaults, when it has defaults for
    every key; else a note naming what it needs."""
    from envcheck.core.config import ConfigError, validate

    try:
        validate({plugin.component: {}}, {plugin.component: plugin.model}, source="")
    except ConfigError as exc:
        needs = "; ".join(line.strip() for line in str(exc).splitlines()[1:]) or str(exc)
        proposal.notes.append(
            f"{plugin.component}: from the installed plugin {plugin.distribution}; not added, "
            f"it needs settings first ({needs})"
        )
        return
    proposal.table[plugin.component] = {}
    proposal.notes.append(
        f"{plugin.component}: the installed plugin {plugin.distribution}, with its defaults "
        "(remove the section if this project does not use it)"
    )


# --- venv -------------------------------------------------------------------------------------


def venv_section(project: Path, pyproject: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    """The derivation the zero-config run checks too (:func:`envcheck.initkit.venv.derive_venv`)."""
    derived = derive_venv(project, pyproject)
    section = derived.section
    python = section.get("python")
    poetry = "Poetry" if section["poetry"] else "no Poetry"
    notes.append(
        f"venv: Python {python or '(any)'}, {len(section.get('packages', []))} package(s), "
        f"{len(section.get('dev_packages', []))} dev tool(s), {poetry} "
        f"({derived.origins['poetry']})"
    )
    return section


# --- servers and providers ----------------------------------------------------------------------


def _component(
    component: str, section: Any, environ: Mapping[str, str], project: Path, notes: list[str]
) -> Any:
    if not isinstance(section, Mapping):
        return section
    table = {k: v for k, v in section.items() if k not in _DEFAULT_ONLY_KEYS}
    if component == "providers":
        return _providers(table, environ, project, notes)
    address = _address(component, table, environ)
    if address is None:  # a plugin's component: its defaults say it is set up
        notes.append(f"{component}: from the plugin's defaults")
        return _references(table, environ)
    where, reachable = address
    if not reachable:
        notes.append(f"{component}: nothing answers at {where}; not added")
        return None
    table = _references(table, environ)
    if component == "ollama" and "models" not in table:
        models = _ollama_models(where)
        if models:
            table["models"] = models
    notes.append(f"{component}: found at {where}")
    return table


def _references(table: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """A value that is exactly ``${VAR}`` gains the value found as its default, unless the value
    holds a secret (then it stays a bare reference: no literal secret is ever written)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        match = _BARE_REFERENCE.fullmatch(value) if isinstance(value, str) else None
        found = environ.get(match.group(1), "") if match else ""
        if match and found and not _holds_secret(match.group(1), found):
            value = f"${{{match.group(1)}:-{found}}}"
        out[key] = value
    return out


def _holds_secret(name: str, value: str) -> bool:
    return redact.is_secret_name(name) or redact.redact(value) != value or "password=" in value


def _address(
    component: str, table: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[str, bool] | None:
    """Where a built-in server component would connect, and whether anything answers there."""
    try:
        if component == "postgres":
            return _postgres_address(_resolve(table.get("dsn", ""), environ))
        if component == "redis":
            url = urllib.parse.urlsplit(_resolve(table.get("url", ""), environ))
            if url.scheme == "unix":
                return url.path, _answers_unix(url.path)
            host, port = url.hostname or "localhost", url.port or 6379
            return f"{host}:{port}", _answers_tcp(host, port)
        if component == "ollama":
            host = _resolve(table.get("host", ""), environ) or "127.0.0.1:11434"
            url = urllib.parse.urlsplit(host if "://" in host else f"http://{host}")
            where = f"{url.scheme}://{url.hostname or '127.0.0.1'}:{url.port or 11434}"
            return where, _answers_tcp(url.hostname or "127.0.0.1", url.port or 11434)
    except (ValueError, _interpolate.MissingVariable):
        return component, False
    return None


def _resolve(value: Any, environ: Mapping[str, str]) -> str:
    return _interpolate.resolve(str(value), environ) if value else ""


def _postgres_address(dsn: str) -> tuple[str, bool]:
    host, port = "", 5432
    if "://" in dsn:
        url = urllib.parse.urlsplit(dsn)
        query = urllib.parse.parse_qs(url.query)
        host = url.hostname or query.get("host", [""])[0]
        port = url.port or int(query.get("port", ["5432"])[0])
    else:
        pairs = dict(re.findall(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", dsn))
        host = pairs.get("host", "").strip("'")
        port = int(pairs.get("port", "5432").strip("'"))
    if host.startswith("/"):
        path = f"{host}/.s.PGSQL.{port}"
        return path, _answers_unix(path)
    if not host:
        for directory in ("/var/run/postgresql", "/tmp"):
            path = f"{directory}/.s.PGSQL.{port}"
            if _answers_unix(path):
                return path, True
        host = "localhost"
    return f"{host}:{port}", _answers_tcp(host, port)


def _answers_tcp(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=_PROBE_SECONDS):
            return True
    except OSError:
        return False


def _answers_unix(path: str) -> bool:
    if not Path(path).exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(_PROBE_SECONDS)
        try:
            sock.connect(path)
        except OSError:
            return False
    return True


def _ollama_models(base: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"{base}/api/tags", timeout=2) as answer:  # noqa: S310
            data = json.loads(answer.read())
    except (OSError, ValueError, urllib.error.URLError):
        return []
    return sorted(str(m.get("name")) for m in data.get("models", []) if m.get("name"))


def _providers(
    table: dict[str, Any], environ: Mapping[str, str], project: Path, notes: list[str]
) -> dict[str, Any]:
    settings = _settings_values(project)
    out: dict[str, Any] = {}
    for name, provider in table.items():
        provider = dict(provider) if isinstance(provider, Mapping) else {}
        if "model" not in provider:
            model, source = _model(name, environ, settings)
            if model:
                provider["model"] = model
                notes.append(f"providers.{name}: model {model} (from {source})")
            else:
                notes.append(f"providers.{name}: the provider's default model")
        out[name] = provider
    return out


def _model(
    provider: str, environ: Mapping[str, str], settings: Mapping[str, tuple[str, str]]
) -> tuple[str | None, str]:
    for variable in _MODEL_VARIABLES.get(provider, (f"{provider.upper()}_MODEL",)):
        if environ.get(variable):
            return f"${{{variable}:-{environ[variable]}}}", variable
        if variable in settings:
            value, where = settings[variable]
            return value, where
    return None, ""


def _settings_values(project: Path) -> dict[str, tuple[str, str]]:
    """``NAME = "value"`` lines of the app's settings modules: ``{NAME: (value, file)}``."""
    found: dict[str, tuple[str, str]] = {}
    for pattern in _SETTINGS_FILES:
        for path in sorted(project.glob(pattern)):
            if any(part in (".venv", "node_modules", "site-packages") for part in path.parts):
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for line in text.splitlines():
                match = _SETTING.match(line)
                if match and match.group("name").endswith("MODEL"):
                    found.setdefault(match.group("name"), (match.group("v"), path.name))
    return found
