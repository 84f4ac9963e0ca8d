"""WireMock and Prism, the simulator's peers in its benchmark, when installed.

``make bench-peers`` installs them with npm into a cache folder outside the
repository (``~/.cache/mcc-bench-peers``, or ``$MCC_BENCH_PEERS``): the npm
package ``wiremock`` (its standalone jar, run with the machine's ``java``)
and ``@stoplight/prism-cli`` (run with ``node``). :func:`find_peers` finds
what is there and says, for each peer that is missing, why it will be
skipped; the benchmark prints that line instead of a figure.

WireMock runs with its default settings and one stub per route, written as
mapping files: the path, the five parameters present (``matches: .+``), and
the simulator's success body and content type. Prism mocks the route's own
contract, ``contracts/openapi/<dialect>.yaml``, with its defaults (it
validates the request against the contract and answers the documented
example).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from benchmarks.servers import ServerSpec

__all__ = ["CACHE_ENV", "Peer", "cache_dir", "find_peers", "prism_spec", "wiremock_spec"]

CACHE_ENV = "MCC_BENCH_PEERS"
_ROOT = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    """Where ``make bench-peers`` installs the peers."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "mcc-bench-peers")


@dataclass(frozen=True)
class Peer:
    """One peer: where its program is, or why it is missing."""

    name: str
    program: Path | None
    missing: str = ""


def find_peers(folder: Path | None = None) -> dict[str, Peer]:
    """``wiremock`` and ``prism``, each found or with the reason it is not."""
    folder = folder or cache_dir()
    modules = folder / "node_modules"
    hint = f"run `make bench-peers` (installs into {folder})"
    jars = sorted((modules / "wiremock" / "build").glob("wiremock-standalone-*.jar"))
    if not jars:
        wiremock = Peer("wiremock", None, f"WireMock not installed: {hint}")
    elif shutil.which("java") is None:
        wiremock = Peer("wiremock", None, "WireMock needs java on PATH (Java 17 or later)")
    else:
        wiremock = Peer("wiremock", jars[-1])
    script = modules / "@stoplight" / "prism-cli" / "dist" / "index.js"
    if not script.is_file():
        prism = Peer("prism", None, f"Prism not installed: {hint}")
    elif shutil.which("node") is None:
        prism = Peer("prism", None, "Prism needs node on PATH")
    else:
        prism = Peer("prism", script)
    return {"wiremock": wiremock, "prism": prism}


def _stub(path: str, body: str, content_type: str, params: tuple[str, ...]) -> dict[str, object]:
    return {
        "request": {
            "method": "ANY",
            "urlPath": path,
            "queryParameters": {name: {"matches": ".+"} for name in params},
        },
        "response": {"status": 200, "body": body, "headers": {"Content-Type": content_type}},
    }


def wiremock_spec(
    peer: Peer,
    port: int,
    root: Path,
    routes: Mapping[str, tuple[str, str]],
    params: tuple[str, ...],
) -> ServerSpec:
    """WireMock on ``port`` with one stub per route (``path -> (body, content type)``)."""
    assert peer.program is not None
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    for index, (path, (body, content_type)) in enumerate(sorted(routes.items())):
        stub = _stub(path, body, content_type, params)
        (mappings / f"route{index}.json").write_text(json.dumps(stub))
    return ServerSpec(
        name="wiremock",
        command=[
            "java",
            "-jar",
            str(peer.program),
            "--port",
            str(port),
            "--bind-address",
            "127.0.0.1",
            "--root-dir",
            str(root),
            "--disable-banner",
        ],
        port=port,
        ready_path="/__admin/health",
        start_timeout_s=120.0,
    )


def prism_spec(peer: Peer, port: int, dialect: str) -> ServerSpec:
    """Prism mocking ``contracts/openapi/<dialect>.yaml`` on ``port``."""
    assert peer.program is not None
    contract = _ROOT / "contracts" / "openapi" / f"{dialect}.yaml"
    where = ["-h", "127.0.0.1", "-p", str(port)]
    return ServerSpec(
        name=f"prism-{dialect}",
        command=["node", str(peer.program), "mock", *where, str(contract)],
        port=port,
        start_timeout_s=120.0,
    )
