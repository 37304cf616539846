"""The browser-test harness checks itself: a guard that never fires proves nothing."""
import pytest

from tests.e2e.conftest import axe_check


def test_axe_check_fails_on_a_serious_violation(browse):
    browse.goto("/login")
    # An image without alt text and a field without a label: both serious or critical in axe.
    browse.page.evaluate("""() => {
        const img = document.createElement("img");
        img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
        img.id = "no-alt";
        const input = document.createElement("input");
        input.id = "no-label";
        document.querySelector("main").append(img, input);
    }""")
    with pytest.raises(AssertionError) as failure:
        axe_check(browse.page)
    message = str(failure.value)
    assert "image-alt" in message and "#no-alt" in message
    assert "label" in message and "#no-label" in message

    browse.goto("/login")  # a fresh copy of the page passes
    browse.check("harness-login")


def test_requests_to_other_hosts_are_recorded_and_blocked(browse):
    browse.goto("/login")
    browse.check("harness-login-network")
    outcome = browse.page.evaluate("""() => fetch("http://203.0.113.7/beacon", {mode: "no-cors"})
        .then(() => "reached", () => "blocked")""")
    assert outcome == "blocked"
    assert browse.foreign_requests() == ["http://203.0.113.7/beacon"]
    with pytest.raises(AssertionError, match="203.0.113.7"):
        browse.assert_only_live_server_requests()
    # Let the fixture's own after-test verdict pass: this request was the point of the test.
    browse.requests.remove("http://203.0.113.7/beacon")
    browse.problems[:] = [p for p in browse.problems if "203.0.113.7" not in p]
