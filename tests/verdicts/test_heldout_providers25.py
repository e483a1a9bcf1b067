"""The twenty-fifth held-out set for Ollama (issue 22): answers of the native Ollama API (the
``ollama`` component, not ``/v1``) as its server's source writes them (ollama/ollama at
fb30760, server/routes.go, server/images.go, internal/modelref/modelref.go,
types/model/capability.go): the server's own 403 to a Host header it does not allow, an image
generation model asked to generate, and a model name carrying two sources (``:local`` after a
cloud tag). Kinds no row of docs/verdicts/ollama.md lists, no earlier held-out set made
(test_heldout.py's eight, 9 to 24), and no sweep judges: test_providers_sweep.py's ``OLLAMA`` list
sends "image generation models are not currently supported" to every request with the recorded
``/api/show`` (no ``image`` capability) and asserts only that the status and the words are
quoted; its 403s all carry a JSON body; test_providers_capability_sweep.py has no ``image``
capability. Grepped before choosing, in docs/verdicts/ollama.md, tests/verdicts/test_ollama.py,
every earlier set, the sweeps (test_providers_sweep.py, test_providers_http_sweep.py,
test_providers_capability_sweep.py, test_compat_servers_sweep.py, test_client_settings_sweep.py),
replays/SOURCES.md and src/envcheck/mock/data/SOURCES.md: ``allowedHost``, ``Host header``,
``host-header``, ``proxy_set_header``, ``image generation``, ``"image"``, ``ZImagePipeline``,
``:local``, ``not both``, ``MLX``, ``stream event exceeded``, ``reported out-of-memory`` (the
sweep's list only), ``signin_url`` (none found but where said). Found, so dropped: ``does not
support thinking`` / ``tools`` / ``chat`` (a row says not reachable: envcheck sends no ``think``
and no tools), ``does not support generate`` (rows ollama-generate-400-does-not-support-generate,
-no-completion-capability), ``may be incompatible with your version`` and ``no longer
compatible`` (earlier sets), ``pull model manifest`` and the registry's ``unauthorized: access
denied`` (images.go:1025, 1307: a row says not reachable, envcheck never pulls), a 401
``unauthorized`` with ``signin_url`` (the ollama-generate-401-unauthorized row's kind),
``OLLAMA_HOST`` without a port or scheme (shared/ollama.client_url follows envconfig.Host and a
sweep checks it), ``0.0.0.0`` (envconfig.ConnectableHost). Dropped as not reachable by a check's
request: the CORS check of ``OLLAMA_ORIGINS`` (gin-contrib/cors refuses only a request with an
``Origin`` header, which envcheck's client does not send), ``keep_alive`` and ``num_ctx`` (never
sent), a digest mismatch (images.go:1447-1463, on pull and create), an unwritable
``OLLAMA_MODELS`` (the server does not start: the table's refused row), a model whose blob is
missing (server/model_list_cache.go drops it from ``/api/tags`` and ``/api/show`` answers the
not-pulled 404: the table's rows).

Breakages:

- ``OLLAMA_HOST=http://ollama.example.com:<port>``, a reverse proxy (nginx with ``proxy_set_header
  Host $host``, ngrok, zrok, a Cloudflare Tunnel) forwarding that name to an Ollama listening on
  loopback: ``GET /api/version`` answers 403 with no body (routes.go:1803-1839,
  allowedHostsMiddleware's ``c.AbortWithStatus(http.StatusForbidden)``, for a Host that is no
  loopback, private or unspecified address, not localhost, not the machine's name and under no
  .localhost/.local/.internal, routes.go:1776-1801; ollama/ollama#3269): Ollama itself refused
  the Host header the proxy passed on; the fix is the proxy's Host (``localhost:11434``: the FAQ,
  docs/faq.mdx:190-218) or a server listening beyond loopback, not envcheck's host setting;
- an image generation model (``x/z-image-turbo``, ``/api/show`` capabilities ``["image"]``,
  ollama/ollama#13746) asked to generate: 400 ``image generation models are not currently
  supported`` (routes.go:417-420, before any runner): the smoke call (text) does not apply to it,
  as to an embedding model; not an embedding model, not the log;
- ``models = ["gpt-oss:20b-cloud:local"]``: ``/api/show`` answers 400 ``use either :local or
  :cloud, not both: "gpt-oss:20b-cloud:local"`` (modelref.go:19, 28-48, 98-117; routes.go:66-70,
  1323-1327): the name asks for the cloud model (its ``-cloud`` tag) and for a local one; the fix
  is the name with one source. The 400 is shared with ``invalid model name``: only the text tells
  the two apart (the source gives no code).

Near-misses and neighbours:

- the same empty 403 from a host given as ``127.0.0.1``: Ollama's check lets a loopback Host
  through (routes.go:1819-1823), so it is not the Host check and must not be called it;
- nginx's own 403 page (``ngx_http_error_403_page``, text/html) at the same name: the proxy
  refused, not Ollama: not the Host fix;
- healthy: the same proxy reached by a name under ``.internal`` (allowed, routes.go:1789-1798):
  ``server`` passes; a vision model (capabilities ``completion``, ``vision``, the capability
  sweep's show) generates: vision is reading images, not making them.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send and where settings are read (docs/verdicts/ollama.md's request list, shared/ollama.client_url)
had been read before the expectations were written.

Expectations committed before envcheck's first run on them (commit eca5227).

First run (envcheck at eca5227, before any change): 2 of 7 fully right (29%), 1 partly, 4 wrong
("wrong": a wrong status or a phrase the case forbids); of the 3 breakages, none fully right.
Fully right: the two healthy neighbours (the name under .internal passed ``server``; the vision
model generated). Partly: ``gpt-oss:20b-cloud:local`` failed ``model`` as "not a valid Ollama
model name ... (lowercase letters, digits, '.', '-', '_', and an optional ':tag')", fixed by "set
models ... to names `ollama list` shows": the two sources not named, no name offered. Wrong: the
Host check's empty 403 was "answered /api/version with HTTP 403, not Ollama's version | another
service listens there", fixed by "point OLLAMA_HOST at Ollama (default http://localhost:11434)"
(Ollama itself answered; the Host header not named); the same empty 403 at 127.0.0.1 and nginx's
403 page got that same verdict, whose fix says ``localhost:11434`` (the default address, a phrase
these near-misses forbid: the status was right, the fix told to move OLLAMA_HOST although the
server there answered); the image generation model was skipped as not generating text (right)
but called "an embedding model" that "serves /api/embed" (capabilities ``image`` read as
"without completion").

After (verdicts from structure: the status, whether the 403 has a body, the host's name against
the names Ollama's check lets through, the ``capabilities`` ``/api/show`` gives, the sources the
sent name carries): 7 of 7 fully right, each a row of docs/verdicts/ollama.md (``OLLAMA_ROWS_25``)
asserted on its run. checks/ollama/hooks.py ``server`` judges a 403 outside Ollama's error shape
by diagnose.py ``version_forbidden``: no body, at a host named by a name that is no address,
not localhost, not this machine's name and under none of .localhost/.local/.internal
(``_host_allowed``, allowedHost's rules) is "the Ollama behind ... refused the Host header",
fixed by the proxy's or tunnel's Host header (``proxy_set_header Host localhost:11434``, ngrok's
``--host-header``, cloudflared's ``--http-host-header``) or a server listening beyond loopback;
any other 403 is "refused GET /api/version" with what refused (a page by its title and Server
header; no body at an address Ollama lets through: something else), fixed by finding what
answers there: no more "another service listens there" nor the default address.
``not_generating`` names a model whose capabilities hold ``image`` an image generation model
(no longer "an embedding model"). ``invalid_name`` reads the sent name first (``two_sources``,
modelref.go's parseSourceSuffix): two sources are "names two sources, :local and :cloud", fixed
by an edit of ``models`` to the cloud model its tag names (or the local one, when only that is
listed), with the local name beside it; the edit is carried out on pyproject.toml and the model
then passes against the same server
(``test_the_two_source_edit_is_carried_out_and_the_model_then_passes``). The Host fix is the
proxy's or tunnel's configuration, not run here.

Cost: 18 tests (12 of them unit tests of the name and host rules), six in-process envcheck
sessions against local servers; 4.6 CPU-s (``-n 0``, user+sys, pytest's start and poetry's
included).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.verdicts.fixes import apply_fix
from tests.verdicts.provider_runs import (
    HeldOutCase,
    assert_set_is_what_it_says,
    grade,
    ollama_replayed,
    row_problems,
)
from tests.verdicts.replay import Answer, Replay, published

OLLAMA = "https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7"
HOST_CHECK = "https://github.com/ollama/ollama/issues/3269"
IMAGE_MODEL = "https://github.com/ollama/ollama/issues/13746"
NGINX = "https://github.com/nginx/nginx/blob/master/src/http/ngx_http_special_response.c"

#: the name a reverse proxy serves Ollama under (resolved to the replay), and one Ollama allows
PROXIED = "ollama.example.com"
INTERNAL = "ollama.lab.internal"
IMAGE = "x/z-image-turbo:latest"
TWO_SOURCES = "gpt-oss:20b-cloud:local"
VISION = "llava:latest"

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed",)
HOST_FIX = ("localhost:11434", "Host header")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


CASES = [
    Case(
        "ollama-version-403-host-not-allowed",
        HOST_CHECK,
        "ollama/server",
        "fail",
        says=("HTTP 403", "Host"),
        fix=("localhost:11434",),
        never=WRONG_CAUSES + ("another service listens there",),
    ),
    Case(
        "ollama-version-403-loopback-kept",
        f"{OLLAMA}/server/routes.go#L1803-L1839",
        "ollama/server",
        "fail",
        says=("HTTP 403",),
        never=HOST_FIX,
    ),
    Case(
        "ollama-version-403-nginx-page",
        NGINX,
        "ollama/server",
        "fail",
        says=("HTTP 403",),
        never=HOST_FIX,
    ),
    Case(
        "ollama-version-200-internal-name",
        f"{OLLAMA}/server/routes.go#L1776-L1801",
        "ollama/server",
        "pass",
    ),
    Case(
        "ollama-generate-400-image-generation",
        IMAGE_MODEL,
        f"ollama/smoke[{IMAGE}]",
        "skip",
        says=("image generation",),
        never=WRONG_CAUSES + ("embedding", "journalctl"),
        also=((f"ollama/model[{IMAGE}]", "pass"),),
    ),
    Case(
        "ollama-show-400-two-sources",
        f"{OLLAMA}/internal/modelref/modelref.go#L19",
        f"ollama/model[{TWO_SOURCES}]",
        "fail",
        says=(":local", ":cloud"),
        fix=('"gpt-oss:20b-cloud"',),
        never=WRONG_CAUSES + ("is not pulled",),
    ),
    Case(
        "ollama-generate-200-vision",
        f"{OLLAMA}/types/model/capability.go",
        f"ollama/smoke[{VISION}]",
        "pass",
        also=((f"ollama/model[{VISION}]", "pass"),),
    ),
]
BY_NAME = {c.name: c for c in CASES}
#: the rows of docs/verdicts/ollama.md these cases run (their cause and fix too)
OLLAMA_ROWS_25 = {
    "ollama-version-403-host-not-allowed": "ollama-version-403-host-not-allowed",
    "ollama-version-403-loopback-kept": "ollama-version-403-loopback-empty",
    "ollama-version-403-nginx-page": "ollama-version-403-proxy-page",
    "ollama-version-200-internal-name": "ollama-version-200-allowed-name",
    "ollama-generate-400-image-generation": "ollama-generate-400-image-generation",
    "ollama-show-400-two-sources": "ollama-show-400-two-sources",
    "ollama-generate-200-vision": "ollama-generate-200-vision",
}


def _by_model(answers: dict[str, Answer], otherwise: Answer) -> Any:
    def choose(body: Any) -> Answer:
        return answers.get(str((body or {}).get("model") or (body or {}).get("name")), otherwise)

    return choose


def _refusing(version: str) -> Replay:
    """An Ollama whose every request is refused at ``GET /api/version`` with ``version``."""
    return Replay({"GET /api/version": published(version)})


def _store() -> Replay:
    """The Ollama behind the allowed name: the image model, the two-source name, the vision
    model."""
    show = {
        IMAGE: published("heldout25--ollama-show-image-generation-model"),
        TWO_SOURCES: published("heldout25--ollama-show-400-conflicting-source"),
        VISION: published("capability--ollama-show-completion"),
        # the name the two-source case's printed edit leaves: the cloud model its tag names
        "gpt-oss:20b-cloud": published("heldout13--ollama-show-cloud-model"),
    }
    generate = {IMAGE: published("heldout25--ollama-generate-400-image-generation")}
    return Replay(
        {
            "GET /api/version": published("ollama--version"),
            "GET /api/tags": published("ollama--tags"),
            "GET /api/ps": published("ollama--ps"),
            "POST /api/show": _by_model(show, published("ollama--404-model-not-found")),
            "POST /api/generate": _by_model(generate, published("ollama--generate-ok")),
        }
    )


#: case -> (the replay, the name the host is given by (None: its address), models checked)
SESSIONS: dict[str, tuple[Callable[[], Replay], str | None, tuple[str, ...]]] = {
    "ollama-version-403-host-not-allowed": (
        lambda: _refusing("heldout25--ollama-version-403-host-not-allowed"),
        PROXIED,
        (),
    ),
    "ollama-version-403-loopback-kept": (
        lambda: _refusing("heldout25--ollama-version-403-host-not-allowed"),
        None,
        (),
    ),
    "ollama-version-403-nginx-page": (
        lambda: _refusing("heldout25--nginx-403-page"),
        PROXIED,
        (),
    ),
    "ollama-version-200-internal-name": (_store, INTERNAL, (IMAGE, TWO_SOURCES, VISION)),
}
#: the cases judged on the session of another
ALSO_IN = {
    "ollama-generate-400-image-generation": "ollama-version-200-internal-name",
    "ollama-show-400-two-sources": "ollama-version-200-internal-name",
    "ollama-generate-200-vision": "ollama-version-200-internal-name",
}


@pytest.mark.parametrize("session", list(SESSIONS))
def test_twenty_fifth_held_out_ollama(
    session: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, name, models = SESSIONS[session]
    replay, checks = ollama_replayed(pytester, monkeypatch, models, make(), (), name)
    version = replay.calls_to("GET", "/api/version")
    assert version, "GET /api/version was never asked"
    # the request carried the host as the person wrote it: the name, or the address
    assert version[0].headers["host"].startswith(name or "127.0.0.1"), version[0].headers
    cases = [BY_NAME[session], *(BY_NAME[c] for c, s in ALSO_IN.items() if s == session)]
    problems = [p for case in cases for p in grade(case, checks)]
    problems += row_problems("ollama", OLLAMA_ROWS_25, cases, checks)
    assert not problems, "\n".join(problems)


def test_the_two_source_edit_is_carried_out_and_the_model_then_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The printed edit of ``models`` (one source kept), carried out on pyproject.toml; the
    same server then describes the model it names."""
    _, before = ollama_replayed(pytester, monkeypatch, [TWO_SOURCES], _store(), (), INTERNAL)
    failed = before[f"ollama/model[{TWO_SOURCES}]"]
    assert failed["status"] == "fail", failed
    assert [s["kind"] for s in failed["fix"]["steps"]] == ["edit"], failed["fix"]
    apply_fix(pytester.path, failed)
    with (pytester.path / "pyproject.toml").open("rb") as file:
        models = tomllib.load(file)["tool"]["envcheck"]["ollama"]["models"]
    assert models == ["gpt-oss:20b-cloud"]
    _, after = ollama_replayed(pytester, monkeypatch, models, _store(), (), INTERNAL)
    assert after["ollama/model[gpt-oss:20b-cloud]"]["status"] == "pass", after


