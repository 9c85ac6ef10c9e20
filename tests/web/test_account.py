"""The page in accounts mode, in Chromium against a live server: signing up, in and out,
each person seeing and changing only their own list, and their own account (tokens made
with a name and an expiry, shown once, copied and revoked; the password changed; signing
out everywhere; the export; deleting the account)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, Request, expect

from testbed.live_server import LiveServer, live_server
from tests.web.conftest import ARTIFACTS, PHONE, SERVER_ENV, OpenPage
from todo_async.accounts.credentials import SESSION_COOKIE
from todo_async.middleware.security_headers import CONTENT_SECURITY_POLICY

ACCOUNTS_ENV = {**SERVER_ENV, "AUTH_MODE": "accounts"}
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("accounts")
    with live_server(f"sqlite:///{directory / 'todo.db'}", directory, env=ACCOUNTS_ENV) as running:
        yield running


class Account:
    """One person's account over plain HTTP, signed in: to set up and read back their list."""

    def __init__(self, base_url: str, username: str, *, sign_up: bool = True) -> None:
        self.username = username
        self.client = httpx.Client(base_url=base_url)
        credentials = {"username": username, "password": PASSWORD}
        if sign_up:
            created = self.client.post("/api/users", json=credentials)
            assert created.status_code == 201, created.text
        signed_in = self.client.post("/api/session", json=credentials)
        assert signed_in.status_code == 200, signed_in.text

    def add(self, title: str, **fields: object) -> None:
        response = self.client.post("/api/todos", json={"title": title, **fields})
        assert response.status_code == 201, response.text

    def stored(self) -> list[tuple[str, bool]]:
        response = self.client.get("/api/todos")
        assert response.status_code == 200, response.text
        return [(todo["title"], todo["completed"]) for todo in response.json()]


NewName = Callable[[str], str]


@pytest.fixture
def new_name() -> NewName:
    """A username no other test has taken: the module's server keeps every account."""
    return lambda person: f"{person}-{secrets.token_hex(3)}"


Accounts = Callable[..., Account]


@pytest.fixture
def accounts(server: LiveServer) -> Iterator[Accounts]:
    """Sign up (or, with sign_up=False, only sign in) over HTTP; closed afterwards."""
    made: list[Account] = []

    def make(username: str, *, sign_up: bool = True) -> Account:
        made.append(Account(server.url, username, sign_up=sign_up))
        return made[-1]

    yield make
    for account in made:
        account.client.close()


def titles(page: Page) -> Locator:
    return page.locator("#todo-list .title")


def alert(page: Page) -> Locator:
    return page.get_by_role("alert")


def form(page: Page, heading: str) -> Locator:
    return page.get_by_role("form", name=heading)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    signing_in = form(page, "Sign in")
    signing_in.get_by_label("Username").fill(username)
    signing_in.get_by_label("Password").fill(password)
    signing_in.get_by_role("button", name="Sign in").click()


def sign_up(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_role("button", name="Create an account").click()
    signing_up = form(page, "Create an account")
    signing_up.get_by_label("Username").fill(username)
    signing_up.get_by_label("Password").fill(password)
    signing_up.get_by_role("button", name="Create account").click()


def add(page: Page, title: str) -> None:
    page.get_by_role("textbox", name="New task").fill(title)
    page.get_by_role("textbox", name="New task").press("Enter")
    expect(titles(page).filter(has_text=title)).to_have_count(1)


def session_cookie(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)


def end_session(page: Page, server: LiveServer) -> None:
    """End the page's session from outside, as an expiry or a sign-out in another tab does."""
    cookies = {SESSION_COOKIE: session_cookie(page)}
    assert httpx.delete(f"{server.url}/api/session", cookies=cookies).status_code == 204


def api_requests(page: Page, path: str) -> list[Request]:
    """The requests the page sends to `path` from now on."""
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.url.split("?")[0].endswith(path) else None)
    return sent


