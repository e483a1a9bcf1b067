"""The thirtieth held-out set for Ollama (issue 22): three answers of the native Ollama API (the
``ollama`` component) as its server's source writes them (ollama/ollama at fb30760,
llm/llama_server.go, server/sched.go, server/routes.go, server/create.go, envconfig/config.go,
manifest/manifest.go, server/model_list_cache.go): a model whose context is shorter than its own
prompt while context shift is off for its family, a model that runs on another Ollama the
server's ``OLLAMA_REMOTES`` does not name, and a model store holding a tag file the server cannot
stat, which fails ``/api/show`` for every model. Kinds no row of docs/verdicts/ollama.md lists, no
earlier held-out set made (test_heldout.py's eight, 9 to 29), and no sweep judges.

Grepped before choosing, in docs/verdicts/*.md, tests/verdicts/test_ollama.py, every earlier set,
the sweeps (test_providers_sweep.py, test_providers_http_sweep.py,
test_providers_capability_sweep.py, test_compat_servers_sweep.py, test_client_settings_sweep.py),
replays/SOURCES.md and src/envcheck/mock/data/SOURCES.md: ``context length currently available``,
``prompt is longer``, ``longer than the context``, ``context shift``, ``ContextShift``,
``deepseek2``, ``OLLAMA_REMOTES``, ``gpu-box``, ``stat /``, ``manifests/``, ``corrupt
manifest``, ``getExistingName`` (none found); ``cannot run this remote model`` and ``model list
cache unavailable`` (only test_providers_sweep.py's ``OLLAMA`` list, which sends each text to
every request with the recorded ``/api/show`` (no ``remote_host``) and asserts only that the
status and the words are quoted); ``remote_host`` (rows and sets 13, 14: cloud models at
ollama.com, never another host); ``num_ctx`` (a fix of the memory rows, never a context too
short for the prompt); ``no such file or directory`` (postgres, venv and MCP only). Found, so
dropped: ``an error was encountered while running the model`` (sets 19, 20),
``llama-server reported out-of-memory during startup`` and ``no slots available after 10
retries`` (memory and busy rows; the sweep), ``error getting authorization details`` (the sweep;
and the server makes its key when it starts), ``account unavailable`` (``/api/me``, never sent),
``does not support thinking`` / ``raw mode`` / ``top_logprobs`` / ``invalid format`` (envcheck
sends no think, raw, logprobs or format), ``missing request body`` and ``model is required``
(envcheck always sends both), a ``:local`` name of a remote model (set 25's two sources is the
near kind; the 404 is the table's not-pulled row's text), Ollama's ``/v1`` routes'
``invalid_request_error`` shapes (set 15 and test_compat_servers_sweep.py), the version a build
from source reports (``0.0.0``: not an error Ollama writes).

Breakages (each answer verbatim from the source line its replay's note names):

- ``reviewer:latest``, made by ``ollama create`` from deepseek-coder-v2:16b (family
  ``deepseek2``) with a Modelfile setting ``PARAMETER num_ctx 256`` and a SYSTEM prompt of about
  450 tokens (``/api/show`` gives both): ``POST /api/generate`` answers 400 ``the prompt is
  longer than the context length currently available to the model; shorten the prompt, adjust the
  context length in settings, or use a model with a longer context length``
  (llm/llama_server.go:279-299, since 0.30.10; context shift is off for deepseek2,
  server/sched.go:129-147): the model's own system prompt does not fit the context its
  Modelfile gives it, whatever prompt is sent (envcheck's is two words); the fix is the model's
  ``num_ctx`` (a larger one in its Modelfile, then ``ollama create`` again), not
  ``OLLAMA_CONTEXT_LENGTH`` (a model's own num_ctx overrides the server's default), not memory,
  not the server's log;
- ``team-coder:latest``, made by ``POST /api/create`` with ``from: qwen3-coder:30b`` and
  ``remote_host: gpu-box.lan`` (server/create.go:135-152, 358-390): ``/api/show`` answers it
  (``remote_host`` ``http://gpu-box.lan:11434``) and ``/api/generate`` answers 400 ``this
  server cannot run this remote model`` (server/routes.go:321-326): ``gpu-box.lan`` is not in the
  server's ``OLLAMA_REMOTES`` (envconfig/config.go:166-175, by default only ``ollama.com``); the
  fix is that variable on the server, naming both hosts, not a sign-in, not the cloud switch,
  not the log;
- ``qwen2.5:7b`` on a server (a Linux service, ``/usr/share/ollama/.ollama/models``) whose store
  holds llama3.1:8b's tag file as a link to a disk no longer mounted: ``/api/show`` answers 400
  ``stat /usr/share/ollama/.ollama/models/manifests/registry.ollama.ai/library/llama3.1/8b: no
  such file or directory`` for every model asked (routes.go:1346-1353 through getExistingName,
  routes.go:1222-1227, and manifest.Manifests, manifest/manifest.go:175-192, which returns an
  os.Stat error whatever continueOnError says), and ``/api/tags`` 500 with the same text
  (routes.go:1632-1644, model_list_cache.go:145-166): the store holds an entry the server cannot
  read, another model's; the name asked is valid and not the cause; the fix is that entry's path
  (restore what it points to, or remove it), not a pull of the model asked, not a name.

Neighbours, which must pass: ``deepseek-coder-v2:16b`` itself (the same family, context shift off,
no num_ctx of its own) generates; ``gpt-oss:120b-cloud`` (``remote_host``
``https://ollama.com:443``, the host ``OLLAMA_REMOTES`` names by default; set 13's show)
generates. The four models are one server; the broken store another.

Each case says what a fully right verdict is: the check's status, words its cause must say, words
its fix must hold, words nothing it shows may say. Of envcheck's code, only the requests the checks
send (docs/verdicts/ollama.md's request list, checks/ollama/hooks.py's generate call) had been read
before the expectations were written.

Expectations committed before envcheck's first run on them (commit da3a3a8).

First run (envcheck at da3a3a8, before any change): 2 of 5 fully right (40%), 0 partly, 3 wrong
("wrong": a wrong status or a phrase the case forbids); of the 3 breakages, none fully right.
Fully right: both neighbours (deepseek-coder-v2:16b and gpt-oss:120b-cloud passed ``model`` and
``smoke``). Wrong: the short context failed ``smoke`` (right) as the fallback, "Ollama answered
POST /api/generate with HTTP 400 and 'the prompt is longer than the context length ...'; no row
of envcheck's verdict table covers this answer, so no cause is guessed", fixed by "read the
server's log: journalctl -u ollama ..." (the model's num_ctx 256 that ``/api/show`` gave not
named, no num_ctx fix); the remote model failed ``smoke`` (right) with the same fallback for
"this server cannot run this remote model" (gpu-box.lan and OLLAMA_REMOTES not named; the log
as the fix); the unreadable store failed ``model`` (right) as "'qwen2.5:7b' is a valid name by
Ollama's own rules ...: the answer contradicts what the request and the server's own listing
show, so no cause is guessed (a proxy in front of Ollama, or another server speaking its API,
may answer for it)", fixed by a curl of the answer and the server's log (not called an invalid
name, but the store's entry and its path not named, a proxy suggested).

After (verdicts from structure: the status, the request, Ollama's own fixed texts
(llama_server.go's and routes.go's), the fields ``/api/show`` gives (``parameters``' num_ctx,
``details.family``, ``remote_host``), and the form of Go's path error with the store's layout;
never the words around them; commit 9bae733): 5 of 5 fully right, each a row of
docs/verdicts/ollama.md (``OLLAMA_ROWS_30``, registered in test_ollama.py's every-row test)
asserted on its run.
checks/ollama/hooks.py: the model check keeps ``/api/show``'s num_ctx as a fact (``_num_ctx``);
smoke reads the model check's facts (``_fact``). diagnose.py ``context_too_short``
(``PROMPT_OVER_CONTEXT``): "reviewer:latest's context length is 256 tokens (its own num_ctx),
shorter than what the model adds to every prompt", the why naming the SYSTEM prompt and template
and context shift off for the deepseek2 family, fixed by ``PARAMETER num_ctx 4096`` in its
Modelfile and ``ollama create`` again (with no num_ctx of the model's own, the server's default
context: unit test). ``remote_not_allowed`` (``REMOTE_NOT_ALLOWED``): "team-coder:latest runs on
http://gpu-box.lan:11434 (gpu-box.lan), a host the Ollama at ... may not forward to: gpu-box.lan
is not in the server's OLLAMA_REMOTES", fixed by ``OLLAMA_REMOTES=ollama.com,gpu-box.lan`` in the
server's environment (the list replaces the default) and a restart (without ``remote_host``, no
host made up: unit test). ``store_file`` / ``store_unreadable``, read before ``/api/show``'s
refusals by status (400 or 500): "the Ollama at ... cannot read a file of its model store, so it
describes no model (qwen2.5:7b included): stat .../library/llama3.1/8b: no such file or
directory", the why naming the manifest of llama3.1:8b (read from the path's
host/namespace/model/tag) and, for a name the listing found whose stat says ENOENT, a link whose
target is gone; fixed by ``rm`` of that link (a command when the server is on this machine, else
the person's step) and ``ollama pull llama3.1:8b`` if wanted; any other error (``permission
denied``) the store's owner (unit test of the paths, Windows' too). The ``rm`` is carried out on
a store on disk served as manifest.Manifests reads it (a stat of every listed entry), and the
model then passes (``test_the_dangling_link_is_removed_and_the_model_then_passes``). The other
two fixes are the server's environment and a model's Modelfile, not run here. The neighbours still
pass; the ollama table (tests/verdicts/test_ollama.py), the capability sweep, the Ollama sweep and
sets 13, 14 and 25 pass.

Cost: 12 tests (two in-process envcheck sessions against replays, two more for the fix's run,
the official client's run, the set's count, seven unit tests); 9.8 CPU-s (``-n 0``, user+sys,
pytest's start included) on a loaded machine where one unit test of the file alone took 6.5 s
(pytest's start and imports) and test_heldout_providers25.py 10.1 s.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
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

SMALL = "reviewer:latest"
DEEPSEEK = "deepseek-coder-v2:16b"
REMOTE = "team-coder:latest"
CLOUD = "gpt-oss:120b-cloud"
ASKED = "qwen2.5:7b"
#: the store's entry the server cannot stat (another model's tag file)
BROKEN = "/usr/share/ollama/.ollama/models/manifests/registry.ollama.ai/library/llama3.1/8b"

#: what no verdict here may say
WRONG_CAUSES = ("no cause is guessed",)
NOT_THE_RUNNER = ("journalctl", "memory", "is not pulled", "embedding")


@dataclass(frozen=True)
class Case(HeldOutCase):
    never: tuple[str, ...] = WRONG_CAUSES


def _model_passes(name: str) -> tuple[tuple[str, str], ...]:
    return ((f"ollama/model[{name}]", "pass"),)


CASES = [
    Case(
        "ollama-generate-400-prompt-exceeds-context",
        f"{OLLAMA}/llm/llama_server.go#L295-L299",
        f"ollama/smoke[{SMALL}]",
        "fail",
        says=("context length", "256"),
        fix=("num_ctx",),
        never=WRONG_CAUSES + NOT_THE_RUNNER + ("OLLAMA_CONTEXT_LENGTH",),
        also=_model_passes(SMALL),
    ),
    Case(
        "ollama-generate-400-remote-not-allowed",
        f"{OLLAMA}/server/routes.go#L321-L326",
        f"ollama/smoke[{REMOTE}]",
        "fail",
        says=("gpu-box.lan", "OLLAMA_REMOTES"),
        fix=("OLLAMA_REMOTES", "gpu-box.lan", "ollama.com"),
        never=WRONG_CAUSES + NOT_THE_RUNNER + ("ollama signin", "OLLAMA_NO_CLOUD", "upgrade"),
        also=_model_passes(REMOTE),
    ),
    Case(
        "ollama-show-400-manifest-stat",
        f"{OLLAMA}/manifest/manifest.go#L189-L192",
        f"ollama/model[{ASKED}]",
        "fail",
        says=("llama3.1/8b", "no such file or directory"),
        fix=(BROKEN,),
        never=WRONG_CAUSES
        + ("not a valid Ollama model name", "is not pulled", "closest", f"ollama pull {ASKED}"),
    ),
    Case(
        "ollama-generate-200-deepseek2-own-context",
        f"{OLLAMA}/server/sched.go#L129-L147",
        f"ollama/smoke[{DEEPSEEK}]",
        "pass",
        also=_model_passes(DEEPSEEK),
    ),
    Case(
        "ollama-generate-200-remote-at-ollama-com",
        f"{OLLAMA}/envconfig/config.go#L166-L175",
        f"ollama/smoke[{CLOUD}]",
        "pass",
        also=_model_passes(CLOUD),
    ),
]
BY_NAME = {c.name: c for c in CASES}
#: the rows of docs/verdicts/ollama.md these cases run (their cause and fix too)
OLLAMA_ROWS_30 = {
    "ollama-generate-400-prompt-exceeds-context": "ollama-generate-400-prompt-over-context",
    "ollama-generate-400-remote-not-allowed": "ollama-generate-400-remote-not-allowed",
    "ollama-show-400-manifest-stat": "ollama-show-400-store-file-unreadable",
    "ollama-generate-200-deepseek2-own-context": "ollama-generate-200-deepseek2-own-context",
    "ollama-generate-200-remote-at-ollama-com": "ollama-generate-200-remote-ollama-com",
}


def _by_model(answers: dict[str, Answer], otherwise: Answer) -> Any:
    def choose(body: Any) -> Answer:
        return answers.get(str((body or {}).get("model") or (body or {}).get("name")), otherwise)

    return choose


def _server() -> Replay:
    """One Ollama: the model with a short context, its family's own, the model of another host,
    the cloud model."""
    show = {
        SMALL: published("heldout30--ollama-show-small-context"),
        DEEPSEEK: published("heldout30--ollama-show-deepseek2"),
        REMOTE: published("heldout30--ollama-show-remote-model"),
        CLOUD: published("heldout13--ollama-show-cloud-model"),
    }
    generate = {
        SMALL: published("heldout30--ollama-generate-400-prompt-exceeds-context"),
        REMOTE: published("heldout30--ollama-generate-400-remote-not-allowed"),
    }
    return Replay(
        {
            "GET /api/version": published("ollama--version"),
            "GET /api/tags": published("ollama--tags"),
            "GET /api/ps": published("ollama--ps"),
            "POST /api/show": _by_model(show, published("ollama--404-model-not-found")),
            "POST /api/generate": _by_model(generate, published("ollama--generate-ok")),
        }
    )


def _broken_store() -> Replay:
    """An Ollama whose store holds a tag file it cannot stat: every show 400, the listing 500."""
    return Replay(
        {
            "GET /api/version": published("ollama--version"),
            "GET /api/ps": published("ollama--ps"),
            "POST /api/show": published("heldout30--ollama-show-400-manifest-stat"),
            "GET /api/tags": published("heldout30--ollama-tags-500-manifest-stat"),
        }
    )


#: session -> (its replay, the models checked, the cases judged on it)
SESSIONS: dict[str, tuple[Callable[[], Replay], tuple[str, ...], tuple[str, ...]]] = {
    "one-server": (
        _server,
        (SMALL, DEEPSEEK, REMOTE, CLOUD),
        (
            "ollama-generate-400-prompt-exceeds-context",
            "ollama-generate-400-remote-not-allowed",
            "ollama-generate-200-deepseek2-own-context",
            "ollama-generate-200-remote-at-ollama-com",
        ),
    ),
    "broken-store": (_broken_store, (ASKED,), ("ollama-show-400-manifest-stat",)),
}


@pytest.mark.parametrize("session", list(SESSIONS))
def test_thirtieth_held_out_ollama(
    session: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, models, judged = SESSIONS[session]
    _, checks = ollama_replayed(pytester, monkeypatch, models, make())
    cases = [BY_NAME[name] for name in judged]
    problems = [p for case in cases for p in grade(case, checks)]
    problems += row_problems("ollama", OLLAMA_ROWS_30, cases, checks)
    assert not problems, "\n".join(problems)


def _store_on_disk(models: Path) -> Replay:
    """An Ollama whose ``/api/show`` reads the store at ``models`` as manifest.Manifests does
    (manifest/manifest.go:175-192: every ``manifests/*/*/*/*`` the directory lists, then a stat
    of each, whose failure is answered with Go's text, routes.go:1346-1353)."""

    def show(body: Any) -> Answer:
        for entry in sorted(models.glob("manifests/*/*/*/*")):
            try:
                os.stat(entry)
            except OSError as exc:
                said = f"stat {entry}: {os.strerror(exc.errno or 0).lower()}"
                return Answer(400, json.dumps({"error": said}).encode())
        return published("ollama--show-model-info")

    return Replay(
        {
            "GET /api/version": published("ollama--version"),
            "GET /api/tags": published("ollama--tags"),
            "POST /api/show": show,
        }
    )


def test_the_dangling_link_is_removed_and_the_model_then_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store on disk: the asked model's manifest, and another's tag file as a link to a
    disk no longer there. The printed fix (``rm`` of that link) is run; the same server then
    describes the model."""
    models = pytester.path / "ollama-models"
    library = models / "manifests" / "registry.ollama.ai" / "library"
    (library / "qwen2.5").mkdir(parents=True)
    (library / "qwen2.5" / "7b").write_text('{"schemaVersion": 2}')
    (library / "llama3.1").mkdir()
    link = library / "llama3.1" / "8b"
    link.symlink_to(pytester.path / "unmounted-disk" / "8b")
    _, before = ollama_replayed(pytester, monkeypatch, [ASKED], _store_on_disk(models))
    failed = before[f"ollama/model[{ASKED}]"]
    assert failed["status"] == "fail" and str(link) in failed["summary"], failed
    assert [s["argv"] for s in failed["fix"]["steps"]] == [["rm", str(link)]], failed["fix"]
    apply_fix(pytester.path, failed)
    assert not link.is_symlink() and (library / "qwen2.5" / "7b").is_file()
    _, after = ollama_replayed(pytester, monkeypatch, [ASKED], _store_on_disk(models))
    assert after[f"ollama/model[{ASKED}]"]["status"] == "pass", after


def test_the_official_client_meets_each_answer() -> None:
    """ollama-python (the client an app uses) against the same replays: the breakages break,
    the neighbours answer."""
    import ollama

    with _server() as replay, ollama.Client(host=replay.url) as client:
        for model, said in ((SMALL, "context length"), (REMOTE, "cannot run this remote")):
            with pytest.raises(ollama.ResponseError) as refused:
                client.generate(model=model, prompt="Say hello.", stream=False)
            assert refused.value.status_code == 400 and said in refused.value.error
        for model in (DEEPSEEK, CLOUD):
            assert client.generate(model=model, prompt="Say hello.", stream=False).response
    with _broken_store() as replay, ollama.Client(host=replay.url) as client:
        with pytest.raises(ollama.ResponseError) as shown:
            client.show(ASKED)
        assert shown.value.status_code == 400 and BROKEN in shown.value.error
        with pytest.raises(ollama.ResponseError) as listed:
            client.list()
        assert listed.value.status_code == 500 and BROKEN in listed.value.error


def test_the_thirtieth_set_is_what_it_says() -> None:
    assert_set_is_what_it_says("heldout30", 7, CASES, 5, 3)
    judged = [name for _, _, names in SESSIONS.values() for name in names]
    assert sorted(judged) == sorted(BY_NAME)


@pytest.mark.parametrize(
    ("said", "model"),
    [
        (f"stat {BROKEN}: no such file or directory", "llama3.1:8b"),
        (
            "stat /home/me/.ollama/models/manifests/registry.ollama.ai/team/coder/q4: "
            "permission denied",
            "team/coder:q4",
        ),
        (
            "open C:\\Users\\me\\.ollama\\models\\manifests\\hf.co\\org\\m\\latest: "
            "access is denied",
            "hf.co/org/m:latest",
        ),
        ("open /var/lib/ollama/blobs/sha256-0a1b: permission denied", None),
        ("invalid model name", "not a store file"),
        ('use either :local or :cloud, not both: "a:cloud:local"', "not a store file"),
    ],
)
def test_the_store_file_an_answer_names(said: str, model: str | None) -> None:
    """Go's path error for a file under the store's manifests/ or blobs/, and the model whose
    manifest it is; any other text is not one."""
    from envcheck.checks.ollama.diagnose import store_file

    found = store_file(said)
    if model == "not a store file":
        assert found is None
        return
    assert found is not None and found.model == model and said.startswith(found.op)


def test_without_the_fields_show_gives_no_host_or_context_is_made_up() -> None:
    """No remote_host: the host is not named, OLLAMA_REMOTES still is; no num_ctx of the
    model's own: the server's default context is the fix."""
    from envcheck.checks.ollama.diagnose import (
        PROMPT_OVER_CONTEXT,
        REMOTE_NOT_ALLOWED,
        context_too_short,
        remote_not_allowed,
    )

    remote = remote_not_allowed(REMOTE, "http://127.0.0.1:11434", None, REMOTE_NOT_ALLOWED)
    assert "OLLAMA_REMOTES" in str(remote.fix) and "gpu-box" not in str(remote.fix)
    at_home = remote_not_allowed(CLOUD, "h", "https://ollama.com:443", REMOTE_NOT_ALLOWED)
    assert "OLLAMA_REMOTES=ollama.com " in str(at_home.fix)
    short = context_too_short(SMALL, "h", PROMPT_OVER_CONTEXT, None, None)
    assert "OLLAMA_CONTEXT_LENGTH" in str(short.fix) and "deepseek2" not in str(short.why)
