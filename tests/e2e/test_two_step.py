"""Two-step sign-in through a real browser: setting it up from the QR page, then signing in with a code.

The test reads the key shown on the page as text (as someone typing it into an app would) and
computes the app's codes with pyotp.
"""
import time

import pyotp
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def open_account_menu(page) -> None:
    page.locator("details.dropdown summary").click()


def test_set_up_two_step_sign_in_then_sign_in_with_a_code(signed_in, admin_account):
    browse, page = signed_in, signed_in.page
    open_account_menu(page)
    page.get_by_role("link", name="Sign-in and security").click()
    expect(page).to_have_url(browse.server / "account/security")
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    browse.check("account-security")

    page.get_by_role("button", name="Set up two-step sign-in").click()
    expect(page).to_have_url(browse.server / "account/two-step/setup")
    expect(page.get_by_role("img", name="QR code that adds integration to your authenticator app")).to_be_visible()
    browse.check("two-step-setup")
    secret = page.locator("#two-step-secret").inner_text().replace(" ", "")

    page.get_by_label("The 6-digit code your app shows").fill("000000")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_text("That code did not match")).to_be_visible()
    page.get_by_label("The 6-digit code your app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    browse.check("two-step-recovery-codes")
    page.get_by_role("button", name="I have kept them — continue").click()
    expect(page.get_by_text("since")).to_be_visible()

    open_account_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(browse.server / "login")
    page.fill("input[name=email]", admin_account.email)
    page.fill("input[name=password]", admin_account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(browse.server / "login/two-step")
    expect(page.get_by_role("heading", name="One more step")).to_be_visible()
    browse.check("two-step-sign-in")

    # A code works once, and the one just used turned two-step on. The app's next code (accepted,
    # as phone clocks drift) is a fresh one, so the test need not wait 30 seconds.
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(browse.server / "clients/")
    expect(page.locator("details.dropdown summary")).to_have_text(admin_account.name)
    browse.check("clients-after-two-step")


def test_the_qr_code_shows_under_the_real_content_security_policy(strict_browse, admin_account):
    page = strict_browse.page
    strict_browse.goto("/login")
    sign_in(strict_browse, admin_account)
    strict_browse.goto("/account/two-step/setup")
    qr = page.get_by_role("img", name="QR code that adds integration to your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
