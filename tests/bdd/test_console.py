"""Step definitions for features/console: the agent console in a real Chromium.

The world is real: the simulator on a loopback port, the console and the
call-log service in one waitress server (``console.server.serve``, as
``mcc console`` runs them) over a fresh CRM file, and Debian's Chromium
driven by the pytest-playwright plugin. Its ``browser`` fixture launches
Chromium once per test session (per xdist worker); the overridden
``browser_type_launch_args`` points it at ``console.chromium.chromium_path()``
(``executable_path``: Playwright cannot download browsers on these
machines) with the switches ``console.chromium.CHROMIUM_ARGS``. Each agent is
a browser context of its own from the plugin's ``new_context`` fixture (what
its ``context`` and ``page`` fixtures are made of), as if logged in on
another machine; the plugin closes them after the scenario and applies its
command-line options to them (``--headed``, ``--slowmo``, ``--tracing``,
``--video``, ``--screenshot``, ``--output``).

The plugin wraps every test call of the run in Playwright's soft-assertion
scope, and scopes do not nest: the suite's pytester runs
(tests/simulator/test_plugin.py) pass ``-p no:playwright`` to the inner,
in-process session.

Without Chromium every scenario here is skipped with one line saying how to
install it; with ``CI=true`` a missing browser fails the run instead.
Timeouts are Playwright's 30 s, as hang guards only. Screenshots of the
screens docs/console.md shows are saved under ``$MCC_SCREENSHOTS`` (default
``reports/console``).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_bdd import given, parsers, scenarios, then, when
from pytest_playwright.pytest_playwright import CreateContextCallback

from calling import sync_dids
from connector import Client, parse_phone, resolve_config, with_base_url
from console import ConsoleSettings, SimulatorClient, build, serve
from console.chromium import CHROMIUM_ARGS, INSTALL_HINT, chromium_path
from crm import CrmStore, Lead, User, import_file
from simulator import create_app
from simulator.serve import RunningServer, start_in_thread

scenarios("console")

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bdd-console-token-0123456789abcdef"
SECRET = "bdd-console-secret-0123456789abcdef-012345"
PASSWORD = "agent-password-1"
ENV = {"OZONETEL_API_KEY": "KKdemo0000000000000000000000000001", "OZONETEL_USERNAME": "demouser"}
POPUP_API = "/CAServices/LeadSquare/PullAPI.php"
HANG_GUARD_MS = 30_000
LAPTOP: ViewportSize = {"width": 1100, "height": 800}
MARKUP = "<img src=x onerror=alert(1)>"
# Every pop-up ever put on a page, kept by the page itself (Playwright adds it
# before the page's own script; CSP does not apply to it).
RECORD_POPUPS = """
window.__popups = [];
new MutationObserver((changes) => {
  for (const change of changes) {
    for (const node of change.addedNodes) {
      if (node.nodeType === 1 && node.matches('[data-popup-id]')) {
        window.__popups.push(node.textContent);
      }
    }
  }
}).observe(document, {childList: true, subtree: true});
"""


def screenshot_dir() -> Path:
    path = Path(os.environ.get("MCC_SCREENSHOTS") or ROOT / "reports" / "console")
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- the browser ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_name: str
) -> dict[str, Any]:
    """pytest-playwright's launch options, on Debian's Chromium with the console's switches.

    Session-scoped like the plugin's own: the check below runs once, and its
    skip (or failure) is the outcome of every scenario that wants a browser.
    """
    if browser_name != "chromium":
        pytest.skip(
            f"the console's browser tests run in Chromium only, not --browser {browser_name}"
        )
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing and CI=true: {INSTALL_HINT}")
        pytest.skip(f"browser tests need Chromium (/usr/bin/chromium); {INSTALL_HINT}")
    # --headed sets headless=False; the --headless switch would override it.
    headed = browser_type_launch_args.get("headless") is False
    args = [arg for arg in CHROMIUM_ARGS if not (headed and arg == "--headless")]
    return {**browser_type_launch_args, "executable_path": str(path), "args": args}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Every agent's window is a laptop screen (``--device`` still wins when given)."""
    return {"viewport": LAPTOP, **browser_context_args}


