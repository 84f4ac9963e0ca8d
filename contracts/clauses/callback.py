"""Call-log (callback) clauses: the half of an integration that runs the other way.

After every call the provider pushes a call log to the CRM; that push is what
becomes answered calls, missed calls, recordings and dispositions on the lead.
The run hosts a receiver (:mod:`contracts.receiver`) and the partner is told
its URL: per call through ``@CallbackUrl`` in the click-to-call request, or
once for the account (the embedded simulator is seeded with it; a partner sets
it in its portal, the report says which URL).

The probes run once, when the first callback clause needs them, and every
clause judges what they saw: a call to the answering number, one to the
no-answer number and one to the DND number are placed together, their call
logs awaited (up to ``callback_budget_s``; the DND dial's, which may rightly
never come, for ``callback_quiet_s``), then a fourth call whose first
delivery the receiver answers with 503, to see the partner deliver it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

import connector
from contracts.clauses.context import Context
from contracts.clauses.latency import percentile
from contracts.clauses.registry import Verdict, clause, failed, passed
from contracts.clauses.signals import CannotTest, SkipClause
from contracts.events import Evidence
from contracts.evidence import SafeText, delivery_evidence
from contracts.probe import HeadersOnly
from contracts.receiver import CallLogReceiver, Delivery

__all__ = ["CallLogs", "Probe", "observe"]

API = "call_log"
_KEY = "call_logs"
_DURATION_SLACK_S = 2.0  # providers round to whole seconds at both ends
_AUDIO_PREFIXES = ("audio/", "application/ogg")
_RECORDING_TIMEOUT_S = 10.0
_IDENTITY_WORDS = ("USER", "LOGIN", "ACCOUNT")


@dataclass
class Probe:
    """One call placed to see its call log: what the provider answered, what came back."""

    label: str
    number: connector.PhoneNumber
    placed_at: datetime
    result: connector.CallResult
    call_id: str | None
    delivery: Delivery | None = None
    record: connector.CallRecord | None = None


@dataclass
class CallLogs:
    """Everything the callback probes saw, shared by the clauses."""

    receiver: CallLogReceiver
    answered: Probe | None = None
    missed: Probe | None = None
    refused: Probe | None = None
    retry: Probe | None = None
    refused_delivery: Delivery | None = None  # the retry probe's first delivery, answered 503
    redelivery: Delivery | None = None  # the partner's next delivery of that call
    waited_s: dict[str, float] = field(default_factory=dict)
    accepted_none: bool = False  # no probe call was accepted: nothing was waited for


def _receiver(ctx: Context) -> CallLogReceiver:
    if ctx.config.call_log is None or ctx.receiver is None:
        raise SkipClause(
            "the config has no call_log section: add one naming the provider's call-log"
            " format and how it learns the URL (see docs/conformance.md)"
        )
    return ctx.receiver


def _number(ctx: Context, fixture: str) -> connector.PhoneNumber | None:
    text = getattr(ctx.fixtures, fixture, None)
    if fixture == "answering_number":
        text = text or ctx.fixtures.customer_number
    return ctx.number(str(text), fixture.replace("_", " ")) if text else None


def _place(ctx: Context, number: connector.PhoneNumber, label: str) -> Probe:
    placed_at = datetime.now(UTC)
    result = ctx.call("click_to_call", label, customer=number.e164)
    found = connector.call_id(result.outcome.data, result.answer) if result.outcome.ok else None
    return Probe(label, number, placed_at, result, found)


def _records(deliveries: list[Delivery]) -> list[tuple[Delivery, connector.CallRecord]]:
    return [(d, r) for d in deliveries if d.answered == 200 for r in d.records]


Found = tuple[Delivery, connector.CallRecord]


def _by_call_id(probe: Probe) -> Callable[[list[Delivery]], Found | None]:
    def found(deliveries: list[Delivery]) -> Found | None:
        return next(((d, r) for d, r in _records(deliveries) if r.call_id == probe.call_id), None)

    return found


def _settle(receiver: CallLogReceiver, probe: Probe, budget_s: float, logs: CallLogs) -> None:
    """Wait for ``probe``'s call log (by its call id) for up to ``budget_s``."""
    if probe.call_id is None:
        return
    started = datetime.now(UTC)
    hit = receiver.wait_for(_by_call_id(probe), budget_s)
    logs.waited_s[probe.label] = (datetime.now(UTC) - started).total_seconds()
    if hit is not None:
        probe.delivery, probe.record = hit


