"""The ``editor`` check: a Sourcegraph extension in VS Code or a JetBrains IDE, and its endpoint.

*Not configured* (skipped) when no editor is on this machine; an editor without the extension is a
warning; an extension whose settings name another instance fails.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from envcheck_sourcegraph._config import COMPONENT, resolve

from envcheck import CheckFailed, CheckSkipped, Context, Outcome, kit, ok, warn

VSCODE_IDS = ("sourcegraph.cody-ai", "sourcegraph.sourcegraph")
#: VS Code user settings that name the instance (Cody's older key, and the search extension's)
ENDPOINT_SETTINGS = ("cody.serverEndpoint", "sourcegraph.url")
_FOLDER_ID = re.compile(r"^(?P<id>[a-z0-9-]+\.[a-z0-9-]+)-\d+\.\d+\.\d+")


def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def _config_base() -> Path:
    system = platform.system()
    if system == "Darwin":
        return _home() / "Library" / "Application Support"
    if system == "Windows":
        return Path(os.environ.get("APPDATA") or _home() / "AppData" / "Roaming")
    return Path(os.environ.get("XDG_CONFIG_HOME") or _home() / ".config")


def vscode_extension_folders() -> list[Path]:
    names = (".vscode", ".vscode-insiders", ".vscode-oss", ".vscode-server")
    return [_home() / name / "extensions" for name in names]


def vscode_settings_files() -> list[Path]:
    names = ("Code", "Code - Insiders", "VSCodium")
    return [_config_base() / name / "User" / "settings.json" for name in names]


def jetbrains_folders() -> list[Path]:
    """Folders holding one folder per IDE (``IntelliJIdea2025.2``...) with its plugins."""
    if platform.system() == "Linux":
        data = Path(os.environ.get("XDG_DATA_HOME") or _home() / ".local" / "share")
        return [data / "JetBrains", _config_base() / "JetBrains"]
    return [_config_base() / "JetBrains"]


def vscode_extensions(timeout: float) -> tuple[bool, dict[str, str], list[str]]:
    """(VS Code present, {Sourcegraph extension id: where it was seen}, what was cut of
    ``code --list-extensions``'s output: its lines in the part envcheck did not keep are not
    seen)."""
    found: dict[str, str] = {}
    present = False
    cut: list[str] = []
    code = shutil.which("code")
    if code is not None:
        present = True
        try:
            ran = kit.run([code, "--list-extensions"], timeout=timeout)
        except OSError:
            pass  # the folders below still tell
        else:
            cut = [f"`code --list-extensions`: {note.strip('[]')}" for note in ran.notes]
            for line in ran.stdout.splitlines():
                ident = line.strip().split("@")[0].lower()
                if ident in VSCODE_IDS:
                    found[ident] = "code --list-extensions"
    for folder in vscode_extension_folders():
        if not folder.is_dir():
            continue
        present = True
        for entry in folder.iterdir():
            match = _FOLDER_ID.match(entry.name.lower())
            if entry.is_dir() and match and match.group("id") in VSCODE_IDS:
                found.setdefault(match.group("id"), str(entry))
    return present, found, cut


def jetbrains_plugins() -> tuple[list[str], list[str]]:
    """(IDEs found, Sourcegraph plugin folders found)."""
    ides: list[str] = []
    plugins: list[str] = []
    for base in jetbrains_folders():
        if not base.is_dir():
            continue
        for ide in sorted(p for p in base.iterdir() if p.is_dir() and p.name[:1].isupper()):
            ides.append(ide.name)
            for where in (ide, ide / "plugins"):
                if where.is_dir():
                    plugins += [
                        str(p) for p in where.iterdir() if p.is_dir() and _is_sourcegraph(p.name)
                    ]
    return sorted(set(ides)), sorted(set(plugins))


def _is_sourcegraph(folder: str) -> bool:
    name = folder.lower()
    return name.startswith("sourcegraph") or name in ("cody", "cody-ai", "jetbrains-cody")


def strip_jsonc(text: str) -> str:
    """VS Code's settings are JSON with comments and trailing commas: make them plain JSON."""
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(c)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def endpoint_settings() -> list[tuple[Path, str, str]]:
    """(settings file, key, value) for every setting that names an instance."""
    found = []
    for path in vscode_settings_files():
        if not path.is_file():
            continue
        try:
            data: Any = json.loads(strip_jsonc(path.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            continue
        if not isinstance(data, dict):
            continue
        for key in ENDPOINT_SETTINGS:
            if isinstance(data.get(key), str) and data[key].strip():
                found.append((path, key, data[key].strip()))
    return found


def same_instance(a: str, b: str) -> bool:
    x, y = urlsplit(a.rstrip("/")), urlsplit(b.rstrip("/"))
    return (x.scheme, x.hostname, x.port, x.path) == (y.scheme, y.hostname, y.port, y.path)


def editor_check(ctx: Context) -> Outcome:
    instance = resolve(ctx, with_token=False)  # an editor extension signs in by itself
    has_vscode, extensions, cut = vscode_extensions(min(5.0, ctx.remaining()))
    if cut:
        ctx.fact("cut", cut)
    ides, plugins = jetbrains_plugins()
    if not has_vscode and not ides:
        raise CheckSkipped(
            "not configured: no VS Code or JetBrains IDE on this machine",
            hint=f"set editor = false in [tool.envcheck.{COMPONENT}] to leave this check out",
        )
    editors = (["VS Code"] if has_vscode else []) + ides
    ctx.fact("editors", editors)
    if not extensions and not plugins:
        how = []
        if has_vscode:
            how.append("code --install-extension sourcegraph.cody-ai")
        if ides:
            how.append("JetBrains: Settings > Plugins > Marketplace > 'Sourcegraph Cody'")
        return warn(
            f"no Sourcegraph extension in {', '.join(editors)}",
            why="; ".join(cut) or None,
            hint="; ".join(how),
            editors=editors,
        )
    ctx.fact("extensions", sorted(extensions))
    if plugins:
        ctx.fact("jetbrains_plugins", plugins)
    for path, key, value in endpoint_settings() if extensions else []:
        if not same_instance(value, instance.endpoint):
            raise CheckFailed(
                f"VS Code's {key} is {value}, not {instance.endpoint}",
                why=f"the extension talks to another instance than envcheck checks ({path})",
                hint=f'set "{key}": "{instance.endpoint}" in {path} (or fix the endpoint here)',
            )
    seen = sorted(extensions) + [Path(p).name for p in plugins]
    return ok(f"{', '.join(seen)} installed", extensions=sorted(extensions))