@pytest.fixture(scope="module")
def crm_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CRM every scenario starts from (hashing passwords is slow on purpose: once)."""
    path = tmp_path_factory.mktemp("console-crm") / "crm.sqlite3"
    with CrmStore(path) as store:
        import_file(store, ROOT / "examples" / "crm.yaml")
        store.upsert_user(User("agent2", "Agent Two", phone="9800000002"))
        for user in ("agent1", "agent2"):
            store.set_password(user, PASSWORD)
    return path


# -- the world ------------------------------------------------------------------------


@dataclass
class World:
    """The simulator, the console (with its call-log service), the store, the agents."""

    new_context: CreateContextCallback
    store: CrmStore
    sim: RunningServer
    url: str
    client: Client
    config: Any
    stop: threading.Event
    thread: threading.Thread
    pages: dict[str, Page] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        answer = httpx.request(
            method, f"{self.sim.base_url}{path}", json=body, timeout=HANG_GUARD_MS / 1000
        )
        assert answer.status_code < 400, answer.text
        return answer.json()

    def page(self, agent: str) -> Page:
        if agent not in self.pages:
            context = self.new_context()  # one browser context per agent
            context.set_default_timeout(HANG_GUARD_MS)
            context.add_init_script(RECORD_POPUPS)
            page = context.new_page()
            page.on("dialog", lambda dialog: self.seen.setdefault("dialogs", []).append(dialog))
            page.on(
                "request", lambda request: self.seen.setdefault("requests", []).append(request.url)
            )
            self.pages[agent] = page
        return self.pages[agent]

    def login(self, agent: str, password: str = PASSWORD) -> Page:
        page = self.page(agent)
        page.goto(f"{self.url}/login")
        page.get_by_label("User id").fill(agent)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        return page

    def close(self) -> None:
        # Before the servers stop, so no page is left holding an event stream
        # (the plugin would close the contexts too, but only after this teardown).
        for page in self.pages.values():
            page.context.close()


@pytest.fixture
def world(
    new_context: CreateContextCallback, crm_template: Path, tmp_path: Path
) -> Iterator[World]:
    expect.set_options(timeout=HANG_GUARD_MS)
    shutil.copyfile(crm_template, tmp_path / "crm.sqlite3")
    store = CrmStore(tmp_path / "crm.sqlite3")
    sim = start_in_thread(create_app())
    config = with_base_url(resolve_config("ozonetel"), sim.base_url)
    client = Client(env=ENV)
    simulator = SimulatorClient(sim.base_url)
    settings = ConsoleSettings(secret_key=SECRET, token=TOKEN)
    server = build(store, config, client, settings=settings, simulator=simulator)
    ready, urls, stop = threading.Event(), [], threading.Event()
    phones = [p for p in (store.people.number(u.phone) for u in store.users()) if p]

    def on_ready(url: str) -> None:
        simulator.wire(url, TOKEN, phones)  # as `mcc console` does when pointed at the simulator
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=serve, args=(server, "127.0.0.1", 0), kwargs={"on_ready": on_ready, "stop": stop}
    )
    thread.start()
    assert ready.wait(HANG_GUARD_MS / 1000)
    world = World(new_context, store, sim, urls[0], client, config, stop, thread)
    try:
        yield world
    finally:
        world.close()
        stop.set()
        thread.join(HANG_GUARD_MS / 1000)
        sim.stop()
        simulator.close()
        client.close()
        store.close()


# -- given ----------------------------------------------------------------------------


@given("the console runs beside the simulator", target_fixture="world")
def _runs(world: World) -> World:
    return world


@given("calls wait until the simulator ends them")
def _manual(world: World) -> None:
    world.control("POST", "/_sim/transitions", {"mode": "manual"})


@given("the DID list is synced")
def _synced(world: World) -> None:
    assert sync_dids(world.store, world.client, world.config).ok


@given(parsers.parse("{agent} is logged in"))
def _logged_in(world: World, agent: str) -> None:
    page = world.login(agent)
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()


@given(parsers.parse("{agent}'s window is {width:d} pixels wide"))
def _narrow(world: World, agent: str, width: int) -> None:
    world.page(agent).set_viewport_size({"width": width, "height": 800})


@given(parsers.parse('a lead {lead} whose first name is the markup "img onerror"'))
def _markup_lead(world: World, lead: str) -> None:
    world.store.upsert_lead(Lead(lead, MARKUP, "", phone="9812300000"))


# -- when -----------------------------------------------------------------------------


@when(parsers.parse("{agent} logs in with the right password"))
def _log_in(world: World, agent: str) -> None:
    world.login(agent)


@when(parsers.parse('{agent} logs in with the password "{password}"'))
def _log_in_wrong(world: World, agent: str, password: str) -> None:
    world.login(agent, password)


@when(parsers.parse('{agent} searches for "{query}"'))
def _search(world: World, agent: str, query: str) -> None:
    page = world.pages[agent]
    page.get_by_label("Name or phone number").fill(query)
    page.get_by_role("button", name="Search").click()


@when(parsers.parse("{agent} opens lead {lead}"))
def _open(world: World, agent: str, lead: str) -> None:
    page = world.page(agent)
    page.goto(f"{world.url}/leads/{lead}")


@when(parsers.parse("{agent} places a Cloud Call to lead {lead}"))
def _cloud_call(world: World, agent: str, lead: str) -> None:
    page = world.pages[agent]
    page.goto(f"{world.url}/leads/{lead}")
    page.get_by_role("button", name=re.compile(r"^Cloud Call Phone")).click()
    page.evaluate("window.__unreloaded = true")


@when(parsers.parse('the customer answers and the call ends with disposition "{disposition}"'))
def _answered(world: World, disposition: str) -> None:
    (call,) = world.control("GET", "/_sim/calls")["calls"]
    world.control(
        "POST",
        f"/_sim/calls/{call['ucid']}/advance",
        {"to": "completed", "disposition": disposition},
    )


@when(parsers.parse('customer "{customer}" calls {agent} through DID {did}'))
def _calls_through_did(world: World, customer: str, agent: str, did: str) -> None:
    world.control("POST", "/_sim/incoming", {"customer": customer, "did": did, "agent": agent})


@when(parsers.parse('customer "{customer}" calls {agent}\'s phone directly'))
def _calls_directly(world: World, customer: str, agent: str) -> None:
    world.control("POST", f"/_sim/agents/{agent}/ring", {"caller": customer})


@when(parsers.parse('{agent} saves the contact as "{first}" "{last}"'))
def _save_contact(world: World, agent: str, first: str, last: str) -> None:
    popup = world.pages[agent].locator("[data-popup-id]")
    popup.get_by_label("First name").fill(first)
    popup.get_by_label("Last name").fill(last)
    popup.get_by_role("button", name="Add Contact").click()


@when(parsers.parse("{agent} sends the first Cloud Call form without its CSRF token"))
def _forged(world: World, agent: str) -> None:
    page = world.pages[agent]
    form = page.locator("form.inline").first
    form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    form.get_by_role("button").click()


@when(parsers.parse("{agent} syncs the DIDs"))
def _sync_now(world: World, agent: str) -> None:
    page = world.pages[agent]
    page.get_by_role("link", name="DIDs").click()
    page.get_by_role("button", name="Sync now").click()


@when(
    parsers.parse('agent1 rings their own phone from the panel with "{customer}" through DID {did}')
)
def _panel_ring(world: World, customer: str, did: str) -> None:
    page = world.pages["agent1"]
    page.get_by_role("link", name="Simulator").click()
    page.get_by_label("Caller's number").fill(customer)
    page.get_by_label("Through DID").select_option(label=parse_phone(did).crm)
    page.get_by_role("button", name="Ring").click()


@when(
    parsers.parse(
        'agent1 ends the call from the panel as "{outcome}" with disposition "{disposition}"'
    )
)
def _panel_end(world: World, outcome: str, disposition: str) -> None:
    page = world.pages["agent1"]
    page.goto(f"{world.url}/simulator")
    form = page.locator("form.end-call").first
    form.get_by_label("Outcome").select_option(label=outcome)
    form.get_by_label("Disposition").fill(disposition)
    form.get_by_role("button", name="End call").click()


# -- then -----------------------------------------------------------------------------


@then(parsers.parse("{agent} sees the lead search"))
def _sees_search(world: World, agent: str) -> None:
    page = world.pages[agent]
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    expect(page.get_by_label("Name or phone number")).to_be_visible()


@then(parsers.parse('{agent} sees "{text}"'))
def _sees_text(world: World, agent: str, text: str) -> None:
    expect(world.pages[agent].locator("main")).to_contain_text(text)


@then(parsers.parse("{agent} is not logged in"))
def _logged_out(world: World, agent: str) -> None:
    page = world.pages[agent]
    page.goto(f"{world.url}/leads")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


@then(parsers.parse('{agent} finds lead "{name}"'))
def _finds(world: World, agent: str, name: str) -> None:
    page = world.pages[agent]
    expect(page.locator(".read-as")).to_contain_text("number")
    expect(page.get_by_role("link", name=name)).to_be_visible()


@then(parsers.parse('{agent} sees {count:d} "Cloud Call" buttons and no phone-dialer "Call"'))
def _offers(world: World, agent: str, count: int) -> None:
    page = world.pages[agent]
    expect(page.get_by_role("button", name=re.compile("^Cloud Call"))).to_have_count(count)
    expect(page.locator('a[href^="tel:"]')).to_have_count(0)
    expect(page.get_by_text("Connector mode cloud_only")).to_be_visible()
    page.locator("main").screenshot(path=screenshot_dir() / "lead-page.png")


@then("the page fits the window without sideways scrolling")
def _fits(world: World) -> None:
    page = world.pages["agent1"]
    expect(page.get_by_role("heading", name="Asha Rao", exact=True)).to_be_visible()
    wide, window = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert wide <= window
    expect(page.get_by_role("button", name=re.compile("^Cloud Call Phone"))).to_be_in_viewport()


@then(parsers.parse('{agent} sees the call as "{status}"'))
def _call_status(world: World, agent: str, status: str) -> None:
    row = world.pages[agent].locator("tr.activity").first
    expect(row).to_have_attribute("data-status", status)


@then(parsers.parse('{agent} sees the call as "{status}" without reloading the page'))
def _call_status_live(world: World, agent: str, status: str) -> None:
    page = world.pages[agent]
    expect(page.locator("tr.activity").first).to_have_attribute("data-status", status)
    assert page.evaluate("window.__unreloaded === true")


@then("the call's recording plays in the browser")
def _plays(world: World) -> None:
    page = world.pages["agent1"]
    audio = page.locator("tr.activity audio").first
    expect(audio).to_be_visible()
    handle = audio.element_handle()
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 0", arg=handle)
    assert audio.evaluate("a => a.duration") > 0
    assert audio.evaluate("a => a.play().then(() => 'playing')") == "playing"
    page.wait_for_function("a => a.currentTime > 0", arg=handle)
    expect(page.locator("tr.activity").first).to_contain_text("Interested")
    page.locator("section.calls").screenshot(path=screenshot_dir() / "activity-recording.png")


@then(parsers.parse('{agent} sees the call as "{status}" marked DND'))
def _dnd(world: World, agent: str, status: str) -> None:
    page = world.pages[agent]
    row = page.locator("tr.activity").first
    expect(row).to_have_attribute("data-status", status)
    expect(row).to_have_attribute("data-dnd", "1")
    expect(row.locator(".badge-dnd")).to_have_text("DND")
    expect(page.locator(".flash-error")).to_contain_text("DND register")


@then(parsers.parse('{agent} sees a pop-up for "{name}" calling from "{number}"'))
def _popup_lead(world: World, agent: str, name: str, number: str) -> None:
    popup = world.pages[agent].locator("[data-popup-id]")
    expect(popup.locator(".lead-name")).to_have_text(name)
    expect(popup.locator(".number")).to_have_text(number)
    if name == "Asha Rao" and agent == "agent1":
        popup.screenshot(path=screenshot_dir() / "popup.png")


@then("the pop-up has the keyboard focus")
def _focused(world: World) -> None:
    page = world.pages["agent1"]
    expect(page.locator("[data-popup-id]")).to_be_focused()
    expect(page.locator("#popup-region")).to_have_attribute("aria-live", "assertive")


@then(parsers.parse('{agent} sees a pop-up saying "{text}"'))
def _popup_says(world: World, agent: str, text: str) -> None:
    expect(world.pages[agent].locator("[data-popup-id] h2")).to_have_text(text)


@then(parsers.parse('Add Contact is prefilled with "{number}"'))
def _prefilled(world: World, number: str) -> None:
    popup = world.pages["agent1"].locator("[data-popup-id]")
    expect(popup.get_by_label("Phone")).to_have_value(number)
    expect(popup).to_be_focused()
    popup.screenshot(path=screenshot_dir() / "add-contact.png")


@then(parsers.parse('the CRM has lead "{name}" with phone "{number}"'))
def _in_store(world: World, name: str, number: str) -> None:
    page = world.pages["agent1"]
    expect(page.locator(".flash-ok")).to_contain_text("saved")
    lead = world.store.find_lead_by_phone(parse_phone(number))
    assert lead is not None
    assert f"{lead.first_name} {lead.last_name}" == name
    assert lead.phone == number


@then(parsers.parse("{agent}'s screen showed no other pop-up"))
def _no_other(world: World, agent: str) -> None:
    shown = world.pages[agent].evaluate("window.__popups")
    assert len(shown) == 1, shown


@then("the provider's pop-up API was asked once")
def _asked_once(world: World) -> None:
    journal = world.control("GET", f"/_sim/journal?path={POPUP_API}")
    assert journal["count"] == 1
    notes = world.control("GET", "/_sim/notifications")["notifications"]
    assert ['"not_a_did"' in note["answer"] for note in notes] == [True, False]


@then(parsers.parse('{agent}\'s screen never showed "{text}"'))
def _never(world: World, agent: str, text: str) -> None:
    page = world.pages[agent]
    shown = page.evaluate("window.__popups")
    assert shown
    assert not [item for item in shown if text in item]
    expect(page.locator("body")).not_to_contain_text(text)


@then(parsers.parse("lead {lead} has no call activity"))
def _no_activity(world: World, lead: str) -> None:
    assert world.store.activities(lead) == []


@then("the page's heading is that markup, as text")
def _markup_text(world: World) -> None:
    page = world.pages["agent1"]
    expect(page.get_by_role("heading", level=1)).to_have_text(MARKUP)
    assert page.locator("main img").count() == 0


@then("no script of the lead's name ran")
def _nothing_ran(world: World) -> None:
    page = world.pages["agent1"]
    assert not world.seen.get("dialogs")
    assert not [url for url in world.seen.get("requests", []) if url.endswith("/x")]
    assert page.evaluate("typeof window.__popups") == "object"  # the page's own scripts ran


@then(parsers.parse('{agent} sees the DIDs "{first}" and "{second}"'))
def _dids(world: World, agent: str, first: str, second: str) -> None:
    page = world.pages[agent]
    expect(page.locator(".flash-ok")).to_contain_text("synced 2 DID(s)")
    expect(page.locator("ul.dids li")).to_have_text([first, second])
    expect(page.locator(".sync-error")).to_have_text("none")


@then("the panel shows the call's call log as delivered")
def _delivered(world: World) -> None:
    page = world.pages["agent1"]
    expect(page.locator(".flash-ok")).to_contain_text("ended: Busy")
    # The simulator posts the call log from its outbox, after the page answered:
    # the panel is a page, so look again until the delivery is in (or the guard).
    newest = page.locator("table.deliveries tbody tr").first
    for _ in range(HANG_GUARD_MS // 250):
        page.reload()
        if newest.get_attribute("data-state") == "delivered":
            break
        page.wait_for_timeout(250)
    expect(newest).to_have_attribute("data-state", "delivered")


@then(
    parsers.parse(
        'lead {lead} shows agent1 the call as "{status}" with disposition "{disposition}"'
    )
)
def _lead_row(world: World, lead: str, status: str, disposition: str) -> None:
    page = world.pages["agent1"]
    page.goto(f"{world.url}/leads/{lead}")
    row = page.locator("tr.activity").first
    expect(row).to_have_attribute("data-status", status)
    expect(row.locator(".disposition")).to_have_text(disposition)