def _for_number(
    deliveries: list[Delivery], number: connector.PhoneNumber, after: datetime
) -> list[tuple[Delivery, connector.CallRecord]]:
    return [
        (d, r)
        for d, r in _records(deliveries)
        if r.customer_number == number and d.received_at >= after
    ]


def _known_ids(ctx: Context, receiver: CallLogReceiver) -> set[str]:
    """Call ids already delivered, or given by any click-to-call of the run so far."""
    known = {r.call_id for d in receiver.deliveries() for r in d.records}
    for seen in ctx.seen:
        if seen.api == "click_to_call" and seen.result.outcome.ok:
            found = connector.call_id(seen.result.outcome.data, seen.result.answer)
            if found:
                known.add(found)
    return known


def observe(ctx: Context) -> CallLogs:
    """Run the probes once per run; later calls return what they saw."""
    cached = ctx.shared.get(_KEY)
    if isinstance(cached, CallLogs):
        return cached
    receiver = _receiver(ctx)
    logs = CallLogs(receiver)
    ctx.shared[_KEY] = logs
    budget = ctx.fixtures.callback_budget_s
    answering = _number(ctx, "answering_number")
    no_answer = _number(ctx, "no_answer_number")
    dnd = _number(ctx, "dnd_number")
    if answering is not None:
        logs.answered = _place(ctx, answering, f"answered call to {ctx.mask(answering.crm)}")
    if no_answer is not None:
        logs.missed = _place(ctx, no_answer, f"unanswered call to {ctx.mask(no_answer.crm)}")
    if dnd is not None:
        logs.refused = _place(ctx, dnd, f"DND dial to {ctx.mask(dnd.crm)}")
    for probe in (logs.answered, logs.missed):
        if probe is not None:
            _settle(receiver, probe, budget, logs)
    if not any(p is not None and p.call_id for p in (logs.answered, logs.missed)):
        # The partner accepted no call (bad credentials, an outage): nothing can
        # follow, so no clause waits for call logs that cannot come.
        logs.accepted_none = True
        return logs
    if logs.refused is not None:
        refused = logs.refused
        hit = receiver.wait_for(
            lambda ds: next(iter(_for_number(ds, refused.number, refused.placed_at)), None),
            ctx.fixtures.callback_quiet_s,
        )
        if hit is not None:
            refused.delivery, refused.record = hit
    if answering is not None:
        _retry(ctx, receiver, logs, answering, budget)
    return logs


def _retry(
    ctx: Context,
    receiver: CallLogReceiver,
    logs: CallLogs,
    number: connector.PhoneNumber,
    budget_s: float,
) -> None:
    """Refuse the next new call log for ``number`` once (503) and watch for a redelivery."""
    known = _known_ids(ctx, receiver)
    receiver.refuse_next(lambda r: r.customer_number == number and r.call_id not in known)
    logs.retry = _place(
        ctx, number, f"call whose first call log is refused ({ctx.mask(number.crm)})"
    )
    refused = receiver.wait_for(lambda _ds: receiver.refused(), budget_s)
    if not isinstance(refused, Delivery):
        return
    logs.refused_delivery = refused
    refused_ids = set(refused.call_ids)

    def again(deliveries: list[Delivery]) -> Delivery | None:
        # The next accepted delivery for the number that is not an older call's.
        return next(
            (
                d
                for d, r in _for_number(deliveries, number, refused.received_at)
                if d is not refused and (r.call_id in refused_ids or r.call_id not in known)
            ),
            None,
        )

    logs.redelivery = receiver.wait_for(again, budget_s)


# -- judging ------------------------------------------------------------------


def _safe(ctx: Context) -> SafeText:
    return SafeText(ctx.secrets.values(), show_numbers=ctx.options.show_numbers)


