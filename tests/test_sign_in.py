"""Sign-in and sessions as an attacker would try them: parallel guesses, unknown names, weak
passwords, a cookie kept after sign-out, a screen left open."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine

import assistant.records.accounts as accounts
from assistant.records.accounts import AccountError, password_problem, sign_in
from assistant.records.db import transaction
from tests.conftest import PASSWORD, csrf_token, make_services, signed_in_client


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every password hash checked, from any thread."""
    checks: list[bool] = []
    real = accounts.check_password_hash

    def counting(stored: str, password: str) -> bool:
        checks.append(True)
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return checks


def test_parallel_guesses_check_at_most_five_passwords_and_the_lock_holds(
        database_url, settings, network, clock, counted_checks) -> None:
    services = make_services(settings.with_overrides(database_url=database_url), network, clock)
    try:
        signed_in_client(services, "nora")
        counted_checks.clear()
        outcomes: list[str] = []
        start = threading.Barrier(20)

        def guess(password: str) -> None:
            start.wait()
            with transaction(services.sessions) as session:
                # Caught inside, as the sign-in page does: a failure is saved too.
                try:
                    sign_in(session, "nora", password, clock())
                    outcomes.append("in")
                except AccountError as exc:
                    outcomes.append(str(exc))

        # Twenty wrong guesses at once: five passwords checked, then the lock.
        threads = [threading.Thread(target=guess, args=("guess",)) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(counted_checks) == accounts.MAX_FAILED_SIGN_INS
        assert len(outcomes) == 20 and "in" not in outcomes
        # The right password now: refused while the lock holds, without a check.
        with transaction(services.sessions) as session, \
                pytest.raises(AccountError, match="Too many"):
            sign_in(session, "nora", PASSWORD, clock())
        assert len(counted_checks) == accounts.MAX_FAILED_SIGN_INS
    finally:
        services.close()


def test_an_unknown_name_costs_a_password_check_like_a_known_one(
        services, counted_checks) -> None:
    signed_in_client(services, "nora")
    counted_checks.clear()
    for name in ("nobody", "nora"):
        with transaction(services.sessions) as session, \
                pytest.raises(AccountError, match="Wrong user name or password"):
            sign_in(session, name, "not the password", services.clock())
    assert len(counted_checks) == 2


@pytest.mark.parametrize("password", ["password1234", " " * 12, "aaaaaaaaaaaa",
                                      "qwertyuiop12", "noranora1234", "Nora Diaz 1980"])
def test_trivial_and_common_passwords_are_refused(password: str) -> None:
    assert password_problem(password, ("nora", "Nora Diaz")) is not None


@pytest.mark.parametrize("password", [PASSWORD, "plum kettle Orion rain"])
def test_a_few_unrelated_words_are_accepted(password: str) -> None:
    assert password_problem(password, ("nora",)) is None


def test_the_cli_refuses_a_weak_password_with_one_clear_line(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from carecall.cli import main

    monkeypatch.setenv("CARECALL_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["users", "add", "nora", "--name", "Nora"]).exit_code == 0
    result = runner.invoke(main, ["users", "set-password", "nora", "--password",
                                  "password1234"])
    assert result.exit_code == 2
    assert "choose a harder password" in result.output


def test_a_cookie_kept_after_sign_out_no_longer_works(services) -> None:
    client = signed_in_client(services, "nora")
    copy = client.application.test_client()  # another browser, holding a copy of the cookie
    copy.environ_base["wsgi.url_scheme"] = "https"
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy.set_cookie("session", cookie.value, domain=cookie.domain, secure=True)
    assert copy.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert copy.get("/").status_code == 302  # back to the sign-in page


def test_a_new_password_ends_the_other_sessions(services) -> None:
    from assistant.care_team.roster import find

    client = signed_in_client(services, "nora")
    with transaction(services.sessions) as session:
        accounts.set_password(session, find(session, "nora"), "plum kettle Orion rain",
                              services.clock(), "test")
    assert client.get("/").status_code == 302


def test_a_deactivated_user_is_signed_out_at_once(services) -> None:
    from assistant.care_team.roster import deactivate

    client = signed_in_client(services, "nora")
    with transaction(services.sessions) as session:
        deactivate(session, "nora", services.clock(), "test")
    assert client.get("/").status_code == 302


def test_a_page_refreshing_itself_does_not_keep_a_forgotten_screen_signed_in(services) -> None:
    with time_machine.travel("2026-11-27 09:00", tick=False) as traveller:
        client = signed_in_client(services, "nora")
        assert "auto=1" in client.get("/").get_data(as_text=True)  # the page's own refresh
        for _ in range(5):  # 25 minutes of the page refreshing itself, nobody there
            traveller.shift(timedelta(minutes=5))
            assert client.get("/?auto=1").status_code == 200
        traveller.shift(timedelta(minutes=6))  # past the 30 minutes since the last click
        assert client.get("/?auto=1").status_code == 302  # back to the sign-in page
        client = signed_in_client(services, "omar")
        for _ in range(8):  # 40 minutes of someone using the pages
            traveller.shift(timedelta(minutes=5))
            assert client.get("/").status_code == 200
