"""Reading a PostgreSQL connection string with libpq's own parser, without ever echoing it.

What libpq accepts is read as libpq reads it (``psycopg.conninfo.conninfo_to_dict``). libpq's
parse errors quote the input (``missing "=" after "CNRYB"``), and the input holds the password:
for a string libpq rejects, envcheck's own reading of URLs
(``postgresql://user:password@host:port/dbname?key=value``) and keyword strings
(``host=... user=... password='a b'``) says what is wrong in its own words.
"""

from __future__ import annotations

import configparser
import difflib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,30}):(//)?")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
ENCODE = "percent-encode @ # / : ? in the user name and password (as %40 %23 %2F %3A %3F; % as %25)"


class DsnError(ValueError):
    """What is wrong with a connection string, in words that never quote its value."""


#: connection keywords every supported libpq knows (checked without importing psycopg)
COMMON_KEYWORDS = frozenset(
    "application_name channel_binding client_encoding connect_timeout dbname "
    "fallback_application_name gssencmode gsslib host hostaddr keepalives keepalives_count "
    "keepalives_idle keepalives_interval krbsrvname load_balance_hosts options passfile password "
    "port replication requirepeer service ssl_max_protocol_version ssl_min_protocol_version "
    "sslcert sslcompression sslcrl sslcrldir sslkey sslmode sslpassword sslrootcert sslsni "
    "target_session_attrs tcp_user_timeout user".split()
)


def keywords() -> set[str]:
    """Every connection keyword this libpq knows."""
    import psycopg

    return {opt.keyword.decode() for opt in psycopg.pq.Conninfo.get_defaults()}


def parse(dsn: str) -> dict[str, str]:
    """The parameters of ``dsn`` (a URL or a keyword/value string) as libpq reads them;
    :class:`DsnError`, in envcheck's words, if libpq rejects it."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {key: str(value) for key, value in conninfo_to_dict(dsn).items()}
    except psycopg.Error as exc:
        libpq = _QUOTED.sub('"…"', (str(exc).strip().splitlines() or [""])[0])
    try:
        explain(dsn)
    except DsnError as exc:
        raise DsnError(str(exc)) from None
    raise DsnError(f"libpq rejects it ({libpq})")


#: a quoted piece of the input in a libpq message
_QUOTED = re.compile(r'"[^"]*"')


def explain(dsn: str) -> dict[str, str]:
    """envcheck's own reading of ``dsn``: :class:`DsnError` in words that quote nothing."""
    text = dsn.strip()
    if not text:
        return {}
    scheme = _SCHEME.match(text)
    if scheme and (scheme.group(2) or "=" not in text.split()[0]):
        name = scheme.group(1)
        if name.lower() not in SCHEMES or not scheme.group(2):
            close = difflib.get_close_matches(name.lower(), SCHEMES, n=1, cutoff=0.5)
            also = f" (did you mean {close[0]}://?)" if close else ""
            raise DsnError(f"its scheme is {name}://, not postgresql:// or postgres://{also}")
        params = _parse_url(text[scheme.end() :])
    else:
        params = _parse_keywords(text)
    _check_keys(params)
    return params


def _unquote(part: str, what: str) -> str:
    from urllib.parse import unquote

    if _PERCENT.search(part):
        raise DsnError(f"the {what} has a '%' that does not start a %XX escape; {ENCODE}")
    return unquote(part)


def _parse_url(rest: str) -> dict[str, str]:
    cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0], default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    path, _, query = tail.partition("?")
    if "@" in path:
        raise DsnError(
            "the part before '@' (user and password) contains an unencoded '/' or '?'; " + ENCODE
        )
    if authority.count("@") > 1:
        raise DsnError("the user name or password contains an unencoded '@'; " + ENCODE)
    params: dict[str, str] = {}
    userinfo, _, hostspec = authority.rpartition("@")
    has_password = ":" in userinfo
    if userinfo:
        user, _, password = userinfo.partition(":")
        if user:
            params["user"] = _unquote(user, "user name")
        if has_password:
            params["password"] = _unquote(password, "password")
    hosts, ports = [], []
    for item in hostspec.split(",") if hostspec else []:
        if item.startswith("["):
            host, _, after = item[1:].partition("]")
            port = after[1:] if after.startswith(":") else ""
        else:
            host, _, port = item.partition(":")
        if port and not port.isdigit():
            plain = not has_password and port.isalnum() and len(port) < 12
            shown = f" {port!r}" if plain else ""
            raise DsnError(
                f"its port{shown} is not a number (if the password contains @ # / or :, the "
                f"rest of it was read as host and port; {ENCODE})"
            )
        hosts.append(_unquote(host, "host"))
        ports.append(port)
    if any(hosts):
        params["host"] = ",".join(hosts)
    if any(ports):
        params["port"] = ",".join(ports)
    if path.strip("/"):
        params["dbname"] = _unquote(path[1:], "database name")
    for pair in query.split("&") if query else []:
        key, has_value, value = pair.partition("=")
        if not has_value:
            raise DsnError(f"the query parameter {key[:30]!r} has no '=value'")
        params[_unquote(key, "query")] = _unquote(value, f"value of {key[:30]}")
    return params