def test_signed_out_page_offers_sign_in(page: Page) -> None:
    listed = api_requests(page, "/api/todos")
    page.goto("/")
    signing_in = form(page, "Sign in")
    expect(signing_in).to_be_visible()
    expect(signing_in.get_by_label("Username")).to_be_focused()
    expect(signing_in.get_by_label("Username")).to_have_attribute("autocomplete", "username")
    expect(signing_in.get_by_label("Password")).to_have_attribute(
        "autocomplete", "current-password"
    )
    expect(page.get_by_role("textbox", name="New task")).to_be_hidden()
    expect(page.locator("#summary")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page).to_have_title("Todos")

    # Sign-up is one click away, keeping the name typed so far.
    signing_in.get_by_label("Username").fill("grace")
    page.get_by_role("button", name="Create an account").click()
    signing_up = form(page, "Create an account")
    expect(signing_up.get_by_label("Username")).to_have_value("grace")
    expect(signing_up.get_by_label("Password")).to_be_focused()
    expect(signing_up.get_by_label("Password")).to_have_attribute("autocomplete", "new-password")
    expect(signing_in).to_be_hidden()
    page.get_by_role("button", name="Sign in").click()
    expect(signing_in.get_by_label("Username")).to_have_value("grace")
    assert listed == [], "a signed-out page asks for no list"


def test_two_people_each_see_and_change_only_their_own_list(
    open_page: OpenPage, accounts: Accounts, new_name: NewName
) -> None:
    ada_name, bob_name = new_name("ada"), new_name("bob")
    ada, bob = open_page(), open_page()
    for tab, name in ((ada, ada_name), (bob, bob_name)):
        tab.goto("/")
        sign_up(tab, name)
        expect(tab.get_by_text(f"Signed in as {name}")).to_be_visible()
        expect(tab.locator("#empty")).to_have_text("Nothing to do yet. Add a task above.")
        expect(tab.get_by_role("textbox", name="New task")).to_be_focused()

    add(ada, "Ada: write the notes")
    add(bob, "Bob: fix the bike")
    add(bob, "Bob: call the garage")
    bob.get_by_role("checkbox", name="Bob: fix the bike").check()
    expect(bob.locator("#summary")).to_have_text("1 open · 1 done")
    ARTIFACTS.mkdir(exist_ok=True)
    bob.locator("#new-title").blur()
    bob.screenshot(path=str(ARTIFACTS / "page-signed-in-desktop.png"), full_page=True)

    ada.reload()
    expect(titles(ada)).to_have_text(["Ada: write the notes"])
    expect(ada.locator("#summary")).to_have_text("1 open · 0 done")
    expect(ada.get_by_role("button", name=re.compile("Clear completed"))).to_be_hidden()
    ada.get_by_role("button", name="Delete “Ada: write the notes”").click()
    expect(ada.locator("#empty")).to_have_text("Nothing to do yet. Add a task above.")

    bob.reload()
    expect(titles(bob)).to_have_text(["Bob: fix the bike", "Bob: call the garage"])
    bob.get_by_role("button", name="Clear completed (1)").click()
    expect(titles(bob)).to_have_text(["Bob: call the garage"])

    assert accounts(ada_name, sign_up=False).stored() == []
    assert accounts(bob_name, sign_up=False).stored() == [("Bob: call the garage", False)]


def test_wrong_password_says_so_plainly(page: Page, accounts: Accounts, new_name: NewName) -> None:
    account = accounts(new_name("carol"))
    account.add("Carol's only task")
    page.goto("/")
    keyboard = page.keyboard
    password = form(page, "Sign in").get_by_label("Password")
    expect(form(page, "Sign in").get_by_label("Username")).to_be_focused()
    keyboard.type(account.username)
    keyboard.press("Tab")
    expect(password).to_be_focused()
    keyboard.type("not the password")
    keyboard.press("Enter")
    expect(alert(page)).to_have_text("Wrong username or password. Check both and try again.")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_be_focused()
    expect(form(page, "Sign in").get_by_label("Username")).to_have_value(account.username)

    # The wrong password is selected: typing the right one replaces it.
    keyboard.type(PASSWORD)
    expect(password).not_to_have_attribute("aria-invalid", "true")
    keyboard.press("Enter")
    expect(titles(page)).to_have_text(["Carol's only task"])
    expect(page.get_by_role("textbox", name="New task")).to_be_focused()
    expect(alert(page)).to_be_hidden()
    expect(page.locator("#account-name")).to_have_text(account.username)


