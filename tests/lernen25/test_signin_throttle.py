"""Sign-in throttling (``lernen25.signin_throttle``): per account and known device or address.

A stranger cannot lock out the owner, a school behind one address cannot trip it, pauses grow and
a success resets them, the audit log is coalesced and names no address, a paused attempt answers
429 in German and writes nothing, and no input answers 500. The module's clock is replaced
(``clock`` fixture): allauth's own limits keep the real time.
"""

from __future__ import annotations

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lernen25 import signin_throttle
from lernen25.errors import Refused
from lernen25.models import AuditEvent
from tests.factories import TEST_PASSWORD, totp_code

User = get_user_model()

LOGIN = "/accounts/login/"
STRANGER = "203.0.113.66"
HOME = "198.51.100.7"
ELSEWHERE = "192.0.2.10"
SCHOOL = "10.20.30.40"
WRONG = "Falsches-Passwort-123"

PAUSED_HERE = "Zu viele gescheiterte Anmeldeversuche. Zum Schutz dieses Kontos ist die Anmeldung von diesem Gerät"
PAUSED_NETWORK = "Zu viele gescheiterte Anmeldeversuche aus Ihrem Netzwerk."
PAUSED_ACCOUNT = "Zu viele gescheiterte Anmeldeversuche für dieses Konto von vielen Orten aus."
WRONG_PASSWORD = "Die E-Mail-Adresse und/oder das Passwort sind leider falsch."


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The throttle's clock, frozen at the start of an hour (and of every window) until advanced."""
    frozen = Clock(1_800_000_000.0)
    monkeypatch.setattr(signin_throttle, "clock", frozen)
    return frozen


def sign_in(client, email, password=TEST_PASSWORD, ip=HOME, **extra):
    return client.post(LOGIN, {"login": email, "password": password, **extra}, REMOTE_ADDR=ip)


def signed_in(client) -> str | None:
    return client.session.get("_auth_user_id")


def device_client(user, ip=HOME) -> Client:
    """A browser where ``user`` signed in before (it keeps the device cookie), now signed out."""
    browser = Client()
    response = sign_in(browser, user.email, ip=ip)
    assert response.status_code == 302 and signed_in(browser) == str(user.pk)
    cookie = response.cookies[signin_throttle.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/accounts/"
    fresh = Client()
    fresh.cookies[signin_throttle.DEVICE_COOKIE] = cookie.value
    return fresh


def fail_until(client, email, failures, ip=STRANGER, clock=None) -> list[int]:
    """Fail ``failures`` times, waiting out every pause; returns the Retry-After of each 429."""
    waits, failed = [], 0
    while failed < failures:
        response = sign_in(client, email, WRONG, ip=ip)
        if response.status_code == 429:
            waits.append(int(response["Retry-After"]))
            clock.advance(waits[-1])
        else:
            assert response.status_code == 200
            failed += 1
    return waits


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.managed}


# --- (1), (2): a stranger cannot lock out the owner -----------------------------------------------


def test_a_stranger_failing_50_times_is_paused_ever_longer_and_the_owner_on_her_device_gets_in(lehrkraft_a, clock):
    on_her_device = device_client(lehrkraft_a, ip=STRANGER)  # even in the stranger's network
    stranger = Client()

    waits = fail_until(stranger, lehrkraft_a.email, 50, clock=clock)

    assert waits[:6] == [60, 120, 240, 480, 960, 1800]  # 5 free failures, then doubling pauses …
    assert set(waits[5:]) == {1800} and len(waits) == 45  # … up to 30 minutes
    refused = sign_in(stranger, lehrkraft_a.email, TEST_PASSWORD, ip=STRANGER)
    assert refused.status_code == 429  # the stranger is paused, whatever the password
    assert refused["Retry-After"] == "1800"

    response = sign_in(on_her_device, lehrkraft_a.email, ip=STRANGER)

    assert response.status_code == 302
    assert signed_in(on_her_device) == str(lehrkraft_a.pk)


def test_the_owner_on_a_new_device_elsewhere_gets_in_at_once(lehrkraft_a, clock):
    fail_until(Client(), lehrkraft_a.email, 50, clock=clock)
    new_device = Client()

    response = sign_in(new_device, lehrkraft_a.email, ip=ELSEWHERE)

    assert response.status_code == 302
    assert signed_in(new_device) == str(lehrkraft_a.pk)


