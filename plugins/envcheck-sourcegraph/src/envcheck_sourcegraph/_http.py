"""One check's HTTP calls to the instance: through its cassette, every failure diagnosed.

Answers are replayed from (and recorded to) ``cassettes/sourcegraph/<check>.yaml`` with envcheck's
own cassette machinery (:mod:`envcheck.cassettes`), the token scrubbed. Only successful answers
are recorded: a refused token kept in a cassette would be replayed after it was fixed. The token
check asks live whenever a token is set, unless the record mode is ``none`` or ``once``.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from envcheck_sourcegraph._config import COMPONENT, TOKEN_VARIABLE, Instance

from envcheck import CheckFailed, Context, cassettes

if TYPE_CHECKING:
    import httpx

GRAPHQL = "/.api/graphql"
JSON_TYPES = ("application/json", "application/graphql-response+json")


class _SuccessOnly(cassettes.Cassette):
    def record(self, request: Any, response: dict[str, Any]) -> None:
        if 200 <= int(response["status"]["code"]) < 300:
            super().record(request, response)


class Http:
    """The calls of one check (``with Http(instance, ctx, "token") as http: ...``)."""

    def __init__(
        self, instance: Instance, ctx: Context, check: str, *, proves_token: bool = False
    ) -> None:
        import httpx

        self.instance = instance
        self.ctx = ctx
        self.cassette: cassettes.Cassette | None = None
        verify: ssl.SSLContext | bool = True
        if instance.cfg.ca_file:
            ca_file = ctx.resolve(instance.cfg.ca_file, key=f"tool.envcheck.{COMPONENT}.ca_file")
            verify = _ca_context(ca_file)
        # the cassette's transport does not close the one it wraps: this check closes it itself
        self._network = httpx.HTTPTransport(verify=verify)
        transport: httpx.BaseTransport = self._network
        if instance.cfg.cassettes:
            path = Path(ctx.rootdir) / "cassettes" / COMPONENT / f"{check}.yaml"
            # (a placeholder in quotes: `NAME=...` reads as a secret to envcheck's redaction)
            rerecord = f'{TOKEN_VARIABLE}="<token>" pytest -m {COMPONENT} -k {check} '
            rerecord += "--envcheck-record=all"
            mode = cassettes.mode(ctx.config)
            if proves_token and instance.token and mode == "new":
                # a replayed answer proves nothing about the token at hand: ask, and re-record
                mode = "all"
            self.cassette = _SuccessOnly.open(path, mode, [instance.token or ""], rerecord)
            transport = self.cassette.transport(transport)
        self.client = httpx.Client(transport=transport, follow_redirects=False)

    def __enter__(self) -> Http:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.client.close()
        self._network.close()
        if self.cassette is None:
            self.ctx.evidence = "live"
            return
        self.cassette.save()
        self.ctx.evidence = self.cassette.evidence
        if self.cassette.replayed:
            self.ctx.fact("cassette", str(self.cassette.path))
            if self.cassette.recorded_at:
                self.ctx.fact("recorded_at", self.cassette.recorded_at)

    @property
    def replaying(self) -> bool:
        """True when this check's answers can come from its cassette without the network."""
        return (
            self.cassette is not None and self.cassette.loaded > 0 and self.cassette.mode != "all"
        )

    def request(self, method: str, path: str, *, body: Any = None, auth: bool) -> httpx.Response:
        """One request, bounded by the check's time left; transport failures are diagnosed."""
        import httpx

        url = self.instance.endpoint + path
        headers = {"accept": "application/json"}
        if auth:
            # replaying without a token: the placeholder is never sent live (envcheck.cassettes)
            headers["authorization"] = f"token {self.instance.token or cassettes.REDACTED}"
        timeout = max(0.2, self.ctx.remaining() - 0.3)
        try:
            return self.client.request(method, url, json=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise timed_out(url, exc, timeout) from None
        except httpx.TransportError as exc:
            raise unreachable(self.instance, url, exc) from None

    def graphql(self, query: str, *, auth: bool) -> httpx.Response:
        return self.request("POST", GRAPHQL, body={"query": query}, auth=auth)


def _ca_context(ca_file: str) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise CheckFailed(
            f"ca_file {ca_file} cannot be used: {exc}",
            hint=f"point ca_file in [tool.envcheck.{COMPONENT}] at the PEM file of the CA that "
            "signed the instance's certificate",
        ) from None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def timed_out(url: str, exc: Exception, timeout: float) -> CheckFailed:
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        why = "the connection was not accepted in time: a firewall drops it, or a VPN is needed"
    else:
        why = "the connection was accepted but no answer came: the instance or a proxy hangs"
    return CheckFailed(
        f"no answer from {url} within {timeout:.1f} s",
        why=why,
        hint="check the VPN/proxy and that the instance is up (curl -I the endpoint), or raise "
        f"timeout in [tool.envcheck.{COMPONENT}]",
    )


# OpenSSL verify codes (X509_V_ERR_*): the verdict comes from the code, not from the message
_UNTRUSTED = {18, 19, 20, 21, 2}
_EXPIRED, _NOT_YET_VALID, _HOSTNAME = 10, 9, 62


def unreachable(instance: Instance, url: str, exc: Exception) -> CheckFailed:
    """A transport failure: TLS (by verify code or OpenSSL reason), refused, DNS."""
    setting = f"ca_file in [tool.envcheck.{COMPONENT}]"
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            code = cause.verify_code
            if code in _UNTRUSTED:
                return CheckFailed(
                    f"TLS: the certificate of {url} is not trusted (verify code {code}: "
                    f"{cause.verify_message})",
                    why="it is signed by a private CA (or self-signed) that this machine's trust "
                    "store does not hold",
                    hint=f"set {setting} to the CA's PEM file (or export SSL_CERT_FILE=...); "
                    "do not turn verification off",
                )
            if code in (_EXPIRED, _NOT_YET_VALID):
                state = "has expired" if code == _EXPIRED else "is not valid yet"
                return CheckFailed(
                    f"TLS: the certificate of {url} {state} (verify code {code})",
                    why="the instance's certificate is outside its validity period, or this "
                    "machine's clock is wrong",
                    hint="renew the instance's certificate (its admins), or fix the clock here",
                )
            if code == _HOSTNAME:
                return CheckFailed(
                    f"TLS: the certificate of {url} is for another host name (verify code {code})",
                    why="the endpoint's host name is not among the certificate's names",
                    hint="set the endpoint to the host name the certificate names (as the browser "
                    "shows it)",
                )
            return CheckFailed(
                f"TLS: the certificate of {url} was rejected (verify code {code}: "
                f"{cause.verify_message})",
                hint=f"ask the instance's admins; or set {setting}",
            )
        if isinstance(cause, ssl.SSLError) and cause.reason == "WRONG_VERSION_NUMBER":
            return CheckFailed(
                f"TLS: {url} does not speak TLS on this port",
                why="an https:// endpoint points at a port that answers plain HTTP",
                hint="use http:// for this endpoint, or the port that serves HTTPS",
            )
        if isinstance(cause, ssl.SSLError):
            return CheckFailed(
                f"TLS handshake with {url} failed ({cause.reason or type(cause).__name__})",
                hint=f"check the endpoint's scheme and port; or set {setting}",
            )
        if isinstance(cause, ConnectionRefusedError):
            return CheckFailed(
                f"connection to {url} refused",
                why="nothing listens on that host and port",
                hint=f"start the instance, or fix the endpoint ({instance.endpoint})",
            )
        if isinstance(cause, socket.gaierror):
            return CheckFailed(
                f"cannot resolve the host of {url} (getaddrinfo error {cause.errno})",
                why="DNS does not know the name: a typo, or a name only the VPN resolves",
                hint=f"check the endpoint ({instance.endpoint}) and the VPN",
            )
    return CheckFailed(
        f"cannot reach {url}: {type(exc).__name__}: {exc}",
        why="DNS, a proxy or the network stands between this machine and the instance",
        hint=f"check the endpoint ({instance.endpoint}), DNS, VPN and HTTPS_PROXY",
    )


def json_body(response: httpx.Response) -> Any:
    """The answer's JSON, or ``None`` when it is not JSON (by its content type, then parsing)."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in JSON_TYPES:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def content_kind(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