def test_sign_up_refusals_are_plain(page: Page, accounts: Accounts, new_name: NewName) -> None:
    taken = accounts(new_name("dora")).username
    signed_up = api_requests(page, "/api/users")
    page.goto("/")
    page.get_by_role("button", name="Create an account").click()
    signing_up = form(page, "Create an account")
    username, password = signing_up.get_by_label("Username"), signing_up.get_by_label("Password")

    # Rules the page can check itself are checked before anything is sent.
    username.fill("-dash-first")
    password.fill(PASSWORD)
    password.press("Enter")
    expect(alert(page)).to_have_text(
        "A username is 3 to 32 letters, digits, dots, dashes or underscores, "
        "starting with a letter or digit."
    )
    expect(username).to_be_focused()
    username.fill(new_name("eve"))
    password.fill("too short")
    password.press("Enter")
    expect(alert(page)).to_have_text("The password is too short: use at least 10 characters.")
    expect(password).to_have_attribute("aria-invalid", "true")
    assert signed_up == []

    # Whether a name is taken only the server knows.
    username.fill(taken)
    password.fill(PASSWORD)
    password.press("Enter")
    expect(alert(page)).to_have_text(f"The username “{taken}” is taken. Choose another one.")
    expect(username).to_be_focused()
    expect(page.get_by_role("textbox", name="New task")).to_be_hidden()
    assert len(signed_up) == 1


