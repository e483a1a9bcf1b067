"""A structural audit of the Ollama component's verdicts (issue 22): for each decision point of
src/envcheck/checks/ollama/ (diagnose.py, hooks.py, http.py, address.py, config.py) and
src/envcheck/checks/shared/ollama.py, which two server states reach the same branch and get the
same verdict or fix? Axes from Ollama's server source (ollama/ollama at fb30760:
server/routes.go, api/types.go, api/client.go, llm/server.go, server/images.go,
server/model_list_cache.go), which request was sent, the body's structure, a proxy or another
server at the address. Each predicted mis-telling is a real answer replayed by a local HTTP server
(:mod:`.replay`, :mod:`.http_lab`), the body and status as the source line named beside it
writes them; two healthy neighbours must pass.

Grepped before choosing, in docs/verdicts/ollama.md, tests/verdicts/test_ollama.py,
test_heldout.py, test_heldout_providers9..31.py (the Ollama rounds: 8 to 30) and
test_fallback_audit.py: ``:local`` (set 25's two sources only; set 30 dropped "a :local name of a
remote model" as a held-out case, its 404 being the table's text: this audit takes it for the
merge it is), ``StatusCode`` / ``StatusError`` (none), ``Client sent an HTTP request`` (none),
``blobs`` (set 30's unreadable blob, a 500 with Go's path error; never a 404 for a listed model),
``/api/ps`` with a plain-text 404 (set 13: only from a release older than the route), a
plain-text 404 to ``/api/tags`` (none: the table's not-routed row has tags answering),
``no TCP answer`` (the unreachable code only; no row, no case), ``remote_host`` at a host other
than ollama.com (set 30: only the 400 of OLLAMA_REMOTES).

The predictions (2026-12-08), each the decision point and the two states it merges:

- ``ollama-version-400-http-to-tls-port`` (hooks.py ``server``: any status but 403 without
  Ollama's version is "another service listens there", fixed by pointing the host at Ollama): a
  TLS listener in front of Ollama (Caddy, Traefik: Go's net/http) reached with ``http://``
  answers ``HTTP/1.0 400 Bad Request`` and ``Client sent an HTTP request to an HTTPS server.``
  (net/http/server.go, conn.serve, tlsRecordHeaderLooksLikeHTTP). Two states, one branch: a
  service that is not Ollama, and the right service spoken to in the wrong scheme; the fix is
  ``https://``. Predicted: wrong (the forbidden "another service").
- ``ollama-show-404-local-of-remote-model`` (hooks.py ``model_check`` -> diagnose.py
  ``not_pulled``: every JSON 404 to show is a model not pulled): ``models = ["team-coder:local"]``
  for a model made with ``remote_host`` (it runs on gpu-box.lan): show answers 404 ``model
  'team-coder:local' not found`` (routes.go:1378-1381: ``modelRef.Source == modelSourceLocal &&
  resp.RemoteHost != ""``) while ``/api/tags`` lists ``team-coder:latest`` with its
  ``remote_host``. Two states, one branch: a model not in the store, and a model in the store
  that runs elsewhere asked to run here. Predicted: wrong ("is not pulled").
- ``ollama-show-404-listed-blob-missing`` (diagnose.py ``not_pulled`` -> ``show_contradicted``:
  a 404 for a listed model is "contradicted", a proxy or another server guessed): the model's
  weights blob is gone from the store while its manifest stays: show answers 404 ``model
  'qwen2.5:7b' not found`` (GetModelInfo -> getModelData -> llm.LoadModel's os.Stat,
  llm/server.go:92-95, answered by routes.go:1366-1367 ``os.IsNotExist``), and ``/api/tags`` still
  lists it (model_list_cache.go:346-351 only logs a GGUF it cannot read). Two states: something
  in front answering in Ollama's shape, and the server's own store missing a file the manifest
  names; ``ollama pull`` restores the blob. Predicted: partly (no cause, no pull).
- ``ollama-generate-500-remote-oom-passed-on`` (hooks.py ``smoke``: a model with
  ``remote_host`` and a 500 is ``cloud_failed``, "got no answer from" it, "no local runner or
  memory is involved", ollama.com blamed): ``team-coder:latest`` runs on
  ``http://gpu-box.lan:11434`` (in the server's OLLAMA_REMOTES); gpu-box's own answer, a 500
  ``model requires more system memory (7.5 GiB) than is available (5.2 GiB)``, comes back
  through the local server as api.StatusError marshalled whole (routes.go:391-394, api/types.go:
  23-27, api/client.go:245-250): ``{"StatusCode":500,"Status":"500 Internal Server
  Error","error":"..."}``. Two states, one branch: the remote not reached, and the remote reached
  and refusing for its memory. Predicted: wrong.
- ``ollama-generate-500-remote-refused`` (the same branch): ``team-edge:latest`` runs on
  ``http://10.0.0.7:11434``, where nothing listens: the server's own request fails, 500 ``Post
  "http://10.0.0.7:11434/api/generate": dial tcp 10.0.0.7:11434: connect: connection refused``
  (routes.go:396). Cause right ("got no answer from"), but told as a cloud model and
  ollama.com's failure. Predicted: wrong (the forbidden "cloud model").
- ``ollama-show-404-tags-404-allow-list`` (hooks.py ``model_check``: a plain-text 404 to show ->
  ``show_not_routed``; ``_listed`` turns "no listing" into an empty one): a proxy that forwards
  only ``/api/version`` and ``/api/generate`` (Traefik with PathPrefix routers: Go's
  ``http.NotFound``, ``404 page not found``, for the rest) answers show and tags alike. Two
  states, one branch: a model that is not in the listing, and a listing never given. Predicted:
  wrong ("is not pulled", ``ollama pull``).
- ``ollama-ps-404-plain-recent-release`` (hooks.py ``gpu``: any error but an old release's 404 is
  ``refused_elsewhere``, whose why says "in Ollama's error shape"): the same proxy answers
  ``GET /api/ps`` with the plain-text 404 while the server reports 0.5.1 (the route came in
  0.1.38). Two states, one branch: a JSON error and a plain-text page. Predicted: partly.
- ``ollama-connect-timeout-loopback-queue-full`` (diagnose.py ``unreachable``: any
  ConnectTimeout is "packets are dropped: a firewall, a wrong host, or a machine that is down",
  fixed by the host setting): at 127.0.0.1, where a listener's accept queue is full (a server
  that stopped accepting; the kernel drops further SYNs), the host is right and the machine up.
  Predicted: wrong.

Healthy neighbours: ``ollama-generate-200-remote-gpu-box`` (``team-small:latest`` on gpu-box
generates through the server), ``ollama-show-200-local-beside`` (``llama3.2:latest`` on the same
server is described and generates).

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Graded as the held-out rounds grade
(:func:`tests.verdicts.provider_runs.grade`): "wrong" is a wrong status or a phrase the case
forbids, "partly" any other miss.

The expectations below were committed before envcheck first ran on this file (0e04aaf); none was
changed after.

First run (envcheck at 0e04aaf, before any change): 2 of 10 fully right (the two healthy
neighbours); breakages: 0 of 8 fully right, 0 partly, 8 wrong (each shows a phrase its case
forbids). Every prediction held: each decision point merged the two states as predicted; two
predicted "partly" (the missing blob, the plain-text 404 to /api/ps) came out wrong, as they say a
phrase their cases forbid.
- ollama-version-400-http-to-tls-port: FAIL server "answered /api/version with HTTP 400, not
  Ollama's version | another service listens there | point OLLAMA_HOST at Ollama": Go's own words
  say the port speaks TLS; no https.
- ollama-show-404-local-of-remote-model: FAIL model "model team-coder:local is not pulled ...;
  closest pulled: team-coder:latest", the fix an edit to team-coder:latest or ``ollama pull
  team-coder:<tag>`` ("ollama pull team-coder:local fails ..."): the model is in the store and runs
  on gpu-box.lan (``/api/tags`` said so); the edit would have worked for a wrong reason.
- ollama-show-404-listed-blob-missing: FAIL model "the answer contradicts what the request and
  the server's own listing show, so no cause is guessed (a proxy in front of Ollama, or another
  server speaking its API, may answer for it)", fixed by a curl and the log: the store's missing
  file not named, no ``ollama pull`` (which restores it).
- ollama-generate-500-remote-oom-passed-on: FAIL smoke "team-coder:latest is a cloud model, and
  the Ollama at ... got no answer for it from http://gpu-box.lan:11434: HTTP 500: model requires
  more system memory ...", why "no local runner or memory is involved", fix "if it does,
  ollama.com failed the call": gpu-box answered (api.StatusError's StatusCode and Status in the
  body), for its memory.
- ollama-generate-500-remote-refused: FAIL smoke, the same verdict: "a cloud model", "ollama.com
  failed the call" for a host on the LAN (the cause "got no answer" right).
- ollama-show-404-tags-404-allow-list: FAIL model "model llama3.2:latest is not pulled ... |
  /api/show answered a plain-text 404 ... and /api/tags does not list it | ollama pull
  llama3.2:latest": /api/tags listed nothing, it answered the same 404.
- ollama-ps-404-plain-recent-release: FAIL gpu "refused GET /api/ps: HTTP 404: 404 page not
  found | ... it came back HTTP 404 in Ollama's error shape ...; no row ... covers this answer":
  a plain-text page, not Ollama's shape; the proxy's forwarding unnamed.
- ollama-connect-timeout-loopback-queue-full: FAIL server "no TCP answer from
  http://127.0.0.1:<port> within 2 s | packets are dropped: a firewall, a wrong host, or a machine
  that is down | fix tool.envcheck.ollama.host": the host is right, the machine this one, and a
  listener holds the port with its accept queue full.

After (verdicts from structure: the probe that answered, the body's fields, the listing's
entries, the kernel's table; Ollama's fixed texts only where they are its format strings;
commit 943f9af): 10 of
10 fully right, each a row of docs/verdicts/ollama.md's new section (``OLLAMA_ROWS_AUDIT``,
registered in test_ollama.py's every-row test) asserted on its run. checks/ollama/:
- hooks.py ``server``: an error to ``GET /api/version`` at an ``http://`` host whose port completes
  a TLS handshake envcheck makes itself (diagnose.py ``speaks_tls``, no certificate checked,
  nothing sent) is ``tls_port``: "speaks TLS, and refused GET /api/version sent in plain HTTP",
  fixed by the https:// URL. The test's listener now answers a ClientHello with a handshake, as
  Go's does (the first run's was the lab's plain port, which answers a ClientHello with Go's 400).
- hooks.py ``_entries`` / ``_remotes`` and diagnose.py ``Refused.remotes``: the listing's
  ``remote_host`` and ``remote_model`` go with a refusal of show. ``not_pulled``: a ``NAME:local``
  whose NAME the listing gives with a ``remote_host`` is ``local_of_remote`` (the model is in the
  store and runs on that host; the edit drops :local, or a pull of its remote_model for a model
  run here); a listed name refused with ShowHandler's own ``model '%s' not found`` is
  ``listed_not_described`` (a blob the manifest names missing from the store, fixed by
  ``ollama pull``); any other 404 text for a listed name keeps the honest fallback
  (test_providers_sweep.py's rule for the show 404 adjusted to that text: 6 lines).
- http.py ``Observing.passed_on`` (diagnose.py ``status_error``: the body is api.StatusError with
  ``StatusCode`` and ``Status``) and hooks.py ``smoke``: for a remote_host other than ollama.com,
  such an answer is ``passed_on``: judged by the table as that server's answer ("does not fit in
  memory on http://gpu-box.lan:11434"), every fix step "on gpu-box.lan"; ``cloud_failed`` names a
  non-ollama.com remote as "the Ollama at" it, fixed by reaching it and starting Ollama there
  (no "cloud model", no ollama.com); ollama.com keeps its rows.
- diagnose.py ``show_not_routed`` with no listing (``_listing`` None): "does not route
  /api/show ... GET /api/tags answered no listing either", fixed by the proxy's forwarding;
  ``refused_elsewhere(shaped=False)``: a plain-text 404 to ``/api/ps`` from a release with the
  route is ``route_not_served`` (SKIP gpu, the proxy's forwarding), another page is quoted as not
  Ollama's shape.
- diagnose.py ``unreachable``: a ConnectTimeout at a loopback address is ``_connect_timeout_here``:
  /proc/net/tcp and tcp6 (``_listening``: a LISTEN socket's rx_queue against its backlog) show a
  listener whose accept queue is full ("a server listens on port N but does not accept
  connections", restart and ``ss -ltnp``), else a local firewall rule; never a wrong host.
The ollama table (test_ollama.py), test_providers_sweep.py's Ollama sweep, sets 12, 13, 14, 25,
30 and tests/test_ollama.py pass.

Cost: 5 tests (four in-process envcheck sessions, one of them waiting 2 s on the connect
timeout it tests; the set's count); 5.8 CPU-s (``-n 0``, user+sys, pytest's start included).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import blackhole
from tests.verdicts.http_lab import healthy_wire, make_certs
from tests.verdicts.provider_runs import (
    OLLAMA_TOML,
    HeldOutCase,
    assert_graded,
    clean_environment,
    ollama_replayed,
    run,
)
from tests.verdicts.replay import REPLAYS, Answer, Replay, published

OLLAMA = "https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7"
GO_HTTP = "https://github.com/golang/go/blob/master/src/net/http/server.go"

LOCAL_OF_REMOTE = "team-coder:local"
REMOTE_OOM = "team-coder:latest"
REMOTE_SMALL = "team-small:latest"
REMOTE_DOWN = "team-edge:latest"
BLOB_GONE = "qwen2.5:7b"
LOCAL = "llama3.2:latest"
GPU_BOX = "http://gpu-box.lan:11434"
EDGE = "http://10.0.0.7:11434"

#: gin's c.JSON: compact JSON, this content type (every answer of Ollama's handlers below)
GIN = {"content-type": "application/json; charset=utf-8"}

NOT_THE_CLOUD = ("cloud model", "ollama.com", "got no answer", "no local runner or memory")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = ("no cause is guessed",)


def _passes(*checks: str) -> tuple[tuple[str, str], ...]:
    return tuple((c, "pass") for c in checks)


CASES = [
    Case(
        "ollama-version-400-http-to-tls-port",
        GO_HTTP,
        "ollama/server",
        "fail",
        says=("TLS",),
        fix=("https://127.0.0.1:",),
        never=("another service listens there",),
    ),
    Case(
        "ollama-show-404-local-of-remote-model",
        f"{OLLAMA}/server/routes.go#L1378-L1381",
        f"ollama/model[{LOCAL_OF_REMOTE}]",
        "fail",
        says=("team-coder:latest", "gpu-box.lan", ":local"),
        fix=("team-coder:latest",),
        never=("is not pulled", "closest pulled", f"ollama pull {LOCAL_OF_REMOTE}"),
    ),
    Case(
        "ollama-show-404-listed-blob-missing",
        f"{OLLAMA}/llm/server.go#L92-L95",
        f"ollama/model[{BLOB_GONE}]",
        "fail",
        says=("lists", "blob"),
        fix=(f"ollama pull {BLOB_GONE}",),
        never=("no cause is guessed",),
    ),
    Case(
        "ollama-generate-500-remote-oom-passed-on",
        f"{OLLAMA}/server/routes.go#L391-L394",
        f"ollama/smoke[{REMOTE_OOM}]",
        "fail",
        says=("gpu-box.lan", "7.5 GiB", "memory"),
        fix=("gpu-box.lan",),
        never=NOT_THE_CLOUD,
        also=_passes(f"ollama/model[{REMOTE_OOM}]"),
    ),
    Case(
        "ollama-generate-500-remote-refused",
        f"{OLLAMA}/server/routes.go#L396",
        f"ollama/smoke[{REMOTE_DOWN}]",
        "fail",
        says=("10.0.0.7", "connection refused"),
        fix=("10.0.0.7",),
        never=("cloud model", "ollama.com"),
        also=_passes(f"ollama/model[{REMOTE_DOWN}]"),
    ),
    Case(
        "ollama-show-404-tags-404-allow-list",
        GO_HTTP,
        f"ollama/model[{LOCAL}]",
        "fail",
        says=("does not route", "/api/tags"),
        fix=("/api/*",),
        never=("is not pulled", "ollama pull"),
    ),
    Case(
        "ollama-ps-404-plain-recent-release",
        GO_HTTP,
        "ollama/gpu",
        "fail|skip",
        says=("GET /api/ps", "plain-text 404"),
        fix=("/api/*",),
        never=("in Ollama's error shape", "no row of envcheck's verdict table"),
    ),
    Case(
        "ollama-connect-timeout-loopback-queue-full",
        "https://github.com/torvalds/linux/blob/master/net/ipv4/tcp_ipv4.c",
        "ollama/server",
        "fail",
        says=("127.0.0.1", "listens", "accept"),
        fix=("restart",),
        never=("wrong host", "machine that is down"),
    ),
    Case(
        "ollama-generate-200-remote-gpu-box",
        f"{OLLAMA}/server/routes.go#L377",
        f"ollama/smoke[{REMOTE_SMALL}]",
        "pass",
        also=_passes(f"ollama/model[{REMOTE_SMALL}]"),
    ),
    Case(
        "ollama-show-200-local-beside",
        f"{OLLAMA}/server/routes.go#L1300",
        f"ollama/smoke[{LOCAL}]",
        "pass",
        also=_passes(f"ollama/model[{LOCAL}]"),
    ),
]
BY_NAME = {c.name: c for c in CASES}
#: the rows of docs/verdicts/ollama.md these cases run (their cause and fix too): one each
OLLAMA_ROWS_AUDIT = {name: name for name in BY_NAME}


def _gin(status: int, body: Any, source: str) -> Answer:
    return Answer(status, json.dumps(body, separators=(",", ":")).encode(), GIN, source)


def _remote_show(host: str) -> Answer:
    """Set 30's show of a model made with ``remote_host`` (GetModelInfo, routes.go:1475-1493),
    its host replaced."""
    data = json.loads((REPLAYS / "heldout30--ollama-show-remote-model.json").read_text())
    body = {**data["response"]["body"], "remote_host": host}
    return _gin(200, body, f"{OLLAMA}/server/routes.go#L1475-L1493")


def _listed(name: str, remote: str | None = None) -> dict[str, Any]:
    """An entry of ``/api/tags`` (api/types.go:822-832 ListModelResponse)."""
    entry: dict[str, Any] = {
        "name": name,
        "model": name,
        "modified_at": "2026-08-30T16:41:27.902113Z",
        "size": 4683075271 if remote is None else 330,
        "digest": "0a8c266910232fd3291e71e5ba1e058cc5af9d411192cf88b6d30e92b6e73163",
        "details": {
            "parent_model": "",
            "format": "gguf" if remote is None else "",
            "family": "qwen2" if remote is None else "",
            "families": None,
            "parameter_size": "7.6B" if remote is None else "",
            "quantization_level": "Q4_K_M" if remote is None else "",
        },
    }
    if remote is not None:
        entry["remote_model"] = "qwen3-coder:30b"
        entry["remote_host"] = remote
    return entry


def _by_model(answers: dict[str, Answer], otherwise: Answer) -> Callable[[Any], Answer]:
    def choose(body: Any) -> Answer:
        return answers.get(str((body or {}).get("model") or (body or {}).get("name")), otherwise)

    return choose


def _store_server() -> Replay:
    """One Ollama (OLLAMA_REMOTES=ollama.com,gpu-box.lan,10.0.0.7): three models that run on
    other Ollamas, one whose weights blob is gone, one whole."""
    not_found = "model '{}' not found"
    tags = [
        _listed(REMOTE_OOM, GPU_BOX),
        _listed(REMOTE_SMALL, GPU_BOX),
        _listed(REMOTE_DOWN, EDGE),
        _listed(BLOB_GONE),
        _listed(LOCAL),
    ]
    show = {
        # routes.go:1378-1381: a :local name of a model with remote_host
        LOCAL_OF_REMOTE: _gin(
            404,
            {"error": not_found.format(LOCAL_OF_REMOTE)},
            f"{OLLAMA}/server/routes.go#L1378-L1381",
        ),
        # routes.go:1366-1367: os.IsNotExist of llm.LoadModel's stat of the weights blob
        BLOB_GONE: _gin(
            404, {"error": not_found.format(BLOB_GONE)}, f"{OLLAMA}/server/routes.go#L1366"
        ),
        REMOTE_OOM: _remote_show(GPU_BOX),
        REMOTE_SMALL: _remote_show(GPU_BOX),
        REMOTE_DOWN: _remote_show(EDGE),
        LOCAL: published("ollama--show-model-info"),
    }
    memory = "model requires more system memory (7.5 GiB) than is available (5.2 GiB)"
    generate = {
        # routes.go:391-394: api.StatusError (api/types.go:23-27) from gpu-box, marshalled whole
        REMOTE_OOM: _gin(
            500,
            {"StatusCode": 500, "Status": "500 Internal Server Error", "error": memory},
            f"{OLLAMA}/server/routes.go#L391-L394",
        ),
        # routes.go:396: the server's own request to the remote failed (Go's *url.Error)
        REMOTE_DOWN: _gin(
            500,
            {
                "error": f'Post "{EDGE}/api/generate": dial tcp 10.0.0.7:11434: connect: '
                "connection refused"
            },
            f"{OLLAMA}/server/routes.go#L396",
        ),
    }
    return Replay(
        {
            "GET /api/version": published("ollama--version"),
            "GET /api/tags": _gin(200, {"models": tags}, f"{OLLAMA}/server/routes.go#L1632"),
            "GET /api/ps": published("ollama--ps"),
            "POST /api/show": _by_model(show, published("ollama--404-model-not-found")),
            "POST /api/generate": _by_model(generate, published("ollama--generate-ok")),
        }
    )


def _allow_list_proxy() -> Replay:
    """A proxy that forwards /api/version and /api/generate only; everything else is Go's
    http.NotFound (Replay's answer to a route it lacks: text/plain ``404 page not found``)."""
    return Replay(
        {
            "GET /api/version": published("ollama--version"),
            "POST /api/generate": published("ollama--generate-ok"),
        }
    )


#: net/http/server.go (conn.serve): a plain-HTTP request to a TLS listener
HTTP_TO_TLS = b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"


@contextmanager
def accepting(serve: Callable[[socket.socket], None]) -> Iterator[int]:
    """A listener on 127.0.0.1 that hands each connection to ``serve`` on a thread of its own
    (and closes it after); yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        with conn:
            serve(conn)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        listener.close()


@contextmanager
def _tls_front(tmp: Path) -> Iterator[int]:
    """A TLS listener as Go's net/http serves one (Caddy or Traefik in front of Ollama): a TLS
    ClientHello gets the handshake (and a request after it, Ollama's version); a request in plain
    HTTP gets Go's 400 (read whole first, so that the close sends no reset)."""
    certs = make_certs(tmp)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs["good"], certs["good-key"])
    version = healthy_wire(published("ollama--version"))

    def serve(conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            if conn.recv(1, socket.MSG_PEEK) == b"\x16":
                with context.wrap_socket(conn, server_side=True) as tls:
                    if tls.recv(65536):
                        tls.sendall(version)
                return
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            conn.sendall(HTTP_TO_TLS)
        except OSError:  # ssl.SSLError included: the client ended the handshake
            pass

    with accepting(serve) as port:
        yield port


def at_host(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, host: str
) -> dict[str, dict[str, Any]]:
    """An ollama session with OLLAMA_HOST at ``host`` (the environment cleaned first), the
    model :data:`LOCAL`."""
    clean_environment(monkeypatch)
    monkeypatch.setenv("OLLAMA_HOST", host)
    return run(pytester, "ollama", OLLAMA_TOML.format(models=f'"{LOCAL}"'))


def queue_full(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, address: str = "127.0.0.1"
) -> dict[str, dict[str, Any]]:
    """An ollama session whose host is a listener on ``address`` with its accept queue full (a
    short timeout: the connect timeout is what is tested)."""
    clean_environment(monkeypatch)
    with blackhole(address) as port:
        toml = (
            f'[tool.envcheck.ollama]\nhost = "http://{address}:{port}"\n'
            f'models = ["{LOCAL}"]\ncassettes = false\ntimeout = 2.0\n'
        )
        return run(pytester, "ollama", toml)


def assert_session(
    checks: dict[str, dict[str, Any]],
    names: Sequence[str],
    cases: Sequence[Case],
    rows: dict[str, str],
) -> None:
    """The cases ``names`` (of ``cases``) graded on one session's checks, each fully right, and
    their rows of docs/verdicts/ollama.md met."""
    by_name = {c.name: c for c in cases}
    assert_graded("ollama", rows, [by_name[name] for name in names], checks)


def assert_audit_is_what_it_says(
    sessions: dict[str, tuple[str, ...]], cases: Sequence[Case], failing: int
) -> None:
    """Every case judged on one session, ``failing`` of them breakages, each with a public
    source."""
    judged = [name for names in sessions.values() for name in names]
    assert sorted(judged) == sorted(c.name for c in cases)
    assert sum(c.status != "pass" for c in cases) == failing
    assert all(c.source.startswith("https://") for c in cases)


@pytest.fixture
def sessions(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], dict[str, dict[str, Any]]]]:
    def one(name: str) -> dict[str, dict[str, Any]]:
        if name == "store":
            models = (LOCAL_OF_REMOTE, BLOB_GONE, REMOTE_OOM, REMOTE_DOWN, REMOTE_SMALL, LOCAL)
            return ollama_replayed(pytester, monkeypatch, models, _store_server())[1]
        if name == "allow-list":
            return ollama_replayed(pytester, monkeypatch, [LOCAL], _allow_list_proxy())[1]
        if name == "tls-port":
            with _tls_front(Path(pytester.path)) as port:
                return at_host(pytester, monkeypatch, f"http://127.0.0.1:{port}")
        return queue_full(pytester, monkeypatch)

    yield one


#: session -> the cases judged on it
SESSIONS = {
    "store": (
        "ollama-show-404-local-of-remote-model",
        "ollama-show-404-listed-blob-missing",
        "ollama-generate-500-remote-oom-passed-on",
        "ollama-generate-500-remote-refused",
        "ollama-generate-200-remote-gpu-box",
        "ollama-show-200-local-beside",
    ),
    "allow-list": ("ollama-show-404-tags-404-allow-list", "ollama-ps-404-plain-recent-release"),
    "tls-port": ("ollama-version-400-http-to-tls-port",),
    "queue-full": ("ollama-connect-timeout-loopback-queue-full",),
}


@pytest.mark.parametrize("session", list(SESSIONS))
def test_ollama_structure_audit(
    session: str, sessions: Callable[[str], dict[str, dict[str, Any]]]
) -> None:
    assert_session(sessions(session), SESSIONS[session], CASES, OLLAMA_ROWS_AUDIT)


def test_the_audit_is_what_it_says() -> None:
    assert_audit_is_what_it_says(SESSIONS, CASES, 8)
