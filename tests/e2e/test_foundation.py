"""The foundation, through a real browser: first run, clients, signing out and in, bad input.

Every page these tests land on is screenshotted and axe-checked (see conftest.py), and no
request may leave the live server.
"""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in

PASSWORD = "copper lantern meadow ridge"


def test_first_run_sets_up_the_practice_and_lands_on_the_client_list(browse):
    page = browse.page

    browse.goto("/")
    expect(page).to_have_url(browse.server / "setup")
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(page.locator("#practice_name")).to_be_focused()
    browse.check("setup")

    page.fill("#practice_name", "Cedar Grove Integration")
    page.fill("#name", "Maya Lindqvist")
    page.fill("#credentials", "PsyD")
    page.fill("#email", "maya@cedargrove.example")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.get_by_role("button", name="Create practice").click()

    expect(page).to_have_url(browse.server / "clients/")
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Cedar Grove Integration is ready")
    expect(page.get_by_text("Everyone in Cedar Grove Integration.")).to_be_visible()
    expect(page.locator("details.dropdown summary")).to_have_text("Maya Lindqvist")
    browse.check("clients-after-setup")

    # Setup happens once: afterwards the page is gone.
    browse.allow_status(404, "/setup")
    response = browse.goto("/setup")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    browse.check("setup-after-first-run-404")

    browse.assert_only_live_server_requests()


def test_add_a_client_then_find_them_by_search(signed_in):
    browse, page = signed_in, signed_in.page
    expect(page.get_by_text("No clients here yet.")).to_be_visible()
    browse.check("clients-empty")

    # The app draws this link as <a role="button">, so assistive technology announces a button.
    page.get_by_role("button", name="Add a client").click()
    expect(page).to_have_url(browse.server / "clients/new")
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    browse.check("client-form")

    page.get_by_label("First name").fill("Wren")
    page.get_by_label("Last name").fill("Halloway")
    page.get_by_label("Preferred name").fill("Birdie")
    page.get_by_label("Pronouns").fill("they/them")
    page.get_by_role("button", name="Add client").click()

    expect(page).to_have_url(re.compile(re.escape(browse.server / "clients/") + r"\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wren Halloway")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Birdie")
    expect(page.get_by_role("status")).to_contain_text("Wren Halloway is added.")
    expect(page.get_by_text("they/them")).to_be_visible()
    # Whoever adds a client is on their care team.
    expect(page.locator("#care-team")).to_contain_text("Ada Okafor, LMFT")
    browse.check("client-page")
    client_url = page.url

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Clients").click()
    expect(page).to_have_url(browse.server / "clients/")
    expect(page.get_by_role("link", name="Halloway, Wren")).to_be_visible()
    browse.check("clients-one")

    page.get_by_label("Search clients by name").fill("hallo")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/clients/\?q=hallo"))
    expect(page.get_by_label("Search clients by name")).to_have_value("hallo")
    row_link = page.get_by_role("link", name="Halloway, Wren")
    expect(row_link).to_be_visible()
    expect(page.get_by_role("row").filter(has=row_link)).to_contain_text("they/them")
    # The list is paged by keyset and never counts everything (issue 14): one body row, one match.
    expect(page.locator(".client-table tbody tr")).to_have_count(1)
    browse.check("clients-search-found")

    # The preferred name is searchable too; someone else's name is not found.
    page.get_by_label("Search clients by name").fill("birdie")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Halloway, Wren")).to_be_visible()
    browse.check("clients-search-preferred-name")

    page.get_by_label("Search clients by name").fill("nobody-by-this-name")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No client matches “nobody-by-this-name”.")).to_be_visible()
    expect(page.get_by_role("link", name="Halloway, Wren")).to_have_count(0)
    browse.check("clients-search-none")

    page.get_by_label("Search clients by name").fill("Wren")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/clients/\?q=Wren"))
    browse.check("clients-search-first-name")
    page.get_by_role("link", name="Halloway, Wren").click()
    expect(page).to_have_url(client_url)

    browse.assert_only_live_server_requests()


def test_sign_out_and_sign_in_again(signed_in, admin_account):
    browse, page = signed_in, signed_in.page
    browse.check("clients-signed-in")

    menu = page.locator("details.dropdown")
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    expect(menu.get_by_role("link", name="Change password")).to_be_visible()
    browse.check("user-menu-open")  # the open menu is checked too (contrast of its items)
    menu.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(browse.server / "login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    expect(page.locator("details.dropdown")).to_have_count(0)
    browse.check("login-after-sign-out")

    # Signed out means signed out: the client list sends us back to sign in.
    browse.goto("/clients/")
    expect(page).to_have_url(re.compile(re.escape(browse.server / "login") + r"\?next=(/|%2F)clients(/|%2F)$"))
    expect(page.get_by_role("status")).to_contain_text("Please sign in to continue.")
    browse.check("login-next")

    sign_in(browse, admin_account)
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    expect(page.locator("details.dropdown summary")).to_have_text(admin_account.name)

    browse.assert_only_live_server_requests()


def test_add_client_with_a_missing_last_name_keeps_what_was_typed(signed_in):
    browse, page = signed_in, signed_in.page
    browse.check("clients-before-bad-input")
    page.get_by_role("button", name="Add a client").click()
    browse.check("client-form-before-bad-input")

    page.get_by_label("First name").fill("Juniper")
    page.get_by_label("Pronouns").fill("she/her")
    page.get_by_role("button", name="Add client").click()

    expect(page).to_have_url(browse.server / "clients/new")
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Juniper")
    expect(page.get_by_label("Pronouns")).to_have_value("she/her")

    last_name = page.get_by_label("Last name")
    expect(last_name).to_have_value("")
    expect(last_name).to_have_attribute("aria-invalid", "true")
    message = page.locator("#last_name-error")
    expect(message).to_be_visible()
    expect(message).to_have_text("This field is required.")
    # The message is tied to the field, so a screen reader reads it with the field.
    expect(last_name).to_have_accessible_description(re.compile("This field is required"))
    expect(page.get_by_label("First name")).not_to_have_attribute("aria-invalid", "true")
    browse.check("client-form-missing-last-name")

    # Nothing was saved.
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("No clients here yet.")).to_be_visible()

    browse.assert_only_live_server_requests()


def test_pages_work_under_the_real_content_security_policy(strict_browse, admin_account):
    """The other tests bypass the CSP for axe; here it is enforced and nothing may break."""
    browse, page = strict_browse, strict_browse.page

    response = browse.goto("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    sign_in(browse, admin_account)
    page.get_by_role("button", name="Add a client").click()
    page.get_by_label("First name").fill("Ash")
    page.get_by_label("Last name").fill("Moreno")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ash Moreno")
    # The stylesheet and the vendored font really applied (a blocked one would leave defaults).
    page.wait_for_load_state("load")
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Atkinson Hyperlegible" in font
    loaded = page.evaluate("""async () => {
        await document.fonts.ready;
        return [...document.fonts].filter((f) => f.status === "loaded").map((f) => f.family);
    }""")
    assert any("Atkinson Hyperlegible" in family for family in loaded), loaded
    shot(page, "client-page-strict-csp")

    # The fixture fails the test on any console error, which is where CSP violations appear.
    browse.assert_only_live_server_requests()