def test_the_twenty_fifth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout25", 5, CASES, 7, 5)
    assert sum(c.name.endswith("-kept") for c in CASES) == 1
    assert set(SESSIONS) | set(ALSO_IN) == set(BY_NAME)


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        (TWO_SOURCES, ("gpt-oss:20b-cloud", "gpt-oss:20b")),
        ("gpt-oss:20b:local:cloud", ("gpt-oss:20b:cloud", "gpt-oss:20b")),
        ("qwen3:cloud:local", ("qwen3:cloud", "qwen3")),
        ("gpt-oss:20b-cloud", None),  # one source: Ollama takes it
        ("gpt-oss:20b:local", None),
        ("registry.example.com:5000/team/model:8b-cloud", None),
    ],
)
def test_the_names_a_two_source_fix_offers(name: str, offered: tuple[str, str] | None) -> None:
    """The cloud and the local name the fix offers, read as modelref.go's parseSourceSuffix
    reads a name (its last ``:local``/``:cloud``, or a tag ending ``-cloud``)."""
    from envcheck.checks.ollama.diagnose import two_sources

    assert two_sources(name) == offered


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        (PROXIED, False),
        ("OLLAMA.Lab.Internal", True),
        ("box.local", True),
        ("localhost", True),
        ("127.0.0.1", None),  # an address: Ollama's own interfaces decide, unknown here
        ("[::1]", None),
    ],
)
def test_the_names_ollamas_host_check_lets_through(name: str, allowed: bool | None) -> None:
    from envcheck.checks.ollama.diagnose import _host_allowed

    assert _host_allowed(name) is allowed