def test_a_forged_or_foreign_device_cookie_counts_as_no_device(lehrkraft_a, lehrkraft_b, clock):
    fail_until(Client(), lehrkraft_a.email, 5, clock=clock)  # the stranger's address is paused
    other_account = device_client(lehrkraft_b, ip=STRANGER)  # a cookie, but for another account
    forged = Client()
    forged.cookies[signin_throttle.DEVICE_COOKIE] = "eyJuIjoieCIsImEiOltdfQ:forged:signature"

    assert sign_in(other_account, lehrkraft_a.email, ip=STRANGER).status_code == 429
    assert sign_in(forged, lehrkraft_a.email, ip=STRANGER).status_code == 429


# --- (3): a school behind one address -------------------------------------------------------------


def test_300_colleagues_behind_one_address_failing_once_or_twice_are_never_throttled(db, clock):
    password = make_password(TEST_PASSWORD)
    colleagues = User.objects.bulk_create(
        User(email=f"kollegin{i}@schule-nat.de", password=password, first_name="K", last_name=str(i))
        for i in range(300)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in colleagues
    )

    for i, colleague in enumerate(colleagues):  # all at the same instant of the throttle's clock
        browser = Client()
        for _ in range(1 + i % 2):
            assert sign_in(browser, colleague.email, WRONG, ip=SCHOOL).status_code == 200
        response = sign_in(browser, colleague.email, ip=SCHOOL)
        assert response.status_code == 302, colleague.email
        assert signed_in(browser) == str(colleague.pk)


def test_credential_stuffing_from_one_address_meets_the_ceiling_known_devices_do_not(lehrkraft_a, clock):
    on_her_device = device_client(lehrkraft_a, ip=SCHOOL)
    stuffer = Client()
    for i in range(300):  # one guess each for 300 addresses: no account's bucket fills
        assert sign_in(stuffer, f"liste{i}@example.org", WRONG, ip=SCHOOL).status_code == 200

    refused = sign_in(stuffer, "liste300@example.org", WRONG, ip=SCHOOL)
    new_device = sign_in(Client(), lehrkraft_a.email, ip=SCHOOL)
    elsewhere = sign_in(Client(), lehrkraft_a.email, ip=ELSEWHERE)
    known = sign_in(on_her_device, lehrkraft_a.email, ip=SCHOOL)

    assert refused.status_code == 429 and PAUSED_NETWORK in refused.content.decode()
    assert 900 <= int(refused["Retry-After"]) <= 2 * 900  # the window's failures must slide out first
    assert new_device.status_code == 429
    assert elsewhere.status_code == 302
    assert known.status_code == 302


def test_many_addresses_against_one_account_pause_only_its_new_devices(lehrkraft_a, clock):
    on_her_device = device_client(lehrkraft_a)
    for i in range(100):  # a botnet: one guess from each of 100 addresses
        assert sign_in(Client(), lehrkraft_a.email, WRONG, ip=f"100.64.{i // 200}.{i % 200 + 1}").status_code == 200

    refused = sign_in(Client(), lehrkraft_a.email, ip=ELSEWHERE)
    known = sign_in(on_her_device, lehrkraft_a.email, ip=ELSEWHERE)

    assert refused.status_code == 429 and PAUSED_ACCOUNT in refused.content.decode()
    assert known.status_code == 302


# --- (4): growing pauses, reset by a success ----------------------------------------------------------


def test_pauses_double_from_one_minute_up_to_thirty():
    assert [signin_throttle.pause_after(n) for n in range(1, 12)] == [0, 0, 0, 0, 60, 120, 240, 480, 960, 1800, 1800]


def test_the_same_account_and_address_gets_growing_pauses_and_a_success_resets_them(lehrkraft_a, clock):
    browser = Client()
    for _ in range(5):
        assert sign_in(browser, lehrkraft_a.email, WRONG).status_code == 200
    waits = []
    for _ in range(3):
        refused = sign_in(browser, lehrkraft_a.email, WRONG)
        waits.append(int(refused["Retry-After"]))
        clock.advance(59)
        assert sign_in(browser, lehrkraft_a.email, TEST_PASSWORD).status_code == 429  # not yet
        clock.advance(waits[-1] - 59)
        assert sign_in(browser, lehrkraft_a.email, WRONG).status_code == 200
    assert waits == [60, 120, 240]
    clock.advance(480)
    assert sign_in(browser, lehrkraft_a.email).status_code == 302  # the right password resets

    again = Client()  # the same address, without the device cookie the success gave: the same bucket
    for _ in range(5):
        assert sign_in(again, lehrkraft_a.email, WRONG).status_code == 200
    assert sign_in(again, lehrkraft_a.email, WRONG)["Retry-After"] == "60"  # from the start again


