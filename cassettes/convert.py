"""Make the provider cassettes of this repository from real recorded exchanges.

``python cassettes/convert.py`` (from the repository root, in the project's virtualenv) reads the
recordings the mock LLM API is built from (``src/envcheck/mock/data/<provider>--models-list.json``:
real answers that public projects recorded against the providers, see that folder's SOURCES.md),
and writes them as vcrpy cassettes with envcheck's own cassette code, which scrubs every key:
``cassettes/<provider>/<check>.yaml`` for the checks that list models (auth, model, headroom).
"""

from __future__ import annotations

import json
from pathlib import Path

from vcr.request import Request

from envcheck.cassettes import Cassette

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "envcheck" / "mock" / "data"
CHECKS = ("auth", "model", "headroom")


def convert(provider: str) -> list[Path]:
    sample = json.loads((DATA / f"{provider}--models-list.json").read_text(encoding="utf-8"))
    request, response = sample["request"], sample["response"]
    body = response["body"]
    text = body if isinstance(body, str) else json.dumps(body)
    recorded = {
        "status": {"code": response["status"], "message": "OK"},
        "headers": {name: [value] for name, value in response["headers"].items()},
        "body": {"string": text},
    }
    written = []
    for check in CHECKS:
        path = ROOT / "cassettes" / provider / f"{check}.yaml"
        rerecord = f"python cassettes/convert.py  (or: pytest -m providers -k {provider} ...)"
        cassette = Cassette.open(path, "all", [], rerecord)
        cassette.record(
            Request(request["method"], request["url"], None, dict(request["headers"])), recorded
        )
        cassette.save()
        written.append(path)
    return written


if __name__ == "__main__":
    for name in ("openai", "anthropic", "gemini"):
        for path in convert(name):
            print(path.relative_to(ROOT))
