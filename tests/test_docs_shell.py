"""Every shell block in README.md and docs/*.md runs as written, in order.

Each page's ``sh``/``bash``/``shell``/``console`` blocks are joined, in the
order they appear, into one script that bash runs in a clean environment
(``env -i``: only ``PATH`` with the project's ``.venv/bin``, ``HOME`` and the
locale), so a missing ``export`` or a step that needs an earlier one's output
fails here as it would for a reader. The script runs with ``set -e -o
pipefail``: every command must succeed.

What is changed on the way, and why:

- the working directory is a fresh folder holding links to the repository's
  top-level files and folders but ``reports/`` and ``cassettes/`` (the pages
  say "from the repository's root"), so what the pages write never lands in
  the checkout;
- ports 8080, 8081 and 8082 become free ports, so the suite can run beside
  anything else on the machine (``pytest -n 2``, a developer's own server).

Two markers keep a block out, each saying why:

- a first line ``# not runnable as written: <why>``, shown to readers, for a
  block that needs something only the reader has (a partner's URL and keys)
  or that is a transcript;
- an HTML comment ``<!-- docs-test: skip, <why> -->`` on the line before the
  fence, unseen on the rendered page, for a block that is runnable but not run
  here (``make test`` is this suite).

Everything the script starts is stopped when it ends (its process group).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGS = {"sh", "bash", "shell", "console"}
NOT_RUNNABLE = "# not runnable as written:"
SKIP = re.compile(r"<!--\s*docs-test:\s*skip,\s*(?P<why>.+?)\s*-->\s*$")
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*\n(?P<body>.*?)^```\s*$", re.M | re.S)
# A hang guard only: the longest page takes well under a minute.
PAGE_GUARD_S = 900
# The ports the pages use, each replaced by a free one.
PORTS = ("8080", "8081", "8082")
# What the pages write: made fresh in the working folder, never in the checkout.
OUTPUTS = {"reports", "cassettes"}

# What a run of each page must print besides exiting 0: the outcomes the page
# promises, so a step that "works" but does nothing is caught.
EXPECTED = {
    "README.md": [
        "ozonetel",  # mcc presets
        "success",  # mcc test-api against the simulator
        "synced 2 DID(s)",
        "initiated",
        "pop-up: Asha Rao (lead L-1001)",
        "answered",
    ],
    "docs/console.md": [
        "password set for agent1",
        "simulator: call logs of 1 account(s) go to",
        "\n200\n",  # the login page
        "stopped",
    ],
    "docs/flows.md": [
        "synced 2 DID(s)",
        "+918030000001",
        "initiated",
        "pop-up: Asha Rao (lead L-1001)",
        "no pop-up (not_a_did)",
        "answered",
    ],
}


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    body: str
    skipped_because: str | None

    @property
    def marked_not_runnable(self) -> bool:
        return self.body.lstrip().startswith(NOT_RUNNABLE)


def shell_blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        lang = match.group("lang")
        if lang not in SHELL_LANGS:
            continue
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = SKIP.search(before)
        blocks.append(
            Block(
                page=page.relative_to(ROOT).as_posix(),
                line=text.count("\n", 0, match.start()) + 1,
                lang=lang,
                body=match.group("body"),
                skipped_because=skip.group("why") if skip else None,
            )
        )
    return blocks


def runnable(page: Path) -> list[Block]:
    return [b for b in shell_blocks(page) if not b.marked_not_runnable and not b.skipped_because]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _script(blocks: list[Block], ports: dict[str, str]) -> str:
    parts = ["set -e -o pipefail"]
    for block in blocks:
        body = block.body
        for old, new in ports.items():
            body = re.sub(rf"\b{old}\b", new, body)
        parts.append(f"# --- {block.page}:{block.line}\n{body}")
    return "\n".join(parts) + "\n"


def _clean_env(home: Path) -> dict[str, str]:
    venv_bin = Path(sys.executable).parent
    return {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def _run_page(page: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if not entry.name.startswith(".") and entry.name not in OUTPUTS:
            (work / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    ports = {port: str(_free_port()) for port in PORTS}
    script = tmp_path / "page.sh"
    script.write_text(_script(runnable(page), ports), encoding="utf-8")
    log = tmp_path / "page.out"
    # Output to a file, and wait for bash itself: a server the page left in
    # the background keeps a pipe open after the script has ended.
    with log.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen(
            ["bash", str(script)],
            cwd=work,
            env=_clean_env(tmp_path),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=PAGE_GUARD_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            out = log.read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"{page.name}: still running after {PAGE_GUARD_S} s:\n{out[-4000:]}")
        finally:
            # Servers a page started and left running (or did not stop in time).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    out = log.read_text(encoding="utf-8", errors="replace")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def test_every_shell_block_is_runnable_or_says_why_not() -> None:
    unmarked_transcripts = [
        f"{b.page}:{b.line}"
        for page in PAGES
        for b in shell_blocks(page)
        if b.lang == "console"
        and not b.marked_not_runnable
        and not b.skipped_because
        and "\n$ " in f"\n{b.body}"
    ]
    assert not unmarked_transcripts, (
        "transcripts (lines starting with '$ ') cannot run as written; "
        f"start them with '{NOT_RUNNABLE} a transcript': {unmarked_transcripts}"
    )
    placeholders = [
        f"{b.page}:{b.line}"
        for page in PAGES
        for b in runnable(page)
        if re.search(r"=\.\.\.(\s|$)|partner\.example", b.body)
    ]
    assert not placeholders, f"blocks with placeholders must be marked not runnable: {placeholders}"


PAGES_WITH_BLOCKS = [page for page in PAGES if runnable(page)]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES_WITH_BLOCKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_page_runs_as_written_in_a_clean_shell(page: Path, tmp_path: Path) -> None:
    result = _run_page(page, tmp_path)
    name = page.relative_to(ROOT).as_posix()
    assert result.returncode == 0, f"{name} failed (exit {result.returncode}):\n{result.stdout}"
    assert "Traceback" not in result.stdout, result.stdout
    for text in EXPECTED.get(name, []):
        assert text in result.stdout, f"{name}: expected {text!r} in:\n{result.stdout}"


def test_the_expected_outputs_name_pages_that_run() -> None:
    names = {page.relative_to(ROOT).as_posix() for page in PAGES_WITH_BLOCKS}
    assert set(EXPECTED) <= names
