"""``envcheck init --ci github``: a GitHub Actions workflow that runs envcheck as the gate.

Derived from the same ``[tool.envcheck]`` init writes: Poetry (installed once into its own
virtualenv and cached) or a plain ``.venv``; the project's ``.venv`` cached by the lock file;
service containers for the PostgreSQL and Redis sections, reached through the variables the
sections reference; the providers' keys from repository secrets. The report is uploaded even when
the gate fails.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from envcheck.initkit.venv import requirement_names

WORKFLOW = ".github/workflows/envcheck.yml"
GATE = "pytest -m envcheck --envcheck-only --envcheck-report"
REPORT_FILES = ("envcheck-report.md", "envcheck-report.json")
#: minors setup-python offers, oldest first
_MINORS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
_REDIS_URL = "redis://127.0.0.1:6379/0"


def python_for_ci(spec: str | None) -> str:
    """The Python minor the workflow sets up: this interpreter's when the project allows it (CI
    then runs what the developer runs), else the newest one the range allows."""
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    if not spec:
        return here
    try:
        wanted = SpecifierSet(spec)
    except InvalidSpecifier:
        return here

    def allowed(minor: str) -> bool:
        return any(wanted.contains(f"{minor}.{micro}") for micro in (0, 99))

    if allowed(here):
        return here
    fitting = [minor for minor in _MINORS if allowed(minor)]
    return fitting[-1] if fitting else here


def _variable(value: Any, default: str) -> tuple[str, bool]:
    """The variable a setting reads (``${DATABASE_URL:-...}`` -> DATABASE_URL) and whether the
    setting reads one at all."""
    match = _REFERENCE.search(value) if isinstance(value, str) else None
    return (match.group(1), True) if match else (default, False)


def _provider_variables(name: str, section: Any) -> list[str]:
    """The variables a provider section reads: every ``${VAR}`` in it, and the key's default
    variable (``OPENAI_API_KEY`` for ``openai``) when it names no ``api_key``."""
    values = section.values() if isinstance(section, Mapping) else []
    found = [m.group(1) for v in values if isinstance(v, str) for m in _REFERENCE.finditer(v)]
    if not isinstance(section, Mapping) or "api_key" not in section:
        found.append(re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") + "_API_KEY")
    return found


def github_workflow(
    table: Mapping[str, Any], pyproject: Mapping[str, Any], *, notes: list[str]
) -> str:
    """The workflow's text for the merged ``[tool.envcheck]`` ``table`` of the project whose parsed
    ``pyproject.toml`` is ``pyproject``; ``notes`` gains what the workflow cannot provide."""
    found = table.get("venv")
    venv: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    poetry = bool(venv.get("poetry", True))
    version = python_for_ci(venv.get("python"))
    comments: list[str] = []
    declared = requirement_names([*venv.get("packages", []), *venv.get("dev_packages", [])])
    if "pytest-envcheck" not in declared:
        comments.append(
            "pytest-envcheck is not among the project's declared packages: the gate needs it "
            "installed (add it to the dev group)"
        )
    env: list[tuple[str, str]] = [("CI", '"true"')]
    services: list[str] = []
    postgres = table.get("postgres")
    if isinstance(postgres, Mapping):
        variable, referenced = _variable(postgres.get("dsn"), "DATABASE_URL")
        env.append((variable, _POSTGRES_URL))
        services += _service("postgres", "postgres:16", "pg_isready -U postgres", 5432, trust=True)
        if not referenced:
            comments.append(
                f"[tool.envcheck.postgres] dsn reads no variable: write it as "
                f'"${{{variable}:-...}}" so the checks reach the service below'
            )
    redis = table.get("redis")
    if isinstance(redis, Mapping):
        variable, referenced = _variable(redis.get("url"), "REDIS_URL")
        env.append((variable, _REDIS_URL))
        services += _service("redis", "redis:7", "redis-cli ping", 6379)
        if not referenced:
            comments.append(
                f"[tool.envcheck.redis] url reads no variable: write it as "
                f'"${{{variable}:-...}}" so the checks reach the service below'
            )
    providers = table.get("providers")
    if isinstance(providers, Mapping) and providers:
        names = sorted(
            {v for name, cfg in providers.items() for v in _provider_variables(name, cfg)}
        )
        env += [(name, f"${{{{ secrets.{name} }}}}") for name in names]
        comments.append(
            f"the providers' keys come from repository secrets: {', '.join(names)} "
            "(Settings > Secrets and variables > Actions)"
        )
    if "ollama" in table:
        comments.append(
            "[tool.envcheck.ollama] is configured but this workflow starts no Ollama: add one, "
            "or run the gate with -m 'envcheck and not ollama'"
        )
    if poetry:
        env.append(("POETRY_VIRTUALENVS_IN_PROJECT", '"true"'))
    notes += [f"ci: {comment}" for comment in comments]
    lines = [
        "# envcheck as the gate: the environment is checked before anything else runs, and the",
        "# report is kept as an artifact (also when the gate fails).",
        "# Written by `envcheck init --ci github`; edit freely.",
        *(f"# - {comment}" for comment in comments),
        "name: envcheck",
        "",
        "on:",
        "  push:",
        "    branches: [main]",
        "  pull_request:",
        "",
        "permissions:",
        "  contents: read",
        "",
        "jobs:",
        "  envcheck:",
        "    name: environment gate",
        "    runs-on: ubuntu-latest",
        "    timeout-minutes: 30",
    ]
    if services:
        lines += ["    services:", *services]
    lines += ["    env:", *(f"      {name}: {value}" for name, value in env)]
    lines += [
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: actions/setup-python@v5",
        "        id: python",
        "        with:",
        f'          python-version: "{version}"',
    ]
    lines += _poetry_steps() if poetry else _venv_steps(_pip_install(pyproject))
    run = f"poetry run {GATE}" if poetry else f".venv/bin/{GATE}"
    lines += [
        "      - name: envcheck gate",
        f"        run: {run}",
        "      - name: Upload the environment report",
        "        if: always()",
        "        uses: actions/upload-artifact@v4",
        "        with:",
        "          name: envcheck-report",
        "          path: |",
        *(f"            {name}" for name in REPORT_FILES),
        "          if-no-files-found: warn",
    ]
    return "\n".join(lines) + "\n"


def _service(name: str, image: str, health: str, port: int, *, trust: bool = False) -> list[str]:
    lines = [f"      {name}:", f"        image: {image}"]
    if trust:
        lines += ["        env:", "          POSTGRES_HOST_AUTH_METHOD: trust"]
    return lines + [
        "        ports:",
        f"          - {port}:{port}",
        "        options: >-",
        f'          --health-cmd "{health}"',
        "          --health-interval 2s",
        "          --health-timeout 5s",
        "          --health-retries 30",
    ]


def _poetry_steps() -> list[str]:
    python = "${{ steps.python.outputs.python-version }}"
    return [
        "      - name: Cache Poetry",
        "        id: poetry-cache",
        "        uses: actions/cache@v4",
        "        with:",
        "          path: ~/.poetry",
        f"          key: poetry-2-${{{{ runner.os }}}}-{python}",
        "      - name: Install Poetry",
        "        if: steps.poetry-cache.outputs.cache-hit != 'true'",
        "        run: python -m venv ~/.poetry && ~/.poetry/bin/pip install 'poetry>=2,<3'",
        '      - run: echo "$HOME/.poetry/bin" >> "$GITHUB_PATH"',
        "      - name: Cache .venv",
        "        uses: actions/cache@v4",
        "        with:",
        "          path: .venv",
        f"          key: venv-${{{{ runner.os }}}}-{python}-"
        "${{ hashFiles('poetry.lock', 'pyproject.toml') }}",
        "      - name: Install the project",
        "        run: poetry install --no-interaction",
    ]


def _pip_install(pyproject: Mapping[str, Any]) -> str:
    """How pip installs the project with its dev tools: the ``dev`` dependency group (PEP 735,
    pip 25.1 and later), else the ``dev`` extra, else the project alone."""
    groups = pyproject.get("dependency-groups")
    if isinstance(groups, Mapping) and "dev" in groups:
        return ".venv/bin/pip install -e . --group dev"
    project = pyproject.get("project")
    extras = project.get("optional-dependencies") if isinstance(project, Mapping) else None
    if isinstance(extras, Mapping) and "dev" in extras:
        return ".venv/bin/pip install -e '.[dev]'"
    return ".venv/bin/pip install -e ."


def _venv_steps(install: str) -> list[str]:
    python = "${{ steps.python.outputs.python-version }}"
    return [
        "      - name: Cache .venv",
        "        id: venv-cache",
        "        uses: actions/cache@v4",
        "        with:",
        "          path: .venv",
        f"          key: venv-${{{{ runner.os }}}}-{python}-${{{{ hashFiles('pyproject.toml') }}}}",
        "      - name: Install the project",
        "        if: steps.venv-cache.outputs.cache-hit != 'true'",
        "        run: |",
        "          python -m venv .venv",
        "          .venv/bin/pip install --upgrade pip",
        f"          {install}",
    ]