def _evidence(
    ctx: Context, logs: CallLogs, probe: Probe | None, *more: Delivery
) -> tuple[Evidence, ...]:
    items: list[Evidence] = []
    if probe is not None:
        items.append(ctx.evidence(probe.result, probe.label))
        if probe.delivery is not None:
            items.append(
                delivery_evidence(
                    probe.delivery, f"call log of the {probe.label}", logs.receiver.url, _safe(ctx)
                )
            )
    for delivery in more:
        items.append(delivery_evidence(delivery, "call log", logs.receiver.url, _safe(ctx)))
    return tuple(items)


def _placed(ctx: Context, probe: Probe | None, fixture: str) -> Probe:
    """The probe, or why it could not be made: a missing fixture skips, a refused call errs."""
    if probe is None:
        raise SkipClause(f"fixture {fixture!r} is missing")
    if not probe.result.outcome.ok:
        raise CannotTest(
            f"{probe.label}: the click-to-call was not accepted ({probe.result.outcome.message}),"
            " so no call log can follow",
            ctx.evidence(probe.result, probe.label),
        )
    if probe.call_id is None:
        raise CannotTest(
            f"{probe.label}: the click-to-call answer carries no call id, so its call log"
            " cannot be matched (click_to_call.success fails for this)",
            ctx.evidence(probe.result, probe.label),
        )
    return probe


def _missing(ctx: Context, logs: CallLogs, probe: Probe) -> Verdict:
    """Why ``probe`` has no call log: a wrong call id, an unreadable one, or none at all."""
    deliveries = logs.receiver.deliveries()
    same_number = _for_number(deliveries, probe.number, probe.placed_at)
    if same_number:
        delivery, record = same_number[0]
        return failed(
            f"the call log of the {probe.label} carries call id {record.call_id}, but the"
            f" click-to-call answered {probe.call_id}: the CRM cannot link the call log to"
            " the call",
            *_evidence(ctx, logs, probe, delivery),
        )
    unreadable = [
        d for d in deliveries if d.problem is not None and d.received_at >= probe.placed_at
    ]
    if unreadable:
        return failed(
            f"a call log arrived after the {probe.label} but could not be read:"
            f" {unreadable[0].problem}",
            *_evidence(ctx, logs, probe, unreadable[0]),
        )
    budget = ctx.fixtures.callback_budget_s
    return failed(
        f"no call log for the {probe.label} (call id {probe.call_id}) arrived at"
        f" {logs.receiver.url} within {budget:g} s"
        f" ({len(deliveries)} call log(s) received in the run)",
        *_evidence(ctx, logs, probe),
    )


def _answered_problems(probe: Probe, record: connector.CallRecord) -> list[str]:
    problems: list[str] = []
    if record.status is not connector.CallStatus.ANSWERED:
        problems.append(f"its status reads {record.status}, not answered")
    if record.started_at is None or record.ended_at is None:
        problems.append("it has no start or end time")
    else:
        span = (record.ended_at - record.started_at).total_seconds()
        if span < 0:
            problems.append("it ends before it starts")
        for what, seconds in (
            ("talk time", record.duration_s),
            ("call duration", record.call_duration_s),
        ):
            if seconds is not None and seconds > span + _DURATION_SLACK_S:
                problems.append(f"its {what} ({seconds} s) is longer than end - start ({span:g} s)")
    if record.agent_phone is None:
        problems.append("it names no valid agent number")
    if record.customer_number != probe.number:
        problems.append(
            f"its customer number {record.customer_number.crm} is not the number called"
        )
    return problems


@clause("callback.answered", API, "An answered call's log comes back with its call id and data")
def answered(ctx: Context) -> Verdict:
    """Call id as the click-to-call answered it, status answered, times, duration, numbers."""
    logs = observe(ctx)
    probe = _placed(ctx, logs.answered, "answering_number")
    if probe.record is None:
        return _missing(ctx, logs, probe)
    problems = _answered_problems(probe, probe.record)
    evidence = _evidence(ctx, logs, probe)
    if problems:
        return failed(f"the call log of the {probe.label}: " + "; ".join(problems), *evidence)
    waited = logs.waited_s.get(probe.label, 0.0)
    return passed(
        f"call {probe.call_id}: answered, {probe.record.duration_s} s talk, arrived within"
        f" {waited:.1f} s",
        *evidence,
    )


