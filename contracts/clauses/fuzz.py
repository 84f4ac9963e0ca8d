"""Optional fuzzing (``--fuzz``): schemathesis against the dialect's OpenAPI contract.

Generated requests go to the target URL; a clause fails on any 5xx or an
answer outside the contract (status, content type, body schema). Examples
are bounded and derandomised so a run is repeatable and short.

Every answer is read by :func:`bounded_session` (schemathesis's requests
session with a response hook), not by schemathesis: at most
:data:`MAX_ANSWER_BYTES` after decompression, within :data:`ANSWER_TIME_S`
per answer (each redirect hop too). Unread, an endless or huge answer kept a
run going for ever or took its memory (requests reads a body whole and has
no total timeout). An answer past either bound is a request without an
answer, named by :class:`AnswerTooLarge` or :class:`AnswerTooSlow`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import connector
from contracts.clauses.context import Context
from contracts.clauses.registry import Verdict, clause, failed, passed
from contracts.clauses.signals import CannotTest, SkipClause

if TYPE_CHECKING:
    import requests

__all__ = [
    "ANSWER_TIME_S",
    "CHECK_NAMES",
    "MAX_ANSWER_BYTES",
    "AnswerTooLarge",
    "AnswerTooSlow",
    "bounded_session",
    "dialect_for",
]

CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
_TIMEOUT_S = 10.0
_LISTED = 8
#: What one answer may hold once decompressed: the connector's client reads no more.
MAX_ANSWER_BYTES = 1_048_576
#: How long reading one answer's body may take in all (each read also has _TIMEOUT_S).
ANSWER_TIME_S = 10.0
_CHUNK = 64 * 1024


class AnswerTooLarge(Exception):
    """The answer held more than :data:`MAX_ANSWER_BYTES` (decompressed)."""


class AnswerTooSlow(Exception):
    """The answer's body took longer than :data:`ANSWER_TIME_S` to arrive."""


def bounded_session(
    *,
    max_bytes: int = MAX_ANSWER_BYTES,
    answer_time_s: float = ANSWER_TIME_S,
    clock: Callable[[], float] = time.monotonic,
) -> requests.Session:
    """Schemathesis's session (same-host redirects, no cookies kept), reading answers bounded.

    The hook runs on every hop before requests follows a redirect (which would
    read the hop's body whole), on a streamed answer: schemathesis asks for
    ``stream=True``. urllib3 decompresses at most a chunk per read, so a
    compressed bomb costs one chunk, not its inflated size.
    """
    import requests
    from schemathesis.transport.requests import ManagedCookiesSession

    def read_bounded(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        deadline = clock() + answer_time_s
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise AnswerTooLarge(f"the answer held more than {max_bytes} bytes")
                if clock() > deadline:
                    raise AnswerTooSlow(f"the answer took more than {answer_time_s:g} s to arrive")
        except (AnswerTooLarge, AnswerTooSlow, requests.RequestException):
            response.close()
            raise
        response._content = bytes(body)
        response._content_consumed = True

    # Cookies a generated request got are dropped before the next one.
    session: requests.Session = ManagedCookiesSession()
    session.hooks["response"].append(read_bounded)
    return session


def dialect_for(config: connector.ConnectorConfig) -> str | None:
    """The dialect whose contract describes the config's API paths (or its name)."""
    from contracts import specs

    names = specs.dialects()
    if config.name in names:
        return str(config.name)
    from urllib.parse import urlsplit

    paths = {urlsplit(api.url).path for api in config.apis.values()}
    for name in names:
        if paths & set(specs.load_spec(name).get("paths", {})):
            return name
    return None


@clause("fuzz.contract", "fuzz", "Generated requests get no 5xx and answers within the contract")
def contract(ctx: Context) -> Verdict:
    """Property-based requests from the contract; every answer checked against it."""
    if not ctx.options.fuzz:
        raise SkipClause("fuzzing is off (run with --fuzz)")
    dialect = ctx.dialect or dialect_for(ctx.config)
    if dialect is None:
        raise SkipClause("no OpenAPI contract describes this config's API paths")
    # Imported here: schemathesis is an optional extra and slow to import.
    import schemathesis
    import schemathesis.checks
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.core.result import Ok

    from contracts import specs

    schema = schemathesis.openapi.from_path(specs.spec_path(dialect))
    checks = [getattr(schemathesis.checks, name) for name in CHECK_NAMES]
    session = bounded_session()
    problems: dict[str, str] = {}
    no_answer: list[str] = []
    cases = 0

    def record(label: str, failure: Failure) -> None:
        key = f"{label}: {failure.title}"
        problems.setdefault(key, " ".join(str(failure.message).split())[:200])

    def fuzz_operation(operation: Any) -> None:
        label = operation.label

        @settings(
            max_examples=ctx.options.fuzz_examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy())
        def probe(case: Any) -> None:
            nonlocal cases
            cases += 1
            try:
                response = case.call(base_url=ctx.base_url, session=session, timeout=_TIMEOUT_S)
            except Exception as exc:  # the transport is requests; any failure is "no answer"
                no_answer.append(f"{label}: {type(exc).__name__}")
                return
            try:
                case.validate_response(response, checks=checks)
            except FailureGroup as group:
                for failure in group.exceptions:
                    record(label, failure)
            except Failure as failure:
                record(label, failure)

        probe()

    with session:
        for loaded in schema.get_all_operations():
            if not isinstance(loaded, Ok):
                raise CannotTest(f"the {dialect} contract has an invalid operation: {loaded.err()}")
            fuzz_operation(loaded.ok())
    if cases and len(no_answer) == cases:
        raise CannotTest(f"no generated request got an answer ({no_answer[0]})")
    if problems or no_answer:
        listed = [f"{key} ({detail})" for key, detail in problems.items()]
        listed += sorted(set(no_answer))
        more = f" and {len(listed) - _LISTED} more" if len(listed) > _LISTED else ""
        return failed(
            f"{len(listed)} contract problems in {cases} generated requests:"
            f" {'; '.join(listed[:_LISTED])}{more}"
        )
    return passed(f"{cases} generated requests against the {dialect} contract, all conformant")
