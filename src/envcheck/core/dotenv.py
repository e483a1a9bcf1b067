"""``.env`` files: a source of variables below the real environment.

The format is python-dotenv's: ``KEY=value`` lines, an optional ``export`` prefix, ``#`` comments
(inline after whitespace in unquoted values), single-quoted values taken literally, double-quoted
values with backslash escapes and newlines, and ``${VAR}`` / ``${VAR:-default}`` expanded in
unquoted and double-quoted values from the real environment and the lines above. A line that is not
one of these is an error naming the file and the line; nothing is guessed.
"""

from __future__ import annotations

import errno
import re
from collections import ChainMap
from collections.abc import Iterable, Mapping
from pathlib import Path

from envcheck.core import redact

DEFAULT_FILES = (".env",)

_KEY = re.compile(r"(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?P<eq>=)?[ \t]*")
_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "$": "$"}


class DotenvError(ValueError):
    """A ``.env`` file cannot be read; the message names the file, the line and the fix."""


def parse(text: str, *, where: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of a ``.env`` file's ``text`` (``where`` names it in errors)."""
    env: Mapping[str, str] = environ if environ is not None else {}
    found: dict[str, str] = {}
    # the lines above over the environment, without a copy per line (linear in the file's size)
    visible = ChainMap(found, dict(env))
    pos, line_no = 0, 1
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            pos, line_no = end + 1, line_no + 1
            continue
        offset = pos + (len(line) - len(line.lstrip()))
        match = _KEY.match(text, offset, end)
        if match is None:
            raise DotenvError(
                f"{where}:{line_no}: not a KEY=value line; names start with a letter or _, "
                "comments start with #"
            )
        key = match.group("key")
        if match.group("eq") is None:
            if text[match.end() : end].strip():
                raise DotenvError(
                    f"{where}:{line_no}: not a KEY=value line: expected '=' after {key}"
                )
            found[key] = ""  # python-dotenv: a bare KEY has no value; treat it as empty
            pos, line_no = end + 1, line_no + 1
            continue
        value, pos, line_no = _value(text, match.end(), line_no, where, key, visible)
        found[key] = value
    return found


def _value(
    text: str, pos: int, line_no: int, where: str, key: str, env: Mapping[str, str]
) -> tuple[str, int, int]:
    """Read the value starting at ``pos``; return it, the position after its line, the next line."""
    quote = text[pos] if pos < len(text) and text[pos] in "'\"" else ""
    if not quote:
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        raw = text[pos:end]
        comment = re.search(r"[ \t]#", raw)
        raw = (raw[: comment.start()] if comment else raw).strip()
        return _expand(raw, env), end + 1, line_no + 1
    chars: list[str] = []
    first_line, i = line_no, pos + 1
    while i < len(text):
        char = text[i]
        if char == quote:
            break
        if char == "\\" and quote == '"' and i + 1 < len(text):
            chars.append(_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
            continue
        if char == "\n":
            line_no += 1
        chars.append(char)
        i += 1
    else:
        raise DotenvError(
            f"{where}:{first_line}: the value of {key} opens a {quote} quote that never closes; "
            f"close it with {quote}"
        )
    rest_end = text.find("\n", i + 1)
    rest_end = len(text) if rest_end < 0 else rest_end
    rest = text[i + 1 : rest_end].strip()
    if rest and not rest.startswith("#"):
        raise DotenvError(
            f"{where}:{line_no}: text after the quoted value of {key}; "
            "put comments after a #, or quote the whole value"
        )
    value = "".join(chars)
    return (_expand(value, env) if quote == '"' else value), rest_end + 1, line_no + 1


def _expand(value: str, env: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        found = env.get(match.group("name"))
        if found:
            return found
        return match.group("default") or ""

    return _REFERENCE.sub(substitute, value)


def read(path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Parse one file (``environ`` expands its references); values are registered as secrets by
    the same rules as the environment's (a name that says it holds a secret, URL passwords)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DotenvError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise DotenvError(f"{path}: cannot be read ({exc.strerror})") from None
    values = parse(text, where=str(path), environ=environ)
    for name, value in values.items():
        if redact.is_secret_name(name) and len(value) >= 6:
            redact.register(value)
        elif "://" in value:
            redact.register_parts(value)
    return values


def environment(
    rootdir: Path, files: Iterable[str] | None, environ: Mapping[str, str]
) -> tuple[Mapping[str, str], list[Path]]:
    """``environ`` over the project's ``.env`` files (a later file wins over an earlier one, as
    ``.env.local`` over ``.env``; the real environment wins over all); also the files that were
    read, in order. Missing files are skipped."""
    layers: list[dict[str, str]] = []
    read_files: list[Path] = []
    for name in DEFAULT_FILES if files is None else files:
        path = Path(name) if Path(name).is_absolute() else rootdir / name
        if path.is_file():
            layers.append(read(path, environ))
            read_files.append(path)
        elif path.is_symlink() or path.exists():
            raise DotenvError(
                f"{path}: {_not_a_file(path)}; remove it or point env_files elsewhere"
            )
    return ChainMap(dict(environ), *reversed(layers)), read_files


def _not_a_file(path: Path) -> str:
    """Why ``path``, which is there, is not a file that can be read."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError as exc:
        loop = ", a symlink loop" if exc.errno == errno.ELOOP else ""
        return f"cannot be read ({exc.strerror}{loop})"
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file: reading it would wait for a writer"
    return "is not a regular file"


def origin(name: str, environ: Mapping[str, str], files: list[Path]) -> str:
    """Where variable ``name`` came from: ``$NAME`` for the environment, else the file's name."""
    if isinstance(environ, ChainMap) and name not in environ.maps[0]:
        for layer, path in zip(environ.maps[1:], reversed(files)):
            if name in layer:
                return f"{name} in {path.name}"
    return name


#: The env templates a project commits to say which variables it reads and what a developer copies
#: into ``.env``: ``.env.example`` (dotenv-safe, Laravel, most READMEs), ``.env.sample``,
#: ``.env.template`` (what the dotenv gem's ``dotenv -t`` writes) and ``.env.dist`` (Symfony).
#: The first that offers a variable wins; none is ever read as the environment.
TEMPLATE_FILES = (".env.example", ".env.sample", ".env.template", ".env.dist")
#: the largest template read, in bytes (templates are a few hundred lines at most)
_TEMPLATE_LIMIT = 256 * 1024
#: what a value may hold to be offered: it is written unquoted into a ``.env`` line and into a
#: ``${VAR:-default}``, so no space, quote, ``#``, ``$``, ``}`` or backslash
_OFFERABLE = re.compile(r"[A-Za-z0-9_.,:/@%+=?&~\[\]-]+")
#: a value that stands for one a person fills in
_PLACEHOLDER = re.compile(
    r"<[^>]*>|\.\.\.|^(x+|\*+|-+)$|\b((change|replace|fill)[-_]?me|your[-_]|(todo|fixme|example|"
    r"dummy|placeholder|redacted|xxx+)\b)",
    re.IGNORECASE,
)


def offered(rootdir: Path, name: str) -> tuple[Path, str] | None:
    """The value the project's env template (:data:`TEMPLATE_FILES`) offers for ``name``, and
    the template; ``None`` when none offers one that can be given without a person: never for a
    name that says it holds a secret (``*_TOKEN``, ``*_KEY``, ``*_PASSWORD``...), a placeholder
    (``<your-key>``, ``changeme``, ``https://api.example.com``), a value holding a URL's
    password, one that refers to other variables (``${HOST}:5432``), nor an empty one."""
    if redact.is_secret_name(name):
        return None
    line = re.compile(rf"^[ \t]*(?:export[ \t]+)?{re.escape(name)}[ \t]*=(?P<raw>.*)$", re.M)
    for template in TEMPLATE_FILES:
        path = rootdir / template
        try:
            if not path.is_file() or path.stat().st_size > _TEMPLATE_LIMIT:
                continue
            text = path.read_text(encoding="utf-8-sig")
            values = parse(text, where=str(path))
        except (OSError, UnicodeDecodeError, DotenvError):
            continue
        if name not in values:
            continue
        raw = [m.group("raw") for m in line.finditer(text)]
        value = values[name]
        if (raw and "$" in raw[-1]) or not offerable(value):
            return None
        return path, value
    return None


def offerable(value: str) -> bool:
    """Whether a template's ``value`` may be given as a default without a person: not empty, not
    a placeholder, no URL password, and only characters that need no quoting."""
    if not _OFFERABLE.fullmatch(value) or _PLACEHOLDER.search(value):
        return False
    return not re.search(r"://[^/@]*:[^/@]*@", value)