def _fetch_audio(url: str, *, clock: Callable[[], float] = time.monotonic) -> tuple[int, str]:
    """(HTTP status, content type) of a recording: HEAD, or GET when HEAD is refused.

    No body is read, a redirect's included, and one deadline covers every hop
    (``contracts.probe``).
    """
    with HeadersOnly(_RECORDING_TIMEOUT_S, follow_redirects=True, clock=clock) as probe:
        answered = probe.head_or_get(url)
    return answered.status, answered.headers.get("content-type", "")


@clause("callback.recording", API, "An answered call's log links a recording that plays")
def recording(ctx: Context) -> Verdict:
    """The recording URL answers with an audio content type."""
    if not ctx.fixtures.recordings:
        raise SkipClause("the fixtures say the account records no calls (recordings: false)")
    logs = observe(ctx)
    probe = _placed(ctx, logs.answered, "answering_number")
    record = probe.record
    if record is None:
        raise CannotTest("no call log of the answered call arrived (see callback.answered)")
    evidence = _evidence(ctx, logs, probe)
    safe = _safe(ctx)
    if record.recording_url is None:
        if record.recording_file:
            return failed(
                f"the recording is a bare file name ({safe.text(record.recording_file)!r}),"
                " not a URL the CRM can play",
                *evidence,
            )
        return failed("the answered call's log carries no recording URL", *evidence)
    shown = safe.text(record.recording_url)
    try:
        status, content_type = _fetch_audio(record.recording_url)
    except httpx.HTTPError as exc:
        raise CannotTest(
            f"the recording URL {shown} could not be fetched ({type(exc).__name__})", *evidence
        ) from None
    media = content_type.partition(";")[0].strip().lower()
    if status >= 400 or not media.startswith(_AUDIO_PREFIXES):
        return failed(
            f"the recording URL {shown} answered HTTP {status} {media or 'without a content type'}:"
            " not audio the CRM can play",
            *evidence,
        )
    return passed(f"the recording URL answers HTTP {status} {media}", *evidence)


@clause("callback.missed", API, "An unanswered call's log says not answered (a missed call)")
def missed(ctx: Context) -> Verdict:
    """What becomes a missed call on the lead."""
    logs = observe(ctx)
    probe = _placed(ctx, logs.missed, "no_answer_number")
    if probe.record is None:
        return _missing(ctx, logs, probe)
    evidence = _evidence(ctx, logs, probe)
    if probe.record.status is not connector.CallStatus.NOT_ANSWERED:
        return failed(
            f"the unanswered call's log says {probe.record.status}: the lead would not show a"
            " missed call",
            *evidence,
        )
    return passed(f"call {probe.call_id}: not answered", *evidence)


@clause(
    "callback.refused", API, "A refused DND dial logs nothing, or a failed call, never answered"
)
def refused(ctx: Context) -> Verdict:
    """A DND dial must not show as an answered (or missed) call."""
    logs = observe(ctx)
    probe = logs.refused
    if probe is None:
        raise SkipClause("fixture 'dnd_number' is missing")
    if logs.accepted_none:
        raise CannotTest(
            "the partner accepted no call in this run, so the absence of a call log for the"
            " refused dial says nothing (see callback.answered)",
            *_evidence(ctx, logs, probe),
        )
    if probe.record is None:
        return passed(
            f"no call log for the refused dial within {ctx.fixtures.callback_quiet_s:g} s"
            " (nothing was dialled)",
            *_evidence(ctx, logs, probe),
        )
    evidence = _evidence(ctx, logs, probe)
    if probe.record.status is not connector.CallStatus.FAILED:
        return failed(
            f"the refused DND dial's log says {probe.record.status}: the lead would show a call"
            " that never happened (a failed status is expected)",
            *evidence,
        )
    return passed(f"the refused dial is logged as failed (call {probe.record.call_id})", *evidence)


def _retried(ctx: Context) -> tuple[CallLogs, Probe, Delivery]:
    logs = observe(ctx)
    if logs.accepted_none:
        raise CannotTest("the partner accepted no call in this run (see callback.answered)")
    probe = _placed(ctx, logs.retry, "answering_number")
    if logs.refused_delivery is None:
        raise CannotTest(
            f"no call log arrived for the {probe.label} within"
            f" {ctx.fixtures.callback_budget_s:g} s (see callback.answered)",
            *_evidence(ctx, logs, probe),
        )
    return logs, probe, logs.refused_delivery