def test_sign_out_returns_to_sign_in_and_the_list_is_gone(
    page: Page, server: LiveServer, accounts: Accounts, new_name: NewName
) -> None:
    account = accounts(new_name("fay"))
    account.add("Private: the surprise party")
    page.goto("/")
    sign_in(page, account.username)
    expect(titles(page)).to_have_text(["Private: the surprise party"])
    expect(page).to_have_title("(1) Todos")
    page.get_by_role("textbox", name="New task").fill("Half typed")
    cookie = session_cookie(page)

    # Only the server can end the session (its cookie is HttpOnly): offline, nothing changes.
    page.context.set_offline(True)
    page.get_by_role("button", name="Sign out").click()
    expect(alert(page)).to_contain_text("Could not sign out. The server cannot be reached.")
    expect(titles(page)).to_have_text(["Private: the surprise party"])
    page.context.set_offline(False)

    page.get_by_role("button", name="Sign out").click()
    expect(form(page, "Sign in").get_by_label("Username")).to_be_focused()
    expect(page.get_by_role("status")).to_have_text("Signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.locator("#todo-list li")).to_have_count(0)
    expect(page.get_by_text("surprise party")).to_have_count(0)
    expect(page.locator("#new-title")).to_have_value("")
    expect(page).to_have_title("Todos")
    # The session ended on the server too: its cookie opens nothing any more.
    listing = httpx.get(f"{server.url}/api/todos", cookies={SESSION_COOKIE: cookie})
    assert listing.status_code == 401
    page.reload()
    expect(form(page, "Sign in")).to_be_visible()
    expect(titles(page)).to_have_count(0)


def test_ended_session_returns_to_sign_in_keeping_what_was_typed(
    page: Page, server: LiveServer, accounts: Accounts, new_name: NewName
) -> None:
    account = accounts(new_name("gus"))
    account.add("Water the fern")
    page.goto("/")
    sign_in(page, account.username)
    expect(titles(page)).to_have_text(["Water the fern"])
    new_title = page.get_by_role("textbox", name="New task")
    new_title.fill("Buy stamps")

    # The session ends behind the page's back (it expired, or another tab signed out).
    end_session(page, server)
    new_title.press("Enter")
    note = "Your session has ended: sign in again to carry on. What you typed is kept."
    expect(page.locator("#account-note")).to_have_text(note)
    expect(page.get_by_role("status")).to_have_text(note)
    signing_in = form(page, "Sign in")
    expect(signing_in.get_by_label("Username")).to_have_value(account.username)
    expect(signing_in.get_by_label("Password")).to_be_focused()
    expect(new_title).to_be_hidden()

    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(new_title).to_have_value("Buy stamps")
    expect(new_title).to_be_focused()
    page.keyboard.press("Enter")
    expect(titles(page)).to_have_text(["Water the fern", "Buy stamps"])
    assert account.stored() == [("Water the fern", False), ("Buy stamps", False)]


def test_someone_else_signing_in_after_an_ended_session_sees_nothing_of_the_last(
    page: Page, server: LiveServer, accounts: Accounts, new_name: NewName
) -> None:
    first, second = accounts(new_name("hal")), accounts(new_name("ivy"))
    first.add("Hal's secret")
    page.goto("/")
    sign_in(page, first.username)
    expect(titles(page)).to_have_text(["Hal's secret"])
    page.get_by_role("textbox", name="New task").fill("Hal was typing this")
    end_session(page, server)
    page.get_by_role("checkbox", name="Hal's secret").click()
    expect(page.locator("#account-note")).to_be_visible()

    sign_in(page, second.username)
    expect(page.locator("#account-name")).to_have_text(second.username)
    expect(page.locator("#empty")).to_have_text("Nothing to do yet. Add a task above.")
    expect(page.get_by_role("textbox", name="New task")).to_have_value("")
    expect(page.get_by_text("Hal")).to_have_count(0)


def test_returning_to_a_tab_shows_who_signed_in_or_out_meanwhile(
    page: Page, accounts: Accounts, new_name: NewName
) -> None:
    account = accounts(new_name("lea"))
    account.add("Lea's plan")
    page.goto("/")
    expect(form(page, "Sign in")).to_be_visible()
    other_tab = page.context.new_page()
    other_tab.goto("/")
    sign_in(other_tab, account.username)
    expect(titles(other_tab)).to_have_text(["Lea's plan"])

    # Headless Chromium keeps every tab visible: send the event a switch back to it sends.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(titles(page)).to_have_text(["Lea's plan"])
    expect(page.locator("#account-name")).to_have_text(account.username)

    other_tab.get_by_role("button", name="Sign out").click()
    expect(form(other_tab, "Sign in")).to_be_visible()
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(form(page, "Sign in")).to_be_visible()
    expect(page.locator("#account-note")).to_have_text(
        "Your session has ended: sign in again to carry on."
    )


def test_too_many_failed_sign_ins_say_when_to_try_again(
    open_page: OpenPage, tmp_path: Path
) -> None:
    with live_server(f"sqlite:///{tmp_path / 'todo.db'}", tmp_path, env=ACCOUNTS_ENV) as server:
        account = Account(server.url, "jo-limited")
        wrong = {"username": account.username, "password": "guess guess guess"}
        # A stranger's guesses: without the device cookie of the client that signed in,
        # whose own budget they would spend instead of the account's.
        account.client.cookies.clear()
        for _ in range(30):
            if account.client.post("/api/session", json=wrong).status_code == 429:
                break
        else:
            pytest.fail("30 wrong passwords in a row were never refused with 429")
        account.client.close()
        page = open_page(base_url=server.url)
        page.goto("/")
        sign_in(page, account.username, "one more guess")
        expect(alert(page)).to_have_text(
            re.compile(
                r"Too many failed sign-ins\. Try again in "
                r"(\d+ seconds?|\d+ minutes \(at \d\d:\d\d( [AP]M)?\))\."
            )
        )


def fits_a_phone(page: Page, *controls: Locator) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone"
    for control in controls:
        box = control.bounding_box()
        assert box is not None, control
        assert box["x"] >= 0, control
        assert box["x"] + box["width"] <= PHONE["width"], control
        assert box["height"] >= 44, f"{control}: touch targets are at least 44 px high"


def test_closed_sign_up_says_so(open_page: OpenPage, tmp_path: Path) -> None:
    env = {**ACCOUNTS_ENV, "SIGN_UP": "closed"}
    with live_server(f"sqlite:///{tmp_path / 'todo.db'}", tmp_path, env=env) as server:
        page = open_page(base_url=server.url)
        page.goto("/")
        sign_up(page, "newcomer")
        expect(alert(page)).to_have_text(
            "This server takes no new accounts. Ask the person who runs it for one."
        )
        expect(form(page, "Create an account")).to_be_visible()


def test_phone_width(open_page: OpenPage, accounts: Accounts, new_name: NewName) -> None:
    # The longest name there can be (32 characters): the header must still fit.
    account = accounts(new_name("k" * 25))
    account.add("Pick up the keys")
    ARTIFACTS.mkdir(exist_ok=True)
    phone = open_page(viewport=PHONE)
    phone.goto("/")
    signing_in = form(phone, "Sign in")
    expect(signing_in).to_be_visible()
    fits_a_phone(
        phone,
        signing_in.get_by_label("Username"),
        signing_in.get_by_label("Password"),
        signing_in.get_by_role("button", name="Sign in"),
        phone.get_by_role("button", name="Create an account"),
    )
    phone.screenshot(path=str(ARTIFACTS / "page-sign-in-phone.png"), full_page=True)

    sign_in(phone, account.username)
    expect(titles(phone)).to_have_text(["Pick up the keys"])
    fits_a_phone(phone, phone.get_by_role("button", name="Sign out"))
    phone.screenshot(path=str(ARTIFACTS / "page-signed-in-phone.png"), full_page=True)


def test_policy_is_as_strict_in_accounts_mode(http: httpx.Client) -> None:
    for path in ("/", "/api/session"):
        assert http.get(path).headers["content-security-policy"] == CONTENT_SECURITY_POLICY


# ---- one's own account ---------------------------------------------------------------

NEW_PASSWORD = "a different battery staple"


def signed_in(page: Page, accounts: Accounts, username: str) -> Page:
    accounts(username)
    page.goto("/")
    sign_in(page, username)
    expect(page.get_by_role("textbox", name="New task")).to_be_visible()
    page.get_by_text("Account and tokens").click()
    return page


def test_a_token_is_made_shown_once_copied_used_and_revoked(
    page: Page, accounts: Accounts, new_name: NewName, server: LiveServer
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    signed_in(page, accounts, new_name("ann"))
    making = page.get_by_role("form", name="New token")
    making.get_by_label("Name").fill("laptop script")
    making.get_by_label("Expires in (days)").fill("30")
    making.get_by_role("button", name="Create token").click()

    secret = page.locator("#new-token-value")
    expect(secret).to_contain_text("tdat_")
    token = secret.text_content() or ""
    page.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == token
    expect(page.locator("#token-list li")).to_contain_text(["laptop script (expires"])
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get("/api/todos").status_code == 200

        page.get_by_role("button", name="Revoke laptop script").click()
        expect(page.locator("#token-list li")).to_have_count(0)
        assert api.get("/api/todos").status_code == 401


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    page: Page, accounts: Accounts, new_name: NewName, server: LiveServer
) -> None:
    username = new_name("ann")
    signed_in(page, accounts, username)
    elsewhere = accounts(username, sign_up=False)
    changing = form(page, "Change password")
    changing.get_by_label("Current password").fill("not the password")
    changing.get_by_label("New password").fill(NEW_PASSWORD)
    changing.get_by_role("button", name="Change password").click()
    expect(alert(page)).to_contain_text("Wrong password")

    changing.get_by_label("Current password").fill(PASSWORD)
    changing.get_by_label("New password").fill(NEW_PASSWORD)
    changing.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()

    add(page, "still signed in")
    assert elsewhere.client.get("/api/todos").status_code == 401
    new_password = {"username": username, "password": NEW_PASSWORD}
    assert httpx.post(f"{server.url}/api/session", json=new_password).status_code == 200


def test_sign_out_everywhere_ends_this_session_and_the_others(
    page: Page, accounts: Accounts, new_name: NewName
) -> None:
    username = new_name("ann")
    signed_in(page, accounts, username)
    elsewhere = accounts(username, sign_up=False)

    page.get_by_role("button", name="Sign out everywhere").click()

    expect(form(page, "Sign in")).to_be_visible()
    assert elsewhere.client.get("/api/todos").status_code == 401


def test_export_downloads_every_todo(page: Page, accounts: Accounts, new_name: NewName) -> None:
    signed_in(page, accounts, new_name("ann"))
    add(page, "first")
    add(page, "second")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Export my todos (JSON)").click()
    path = downloading.value.path()
    document = json.loads(path.read_text())
    assert [todo["title"] for todo in document["todos"]] == ["first", "second"]


def test_deleting_the_account_takes_the_password_and_signs_out(
    page: Page, accounts: Accounts, new_name: NewName, server: LiveServer
) -> None:
    username = new_name("ann")
    signed_in(page, accounts, username)
    add(page, "gone with the account")
    page.on("dialog", lambda dialog: dialog.accept())
    deleting = form(page, "Delete account")
    deleting.get_by_label("Password").fill("not the password")
    deleting.get_by_role("button", name="Delete my account and todos").click()
    expect(alert(page)).to_contain_text("Wrong password")
    expect(titles(page)).to_have_count(1)

    deleting.get_by_label("Password").fill(PASSWORD)
    deleting.get_by_role("button", name="Delete my account and todos").click()

    expect(form(page, "Sign in")).to_be_visible()
    credentials = {"username": username, "password": PASSWORD}
    assert httpx.post(f"{server.url}/api/session", json=credentials).status_code == 401