def test_the_owners_own_device_failing_repeatedly_is_paused(lehrkraft_a, clock):
    on_her_device = device_client(lehrkraft_a)
    for _ in range(5):
        assert sign_in(on_her_device, lehrkraft_a.email, WRONG).status_code == 200

    assert sign_in(on_her_device, lehrkraft_a.email).status_code == 429
    assert sign_in(Client(), lehrkraft_a.email, ip=ELSEWHERE).status_code == 302  # her device only


def test_parallel_attempts_cannot_pass_more_guesses_than_the_bucket_allows(rf, lehrkraft_a, clock):
    request = rf.post(LOGIN, REMOTE_ADDR=STRANGER)
    credentials = {"email": lehrkraft_a.email}
    for _ in range(5):
        signin_throttle.failed(signin_throttle.begin(request, credentials))
    clock.advance(60)

    first = signin_throttle.begin(request, credentials)  # still checking the password …
    with pytest.raises(Refused) as second:  # … when the next one arrives
        signin_throttle.begin(request, credentials)

    assert first.reserved == 6
    assert second.value.retry_after == 120  # the pause the first one starts unless it succeeds
    signin_throttle.succeeded(first)
    assert signin_throttle.begin(request, credentials).reserved == 1


def test_an_attempt_counted_between_look_and_reservation_is_refused(rf, lehrkraft_a, clock, monkeypatch):
    from django.core.cache import cache

    request = rf.post(LOGIN, REMOTE_ADDR=STRANGER)
    credentials = {"email": lehrkraft_a.email}
    for _ in range(5):
        signin_throttle.failed(signin_throttle.begin(request, credentials))
    clock.advance(60)
    reserve = signin_throttle._incr

    def another_request_first(key, timeout):
        if key.endswith(":n"):
            reserve(key, timeout)  # a parallel request reserves between our look and our reservation
        return reserve(key, timeout)

    monkeypatch.setattr(signin_throttle, "_incr", another_request_first)
    with pytest.raises(Refused) as refused:
        signin_throttle.begin(request, credentials)

    assert refused.value.retry_after == 120
    account, address = signin_throttle.account_tag(lehrkraft_a.email), signin_throttle._tag("address", STRANGER)
    assert cache.get(f"signin:bucket:{account}:a:{address}:n") == 6  # five failures and the other one
    # The ceilings are given back: they hold the five failures only.
    assert cache.get(signin_throttle.ADDRESS._keys(address, clock())[0]) == 5
    assert cache.get(signin_throttle.ACCOUNT._keys(account, clock())[0]) == 5


def test_the_password_confirmation_is_throttled_too(client, lehrkraft_a, clock):
    client.force_login(lehrkraft_a)
    for _ in range(5):
        assert client.post("/accounts/reauthenticate/", {"password": WRONG}, REMOTE_ADDR=HOME).status_code == 200

    response = client.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD}, REMOTE_ADDR=HOME)

    assert response.status_code == 429 and PAUSED_HERE in response.content.decode()


def test_a_password_reset_from_the_paused_device_lets_the_owner_in(client, lehrkraft_a, clock):
    fail_until(client, lehrkraft_a.email, 6, ip=HOME, clock=clock)
    assert sign_in(client, lehrkraft_a.email, ip=HOME).status_code == 429

    client.post("/accounts/password/reset/", {"email": lehrkraft_a.email}, REMOTE_ADDR=HOME)
    link = re.search(
        re.escape(django_settings.SITE_URL) + r"(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body
    ).group(1)
    form = client.get(link, follow=True, REMOTE_ADDR=HOME)
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    new_password = "Neue-Passphrase-2026"
    client.post(set_url, {"password1": new_password, "password2": new_password}, REMOTE_ADDR=HOME)

    assert sign_in(client, lehrkraft_a.email, new_password, ip=HOME).status_code == 302


# --- The second factor --------------------------------------------------------------------------------