@clause("callback.retry", API, "A call log refused with 503 is delivered again")
def retry(ctx: Context) -> Verdict:
    """Losing call logs whenever the CRM is briefly down is the defect."""
    logs, probe, first = _retried(ctx)
    if logs.redelivery is None:
        return failed(
            f"the receiver answered the call log of call {', '.join(first.call_ids)} with 503 and"
            f" it was not delivered again within {ctx.fixtures.callback_budget_s:g} s: a call"
            " log is lost whenever the CRM cannot take it",
            *_evidence(ctx, logs, probe, first),
        )
    after = (logs.redelivery.received_at - first.received_at).total_seconds()
    return passed(
        f"delivered again {after:.1f} s after the 503",
        *_evidence(ctx, logs, probe, first, logs.redelivery),
    )


@clause("callback.idempotent_id", API, "A delivered-again call log carries the same call id")
def idempotent_id(ctx: Context) -> Verdict:
    """The CRM de-duplicates deliveries by call id."""
    logs, probe, first = _retried(ctx)
    again = logs.redelivery
    if again is None:
        raise SkipClause("no call log was delivered again (callback.retry fails)")
    evidence = _evidence(ctx, logs, probe, first, again)
    if set(again.call_ids) != set(first.call_ids):
        return failed(
            f"the call log came again with call id {', '.join(again.call_ids)} after"
            f" {', '.join(first.call_ids)}: the CRM would store one call twice",
            *evidence,
        )
    return passed(f"delivered again with the same call id {', '.join(first.call_ids)}", *evidence)


def _credentials(ctx: Context) -> dict[str, str]:
    """The config's secrets but the account's user name: an identity, which call logs
    may rightly carry (Ozonetel's UserName), not a credential."""
    return {
        name: value
        for name, value in ctx.secrets.items()
        if not any(word in name.upper() for word in _IDENTITY_WORDS)
    }


@clause("callback.secrets", API, "No call log echoes the account's key or another secret")
def secrets(ctx: Context) -> Verdict:
    """Ozonetel's real callback echoes Apikey; a CRM would keep it in its records."""
    logs = observe(ctx)
    deliveries = logs.receiver.deliveries()
    if not deliveries:
        raise SkipClause("no call log arrived in the run, so none could leak a secret")
    bodies = [d.body.decode("utf-8", errors="replace") for d in deliveries]
    leaked: dict[str, int] = {}
    first: int | None = None  # the earliest delivery that echoes any secret
    for name, value in sorted(_credentials(ctx).items()):
        finder = connector.Redactor([value], show_numbers=True)
        hits = [i for i, body in enumerate(bodies) if finder.reveals(body)]
        if hits:
            leaked[name] = len(hits)
            first = hits[0] if first is None else min(first, hits[0])
    if first is not None:
        shown = ", ".join(f"{name} in {count}" for name, count in leaked.items())
        return failed(
            f"call logs echo a configured secret ({shown} of {len(deliveries)} call logs):"
            " the CRM would store the key with every call; drop it from the call log",
            delivery_evidence(
                deliveries[first], "call log echoing a secret", logs.receiver.url, _safe(ctx)
            ),
        )
    return passed(f"none of {len(deliveries)} call logs holds a configured secret")


@clause("callback.timing", API, "Call logs arrive soon after the call ends (p95)")
def timing(ctx: Context) -> Verdict:
    """From a call's end (its log's end time) to the log's arrival."""
    logs = observe(ctx)
    samples = [
        max(0.0, (delivery.received_at - record.ended_at).total_seconds())
        for delivery, record in _records(logs.receiver.deliveries())
        if record.ended_at is not None
    ]
    if not samples:
        raise SkipClause("no call log with an end time arrived in the run")
    budget = ctx.fixtures.callback_timing_budget_s
    p95 = percentile(samples, 0.95)
    figures = {"p95_s": p95, "max_s": max(samples), "logs": float(len(samples)), "budget_s": budget}
    summary = (
        f"p95 {p95:.1f} s, max {max(samples):.1f} s from call end to arrival"
        f" over {len(samples)} call logs"
    )
    if p95 > budget:
        return failed(f"{summary}: over the {budget:g} s budget", figures=figures)
    return passed(summary, figures=figures)