def _parse_keywords(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    i, n, previous = 0, len(text), ""
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        while i < n and text[i] != "=" and not text[i].isspace():
            i += 1
        key = text[start:i]
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] != "=":
            after = f" after the value of {previous}" if previous else ""
            raise DsnError(
                f"it has a word without '='{after}: it is neither a URL "
                "(postgresql://...) nor a keyword string (host=... port=...); a value with "
                "spaces must be in single quotes: password='...'"
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        value = []
        if i < n and text[i] == "'":
            i += 1
            while i < n and text[i] != "'":
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                value.append(text[i])
                i += 1
            if i >= n:
                raise DsnError(f"the quoted value of {key} has no closing quote")
            i += 1
        else:
            while i < n and not text[i].isspace():
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                value.append(text[i])
                i += 1
        params[key] = "".join(value)
        previous = key
    return params


def _check_keys(params: Mapping[str, str]) -> None:
    if not set(params) - COMMON_KEYWORDS:
        return  # importing psycopg takes a while: only for keys beyond the common ones
    known = keywords()
    for key in params:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            shown = repr(key[:30]) if re.fullmatch(r"[A-Za-z_]{1,30}", key) else "a key"
            also = f"; did you mean {close[0]!r}?" if close else ""
            raise DsnError(f"{shown} is not a libpq connection parameter{also}")


def service_params(
    name: str, environ: Mapping[str, str]
) -> tuple[dict[str, str] | None, list[str]]:
    """The parameters of service ``name`` from the files libpq reads (``PGSERVICEFILE`` or
    ``~/.pg_service.conf``, then ``PGSYSCONFDIR/pg_service.conf``; ``None`` if none has it) and
    those files."""
    files = service_files(environ)
    found = service_definitions(name, environ)
    return (found[0][1] if found else None), files


def service_files(environ: Mapping[str, str]) -> list[str]:
    """The service files libpq reads, in its order: the user's, then the system's."""
    files = [environ.get("PGSERVICEFILE") or str(Path.home() / ".pg_service.conf")]
    sysconf = environ.get("PGSYSCONFDIR") or "/etc/postgresql-common"
    files.append(os.path.join(sysconf, "pg_service.conf"))
    return files


def service_definitions(name: str, environ: Mapping[str, str]) -> list[tuple[str, dict[str, str]]]:
    """Every service file that defines service ``name``, in libpq's order, with its
    parameters: libpq uses the first only (fe-connect.c ``parseServiceInfo``)."""
    found = []
    for path in service_files(environ):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        if parser.has_section(name):
            found.append((path, dict(parser.items(name))))
    return found


def service_behind_mark(path: str, name: str) -> bool:
    """Whether ``path`` begins with a UTF-8 byte order mark right before the header of service
    ``name``'s section: libpq takes a line for a section header only when its first byte is
    ``[`` (fe-connect.c ``parseServiceFile``), so it never finds that section."""
    try:
        with open(path, "rb") as handle:
            first = handle.readline()
    except OSError:
        return False
    return first.rstrip(b"\r\n").strip() == b"\xef\xbb\xbf[" + name.encode() + b"]"


def service_nested_line(path: str, name: str) -> tuple[int, str] | None:
    """The line of service ``name``'s section in ``path`` that names another service
    (``service=other``), which libpq refuses (fe-connect.c ``parseServiceFile``: nested service
    specifications not supported): its number (1 the first) and the service it names."""
    for number, line in _section_lines(path, name):
        key, _, value = line.partition("=")
        if key == "service":
            return number, value
    return None


def service_syntax_error(path: str, name: str) -> tuple[int, str] | None:
    """The first line of service ``name``'s section in ``path`` that libpq cannot read
    (fe-connect.c ``parseServiceFile``: inside the section, every line that is not blank or a
    ``#`` comment must be ``key=value``; configparser would also take ``key: value``): its number
    (1 the first) and its key as far as it can be told (never a value)."""
    for number, line in _section_lines(path, name):
        if "=" not in line:
            key = re.split(r"[\s:]", line, maxsplit=1)[0][:30]
            return number, key if re.fullmatch(r"[A-Za-z_]+", key) else "a line"
    return None


def _section_lines(path: str, name: str) -> Iterator[tuple[int, str]]:
    """The lines of service ``name``'s first section in ``path`` as libpq reads them (stripped;
    blank lines and ``#`` comments left out), each with its number (1 the first); none when the
    file cannot be read as UTF-8."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return
    inside = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            if inside:
                return
            inside = line == f"[{name}]"
        elif inside:
            yield number, line
