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
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement

from envcheck.core import interpolate as _interpolate
from envcheck.core import redact

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
) -> Proposal:
    """Propose ``[tool.envcheck]`` for ``project`` (``pyproject`` is its parsed file)."""
    proposal = Proposal()
    proposal.table["venv"] = venv_section(project, pyproject, proposal.notes)
    for component, section in defaults.items():
        if component in ("venv", "mcp"):
            continue
        found = _component(component, section, environ, project, proposal.notes)
        if found is not None:
            proposal.table[component] = found
    if discovered_servers:
        proposal.table["mcp"] = {"discover": True}
        names = ", ".join(discovered_servers)
        proposal.notes.append(f"mcp: checks the servers of the client config files ({names})")
    else:
        proposal.notes.append("mcp: no client config file (.mcp.json, .cursor/, .vscode/) found")
    return proposal


# --- venv -------------------------------------------------------------------------------------


def venv_section(project: Path, pyproject: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    meta = pyproject.get("project") or {}
    poetry = (pyproject.get("tool") or {}).get("poetry") or {}
    section: dict[str, Any] = {}
    python = meta.get("requires-python") or _poetry_constraint(
        (poetry.get("dependencies") or {}).get("python")
    )
    if python:
        section["python"] = python
    section["require_venv"] = sys.prefix != sys.base_prefix
    uses_poetry = bool(poetry) or (project / "poetry.lock").is_file()
    section["poetry"] = uses_poetry
    packages = list(_main_packages(meta, poetry))
    if packages:
        section["packages"] = packages
    dev = list(_dev_packages(pyproject, poetry))
    if dev:
        section["dev_packages"] = dev
    notes.append(
        f"venv: Python {python or '(any)'}, {len(packages)} package(s), {len(dev)} dev tool(s)"
        + (", Poetry" if uses_poetry else "")
    )
    return section


def _main_packages(meta: Mapping[str, Any], poetry: Mapping[str, Any]) -> Iterator[str]:
    seen: set[str] = set()
    for text in meta.get("dependencies") or []:
        requirement = _requirement(str(text))
        if requirement is None or requirement.name.lower() in seen:
            continue
        seen.add(requirement.name.lower())
        yield f"{requirement.name}{requirement.specifier}"
    for name, value in (poetry.get("dependencies") or {}).items():
        if name.lower() == "python" or name.lower() in seen:
            continue
        seen.add(name.lower())
        if isinstance(value, dict) and value.get("optional"):
            continue
        version = value.get("version") if isinstance(value, dict) else value
        yield f"{name}{_poetry_constraint(version) or ''}"


def _dev_packages(pyproject: Mapping[str, Any], poetry: Mapping[str, Any]) -> Iterator[str]:
    seen: set[str] = set()
    names: list[str] = []
    groups = poetry.get("group") or {}
    names += list(((groups.get("dev") or {}).get("dependencies") or {}))
    names += list(poetry.get("dev-dependencies") or {})
    for text in (pyproject.get("dependency-groups") or {}).get("dev") or []:
        if isinstance(text, str) and (requirement := _requirement(text)) is not None:
            names.append(requirement.name)
    optional = (pyproject.get("project") or {}).get("optional-dependencies") or {}
    for text in optional.get("dev") or []:
        if (requirement := _requirement(str(text))) is not None:
            names.append(requirement.name)
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            yield name


def _requirement(text: str) -> Requirement | None:
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    if requirement.marker is not None and not requirement.marker.evaluate({**env, "extra": ""}):
        return None
    return requirement


def _poetry_constraint(value: Any) -> str | None:
    """Poetry's ``^3.11`` / ``~3.11`` / ``3.11.*`` / ``>=3.11,<3.13`` as a PEP 440 specifier."""
    if not isinstance(value, str) or not value.strip() or value.strip() == "*":
        return None
    parts = []
    for piece in re.split(r"\s*,\s*|\s+", value.strip()):
        if piece.startswith(("^", "~")) and not piece.startswith("~="):
            numbers = [int(n) for n in re.findall(r"\d+", piece)]
            if not numbers:
                return None
            low = ".".join(map(str, numbers))
            if piece.startswith("^"):
                index = next((i for i, n in enumerate(numbers) if n), len(numbers) - 1)
            else:
                index = min(1, len(numbers) - 1) if len(numbers) > 1 else 0
            upper = numbers[: index + 1]
            upper[-1] += 1
            parts.append(f">={low},<{'.'.join(map(str, upper))}")
        elif re.fullmatch(r"\d+(\.\d+)*(\.\*)?", piece):
            parts.append(f"=={piece}")
        else:
            parts.append(piece)
    return ",".join(parts)


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