def test_the_second_factor_follows_on_a_known_device_and_stays_limited_per_account(smz, clock):
    first = Client()
    response = sign_in(first, smz.email, ip=HOME)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert signin_throttle.DEVICE_COOKIE not in response.cookies  # known only after the second factor
    response = first.post("/accounts/2fa/authenticate/", {"code": totp_code()}, REMOTE_ADDR=HOME)
    assert response.status_code == 302 and signed_in(first) == str(smz.pk)
    on_his_device = Client()
    on_his_device.cookies[signin_throttle.DEVICE_COOKIE] = response.cookies[signin_throttle.DEVICE_COOKIE].value
    fail_until(Client(), smz.email, 8, ip=HOME, clock=clock)  # a stranger in his network

    assert sign_in(on_his_device, smz.email, ip=HOME)["Location"] == "/accounts/2fa/authenticate/"
    for _ in range(5):
        wrong = on_his_device.post("/accounts/2fa/authenticate/", {"code": "000000"}, REMOTE_ADDR=HOME)
        assert wrong.status_code == 200
    limited = on_his_device.post("/accounts/2fa/authenticate/", {"code": totp_code()}, REMOTE_ADDR=HOME)
    assert "Zu viele gescheiterte Anmeldeversuche" in limited.content.decode()
    assert signed_in(on_his_device) is None


# --- (5): the audit log, coalesced ---------------------------------------------------------------


def test_failures_are_audited_once_per_account_and_hour_without_addresses(lehrkraft_a, clock):
    on_her_device = device_client(lehrkraft_a)
    fail_until(Client(), lehrkraft_a.email, 7, clock=clock)  # pauses of 1 and 2 minutes on the way
    assert sign_in(on_her_device, lehrkraft_a.email, WRONG).status_code == 200
    for i in range(6):
        assert sign_in(Client(), "niemand@nirgends.de", WRONG, ip=f"192.0.2.{100 + i}").status_code == 200

    events = list(AuditEvent.objects.filter(action=signin_throttle.AUDIT_ACTION))
    assert len(events) == 1
    event = events[0]
    assert event.target_id == str(lehrkraft_a.pk) and event.actor is None
    assert event.data == {
        "window": "2027-01-15T08:00:00+00:00",
        "window_minutes": 60,
        "failures": 8,
        "known_device": 1,
        "elsewhere": 7,
        "longest_pause": 240,
    }

    clock.advance(3600)
    sign_in(Client(), lehrkraft_a.email, WRONG, ip=ELSEWHERE)

    assert AuditEvent.objects.filter(action=signin_throttle.AUDIT_ACTION).count() == 2
    assert not AuditEvent.objects.exclude(target_id=str(lehrkraft_a.pk)).filter(action__contains="signin").exists()
    everything = json.dumps(list(AuditEvent.objects.values("action", "target_repr", "data")), default=str)
    for address in (STRANGER, HOME, ELSEWHERE, "192.0.2.", "niemand"):
        assert address not in everything


# --- (6): the answer to a paused attempt ------------------------------------------------------------


def test_a_paused_attempt_answers_429_in_german_with_retry_after_and_writes_nothing(client, lehrkraft_a, clock):
    for _ in range(5):
        assert WRONG_PASSWORD in sign_in(client, lehrkraft_a.email, WRONG).content.decode()
    before = row_counts()

    answers = [sign_in(client, lehrkraft_a.email, password) for password in (TEST_PASSWORD, WRONG) * 5]

    for response in answers:
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        page = response.content.decode()
        assert PAUSED_HERE in page and "für 1 Minute pausiert" in page
        assert signin_throttle.DEVICE_COOKIE not in response.cookies
    assert row_counts() == before
    assert signed_in(client) is None
    clock.advance(60)  # the refused attempts counted nothing: the told wait is enough
    assert sign_in(client, lehrkraft_a.email).status_code == 302


def test_longer_pauses_are_told_in_minutes(client, lehrkraft_a, clock):
    fail_until(client, lehrkraft_a.email, 7, ip=HOME, clock=clock)

    response = sign_in(client, lehrkraft_a.email, ip=HOME)

    assert response["Retry-After"] == "240"
    assert "für 4 Minuten pausiert" in response.content.decode()


# --- (7): no input answers 500 ----------------------------------------------------------------------

GENERATED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COOKIE_TEXT = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=';,"\\'), max_size=200)


@GENERATED
@given(
    login=st.one_of(st.emails(), st.text(max_size=300), st.just("anna.lehrerin@schule-a.de")),
    password=st.one_of(st.text(max_size=300), st.just(TEST_PASSWORD)),
    cookie=st.one_of(st.none(), COOKIE_TEXT),
    ip=st.sampled_from([HOME, STRANGER, "2001:db8::1", "2001:db8::ffff"]),
)
def test_no_input_to_the_sign_in_form_answers_500(lehrkraft_a, login, password, cookie, ip):
    browser = Client()
    if cookie is not None:
        browser.cookies[signin_throttle.DEVICE_COOKIE] = cookie

    response = sign_in(browser, login, password, ip=ip)

    assert response.status_code in (200, 302, 429)
