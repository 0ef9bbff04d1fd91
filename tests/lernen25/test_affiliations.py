"""School functions: granted, confirmed and revoked by the right people, audited and notified.

Services first (exact German refusals, nothing written), then the e-mail domain rule through
allauth's real confirmation flow, the guest's limits, and the principal's page over HTTP.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail

from lernen25.errors import RefusalKind
from lernen25.models import (
    Affiliation,
    AffiliationSource,
    AuditEvent,
    ConfirmationRequest,
    ConfirmationStatus,
    Notification,
    School,
    SchoolFunction,
)
from lernen25.roles import Capability, forget_grants, has_capability
from lernen25.services import (
    decide_confirmation,
    grant_function,
    request_confirmation,
    revoke_function,
    set_staff_email_domain,
)
from lernen25.services.affiliations import MAX_PENDING_REQUESTS
from tests.factories import SchoolFactory, UserFactory, verified

F = SchoolFunction


def _counts():
    """What the school-people forms may write (checked after a form error over HTTP)."""
    return (
        Affiliation.objects.count(),
        Affiliation.objects.filter(revoked_at__isnull=False).count(),
        ConfirmationRequest.objects.count(),
        ConfirmationRequest.objects.exclude(status="pending").count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        tuple(School.objects.order_by("pk").values_list("staff_email_domain", flat=True)),
    )


def event(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


@pytest.fixture
def colleague(roles):
    """Signed up and verified, not yet confirmed anywhere."""
    return verified(UserFactory(email="carla.kollegin@example.org", first_name="Carla", last_name="Kollegin"))


# --- Granting and revoking -------------------------------------------------------------------


@pytest.mark.parametrize("function", [F.LEHRKRAFT, F.MEDIENBEAUFTRAGTE])
def test_principal_grants_a_function_at_her_school_audited_and_notified(
    schulleitung_a, colleague, school_a, function, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        affiliation = grant_function(actor=schulleitung_a, user=colleague, school=school_a, function=function)

    assert (affiliation.granted_by, affiliation.source, affiliation.revoked_at) == (
        schulleitung_a,
        AffiliationSource.GRANTED,
        None,
    )
    recorded = event("lernen25.affiliation.granted")
    assert (recorded.actor, recorded.data["school"], recorded.data["function"]) == (
        schulleitung_a,
        school_a.number,
        function,
    )
    note = Notification.objects.get(recipient=colleague)
    label = {F.LEHRKRAFT: "Lehrkraft", F.MEDIENBEAUFTRAGTE: "Medienbeauftragte"}[function]
    assert note.text == f"Sie sind jetzt als {label} an der Schule Gesamtschule Meiderich bestätigt."
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert has_capability(colleague, Capability.PLG_JOIN)
    assert has_capability(colleague, Capability.CONCEPT_EDIT, school=school_a) is (function == F.MEDIENBEAUFTRAGTE)


def test_principal_of_school_b_may_not_grant_at_school_a(schulleitung_b, colleague, school_a, assert_refused):
    assert_refused(
        grant_function,
        "Sie dürfen an der Schule Gesamtschule Meiderich keine Funktionen vergeben.",
        RefusalKind.FORBIDDEN,
        actor=schulleitung_b,
        user=colleague,
        school=school_a,
        function=F.LEHRKRAFT,
    )


@pytest.mark.parametrize("actor", ["lehrkraft_a", "medienbeauftragte_a", "plg_leitung", "datenschutz", "schultraeger"])
def test_nobody_but_the_principal_grants_at_a_school(actor, request, colleague, school_a, assert_refused):
    assert_refused(
        grant_function,
        "Sie dürfen an der Schule Gesamtschule Meiderich keine Funktionen vergeben.",
        RefusalKind.FORBIDDEN,
        actor=request.getfixturevalue(actor),
        user=colleague,
        school=school_a,
        function=F.LEHRKRAFT,
    )


def test_principal_may_not_appoint_a_principal(schulleitung_a, colleague, school_a, assert_refused):
    assert_refused(
        grant_function,
        "Nur das SMZ und die Administration dürfen Schulleitungen ernennen.",
        RefusalKind.FORBIDDEN,
        actor=schulleitung_a,
        user=colleague,
        school=school_a,
        function=F.SCHULLEITUNG,
    )


@pytest.mark.parametrize("actor", ["smz", "admin_user"])
def test_smz_and_administrators_appoint_principals(actor, request, colleague, school_b):
    appointer = request.getfixturevalue(actor)

    grant_function(actor=appointer, user=colleague, school=school_b, function=F.SCHULLEITUNG)

    assert Affiliation.objects.active().get(user=colleague).function == F.SCHULLEITUNG
    assert event("lernen25.affiliation.granted").actor == appointer


def test_a_function_held_already_is_a_conflict(schulleitung_a, lehrkraft_a, school_a, assert_refused):
    assert_refused(
        grant_function,
        "Anna Lehmann hat die Funktion Lehrkraft an der Schule Gesamtschule Meiderich bereits.",
        RefusalKind.CONFLICT,
        actor=schulleitung_a,
        user=lehrkraft_a,
        school=school_a,
        function=F.LEHRKRAFT,
    )


def test_deactivated_account_gets_no_function(schulleitung_a, colleague, school_a, assert_refused):
    colleague.is_active = False
    colleague.save()
    assert_refused(
        grant_function,
        "Das Konto von Carla Kollegin ist deaktiviert.",
        RefusalKind.INVALID,
        actor=schulleitung_a,
        user=colleague,
        school=school_a,
        function=F.LEHRKRAFT,
    )


def test_principal_revokes_a_function_kept_as_history(
    schulleitung_a, lehrkraft_a, school_a, django_capture_on_commit_callbacks
):
    affiliation = Affiliation.objects.active().get(user=lehrkraft_a)
    assert has_capability(lehrkraft_a, Capability.PLG_JOIN)

    with django_capture_on_commit_callbacks(execute=True):
        revoke_function(actor=schulleitung_a, affiliation=affiliation)

    affiliation.refresh_from_db()
    assert affiliation.revoked_by == schulleitung_a and affiliation.revoked_at is not None
    forget_grants(lehrkraft_a)  # as on her next request
    assert not has_capability(lehrkraft_a, Capability.PLG_JOIN), "a teacher without a school is a guest again"
    assert event("lernen25.affiliation.revoked").data["user"] == lehrkraft_a.email
    assert Notification.objects.get(recipient=lehrkraft_a).text == (
        "Ihre Funktion Lehrkraft an der Schule Gesamtschule Meiderich wurde beendet."
    )


def test_revoking_twice_is_a_conflict(schulleitung_a, lehrkraft_a, assert_refused):
    affiliation = Affiliation.objects.active().get(user=lehrkraft_a)
    revoke_function(actor=schulleitung_a, affiliation=affiliation)
    assert_refused(
        revoke_function,
        "Diese Funktion wurde bereits entzogen.",
        RefusalKind.CONFLICT,
        actor=schulleitung_a,
        affiliation=Affiliation.objects.get(pk=affiliation.pk),
    )


def test_principal_of_b_may_not_revoke_at_a(schulleitung_b, lehrkraft_a, assert_refused):
    assert_refused(
        revoke_function,
        "Sie dürfen an der Schule Gesamtschule Meiderich keine Funktionen entziehen.",
        RefusalKind.FORBIDDEN,
        actor=schulleitung_b,
        affiliation=Affiliation.objects.active().get(user=lehrkraft_a),
    )


def test_principal_may_not_remove_herself_as_principal(schulleitung_a, smz, assert_refused):
    own = Affiliation.objects.active().get(user=schulleitung_a)
    assert_refused(
        revoke_function,
        "Nur das SMZ und die Administration dürfen Schulleitungen abberufen.",
        RefusalKind.FORBIDDEN,
        actor=schulleitung_a,
        affiliation=own,
    )
    revoke_function(actor=smz, affiliation=own)
    forget_grants(schulleitung_a)
    assert not has_capability(schulleitung_a, Capability.STAFF_MANAGE, school=own.school)


# --- Confirmation on request -----------------------------------------------------------------


def test_guest_asks_the_school_and_its_principal_is_notified(signed_up, schulleitung_a, school_a):
    request_confirmation(actor=signed_up, school=school_a, message="Ich unterrichte Deutsch seit August.")

    pending = ConfirmationRequest.objects.get()
    assert (pending.user, pending.school, pending.status) == (signed_up, school_a, ConfirmationStatus.PENDING)
    assert event("lernen25.confirmation.requested").actor == signed_up
    note = Notification.objects.get(recipient=schulleitung_a)
    assert note.text == "Nora Neumann bittet um Bestätigung als Lehrkraft an der Schule Gesamtschule Meiderich."
    assert note.url == f"/schulen/{school_a.number}/personen/"


def test_a_school_without_principal_sends_requests_to_the_smz(signed_up, smz, school_b):
    request_confirmation(actor=signed_up, school=school_b)

    assert list(Notification.objects.values_list("recipient", flat=True)) == [smz.pk]


def test_asking_twice_or_when_confirmed_is_a_conflict(signed_up, lehrkraft_a, school_a, assert_refused):
    request_confirmation(actor=signed_up, school=school_a)
    assert_refused(
        request_confirmation,
        "Ihre Anfrage an die Schule Gesamtschule Meiderich wartet noch auf eine Entscheidung.",
        RefusalKind.CONFLICT,
        actor=signed_up,
        school=school_a,
    )
    assert_refused(
        request_confirmation,
        "Sie sind an der Schule Gesamtschule Meiderich bereits bestätigt.",
        RefusalKind.CONFLICT,
        actor=lehrkraft_a,
        school=school_a,
    )


def test_at_most_three_pending_requests(signed_up, assert_refused):
    schools = [SchoolFactory() for _ in range(MAX_PENDING_REQUESTS + 1)]
    for school in schools[:MAX_PENDING_REQUESTS]:
        request_confirmation(actor=signed_up, school=school)
    assert_refused(
        request_confirmation,
        "Sie haben 3 Anfragen, über die noch nicht entschieden ist; bitte warten Sie diese zuerst ab.",
        RefusalKind.CONFLICT,
        actor=signed_up,
        school=schools[-1],
    )


def test_principal_confirms_a_request(signed_up, schulleitung_a, school_a, django_capture_on_commit_callbacks):
    pending = request_confirmation(actor=signed_up, school=school_a)
    assert not has_capability(signed_up, Capability.PLG_JOIN)

    with django_capture_on_commit_callbacks(execute=True):
        decide_confirmation(actor=schulleitung_a, confirmation=pending, accept=True)

    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (ConfirmationStatus.ACCEPTED, schulleitung_a)
    affiliation = Affiliation.objects.active().get(user=signed_up)
    assert (affiliation.school, affiliation.function, affiliation.source, affiliation.granted_by) == (
        school_a,
        F.LEHRKRAFT,
        AffiliationSource.REQUEST,
        schulleitung_a,
    )
    assert event("lernen25.confirmation.accepted").actor == schulleitung_a
    forget_grants(signed_up)
    assert has_capability(signed_up, Capability.PLG_JOIN)
    assert Notification.objects.filter(recipient=signed_up, kind="lernen25.affiliation.granted").exists()


def test_principal_declines_a_request(signed_up, schulleitung_a, school_a):
    pending = request_confirmation(actor=signed_up, school=school_a)

    decide_confirmation(actor=schulleitung_a, confirmation=pending, accept=False)

    assert ConfirmationRequest.objects.get().status == ConfirmationStatus.DECLINED
    assert not Affiliation.objects.filter(user=signed_up).exists()
    assert Notification.objects.get(recipient=signed_up).text == (
        "Die Schule Gesamtschule Meiderich hat Sie nicht als Lehrkraft bestätigt."
    )
    # declined, the person may ask again
    request_confirmation(actor=signed_up, school=school_a)


def test_deciding_twice_or_for_another_school_is_refused(
    signed_up, schulleitung_a, schulleitung_b, school_a, assert_refused
):
    pending = request_confirmation(actor=signed_up, school=school_a)
    assert_refused(
        decide_confirmation,
        "Sie dürfen über Anfragen an die Schule Gesamtschule Meiderich nicht entscheiden.",
        RefusalKind.FORBIDDEN,
        actor=schulleitung_b,
        confirmation=pending,
        accept=True,
    )
    decide_confirmation(actor=schulleitung_a, confirmation=pending, accept=True)
    assert_refused(
        decide_confirmation,
        "Über diese Anfrage wurde bereits entschieden.",
        RefusalKind.CONFLICT,
        actor=schulleitung_a,
        confirmation=ConfirmationRequest.objects.get(pk=pending.pk),
        accept=False,
    )


def test_a_grant_settles_a_pending_request(signed_up, schulleitung_a, school_a):
    request_confirmation(actor=signed_up, school=school_a)

    grant_function(actor=schulleitung_a, user=signed_up, school=school_a, function=F.MEDIENBEAUFTRAGTE)

    assert ConfirmationRequest.objects.get().status == ConfirmationStatus.ACCEPTED


# --- The staff e-mail domain -----------------------------------------------------------------


@pytest.fixture
def principal_with_school_address(schulleitung_a):
    EmailAddress.objects.create(user=schulleitung_a, email="leitung@gesamtschule-meiderich.de", verified=True)
    return schulleitung_a


def _sign_up_and_confirm(client, email: str) -> None:
    client.post(
        "/accounts/signup/",
        {
            "email": email,
            "password1": "Lange-Passphrase-2025",
            "password2": "Lange-Passphrase-2025",
            "first_name": "Nils",
            "last_name": "Neu",
        },
    )
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body).group(1)
    client.post(link)


def test_a_verified_address_in_the_school_domain_confirms_a_teacher(
    client, principal_with_school_address, school_a, django_capture_on_commit_callbacks
):
    set_staff_email_domain(actor=principal_with_school_address, school=school_a, domain="@Gesamtschule-Meiderich.DE")
    school_a.refresh_from_db()
    assert school_a.staff_email_domain == "gesamtschule-meiderich.de"
    assert event("lernen25.school.email_domain_set").data["domain"] == "gesamtschule-meiderich.de"

    with django_capture_on_commit_callbacks(execute=True):
        _sign_up_and_confirm(client, "nils.neu@gesamtschule-meiderich.de")

    affiliation = Affiliation.objects.active().get(user__email="nils.neu@gesamtschule-meiderich.de")
    assert (affiliation.school, affiliation.function, affiliation.source, affiliation.granted_by) == (
        school_a,
        F.LEHRKRAFT,
        AffiliationSource.EMAIL_DOMAIN,
        None,
    )


def test_an_unverified_or_other_domain_address_confirms_nothing(client, principal_with_school_address, school_a):
    set_staff_email_domain(actor=principal_with_school_address, school=school_a, domain="gesamtschule-meiderich.de")
    client.post(
        "/accounts/signup/",
        {
            "email": "unbestaetigt@gesamtschule-meiderich.de",
            "password1": "Lange-Passphrase-2025",
            "password2": "Lange-Passphrase-2025",
            "first_name": "U",
            "last_name": "B",
        },
    )
    _sign_up_and_confirm(client, "nils@gesamtschule-meiderich.de.example.org")

    assert not Affiliation.objects.filter(source=AffiliationSource.EMAIL_DOMAIN).exists()


def test_registering_the_domain_confirms_verified_addresses_already_there(principal_with_school_address, school_a):
    waiting = verified(UserFactory(email="wartet@gesamtschule-meiderich.de"))

    set_staff_email_domain(actor=principal_with_school_address, school=school_a, domain="gesamtschule-meiderich.de")

    assert Affiliation.objects.active().get(user=waiting).source == AffiliationSource.EMAIL_DOMAIN


def test_the_domain_never_regrants_a_revoked_function(principal_with_school_address, school_a):
    teacher = verified(UserFactory(email="frueher@gesamtschule-meiderich.de", schools=[school_a]))
    revoke_function(actor=principal_with_school_address, affiliation=Affiliation.objects.active().get(user=teacher))

    set_staff_email_domain(actor=principal_with_school_address, school=school_a, domain="gesamtschule-meiderich.de")

    assert not Affiliation.objects.active().filter(user=teacher).exists()


@pytest.mark.parametrize(
    ("domain", "message", "kind"),
    [
        (
            "gmail.com",
            "gmail.com ist ein öffentlicher E-Mail-Anbieter; eingetragen werden kann nur eine Domain "
            "der Schule selbst.",
            RefusalKind.INVALID,
        ),
        ("keine domain", "„keine domain“ ist keine Domain wie schule-xyz.de.", RefusalKind.INVALID),
        ("localhost", "„localhost“ ist keine Domain wie schule-xyz.de.", RefusalKind.INVALID),
        (
            "schule-b.de",
            "Sie können nur eine Domain eintragen, in der Sie selbst eine bestätigte E-Mail-Adresse haben.",
            RefusalKind.INVALID,
        ),
    ],
)
def test_domain_refusals(principal_with_school_address, school_a, domain, message, kind, assert_refused):
    assert_refused(
        set_staff_email_domain, message, kind, actor=principal_with_school_address, school=school_a, domain=domain
    )


def test_a_domain_belongs_to_one_school(smz, principal_with_school_address, school_a, school_b, assert_refused):
    set_staff_email_domain(actor=smz, school=school_b, domain="gesamtschule-meiderich.de")
    assert_refused(
        set_staff_email_domain,
        "Die Domain gesamtschule-meiderich.de ist bereits für die Schule Grundschule Walsum eingetragen.",
        RefusalKind.CONFLICT,
        actor=principal_with_school_address,
        school=school_a,
        domain="gesamtschule-meiderich.de",
    )


def test_principal_of_b_may_not_set_the_domain_of_a(schulleitung_b, school_a, assert_refused):
    assert_refused(
        set_staff_email_domain,
        "Sie dürfen die E-Mail-Domain der Schule Gesamtschule Meiderich nicht ändern.",
        RefusalKind.FORBIDDEN,
        actor=schulleitung_b,
        school=school_a,
        domain="gesamtschule-meiderich.de",
    )


# --- What a guest may do -----------------------------------------------------------------------


@pytest.mark.needs_app("plc")
def test_guest_reads_open_plgs_and_results_but_joins_posts_and_proposes_nothing(signed_up, plg_leitung, assert_refused):
    from plc import services as plc_services
    from plc.models import PlgKind, Visibility
    from plc.permissions import plgs_visible_to, results_visible_to, user_can

    def make(title, visibility):
        return plc_services.create_plg(
            actor=None,
            system=True,
            title=title,
            kind=PlgKind.LESSON_DEVELOPMENT,
            visibility=visibility,
            leads=[plg_leitung],
            notify_leads=False,
        )

    open_plg, on_request = make("Offen", Visibility.OPEN), make("Auf Anfrage", Visibility.ON_REQUEST)
    make("Geschlossen", Visibility.CLOSED)
    plc_services.publish_result(actor=plg_leitung, plg=open_plg, title="Ergebnis", tried="x", worked="y")

    assert list(plgs_visible_to(signed_up).values_list("title", flat=True)) == ["Offen"]
    assert user_can(signed_up, "view", open_plg) and user_can(signed_up, "view_content", open_plg)
    assert not user_can(signed_up, "view", on_request)
    assert results_visible_to(signed_up).count() == 1
    assert not user_can(signed_up, "join", open_plg)
    assert_refused(
        plc_services.join_plg, "Sie dürfen keinen PLGs beitreten.", RefusalKind.FORBIDDEN, actor=signed_up, plg=open_plg
    )
    assert_refused(
        plc_services.propose_plg,
        "Sie dürfen keine PLGs vorschlagen.",
        RefusalKind.FORBIDDEN,
        actor=signed_up,
        title="Neu",
        kind=PlgKind.LESSON_DEVELOPMENT,
        goals="Ziele",
        visibility=Visibility.OPEN,
    )


# --- Over HTTP: the people page ----------------------------------------------------------------


def people(school) -> str:
    return f"/schulen/{school.number}/personen/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("schulleitung_a", 200),
        ("smz", 200),
        ("admin_user", 200),
        ("schulleitung_b", 403),
        ("medienbeauftragte_a", 403),
        ("lehrkraft_a", 403),
        ("signed_up", 403),
    ],
)
def test_people_page_permissions(client, request, persona, status, school_a):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(people(school_a)).status_code == status


def test_people_page_asks_anonymous_visitors_to_sign_in_and_hides_unknown_schools(client, schulleitung_a, school_a):
    response = client.get(people(school_a))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(schulleitung_a)
    assert client.get("/schulen/999999/personen/").status_code == 404
    assert client.get("/schulen/12345/personen/").status_code == 404


def test_people_page_lists_functions_and_offers_only_what_the_actor_may_grant(
    client, schulleitung_a, smz, lehrkraft_a, school_a, django_assert_max_num_queries
):
    for n in range(12):  # the page's queries do not grow with the number of people
        UserFactory(email=f"kollegium{n}@schule-a.de", schools=[school_a])
    client.force_login(schulleitung_a)
    client.get(people(school_a))  # warm: the session, and what the layout caches (the footer's legal links)
    with django_assert_max_num_queries(24):
        page = client.get(people(school_a)).content.decode()
    assert "Anna Lehmann" in page and "Sabine Leitz" in page
    assert 'value="medienbeauftragte"' in page and 'value="schulleitung"' not in page

    client.force_login(smz)
    page = client.get(people(school_a)).content.decode()
    assert 'value="schulleitung"' in page and 'value="lehrkraft"' not in page


def test_principal_grants_by_email_over_http(client, schulleitung_a, colleague, school_a):
    client.force_login(schulleitung_a)

    response = client.post(
        f"{people(school_a)}vergeben/", {"email": "Carla.Kollegin@example.org", "function": "medienbeauftragte"}
    )

    assert response.status_code == 302
    assert Affiliation.objects.active().get(user=colleague).function == F.MEDIENBEAUFTRAGTE


def test_grant_form_errors_are_german_and_change_nothing(client, schulleitung_a, school_a):
    client.force_login(schulleitung_a)
    before = _counts()

    unknown = client.post(f"{people(school_a)}vergeben/", {"email": "niemand@example.org", "function": "lehrkraft"})
    principal = client.post(f"{people(school_a)}vergeben/", {"email": "sl@schule-a.de", "function": "schulleitung"})

    assert unknown.status_code == 400
    assert "Mit dieser Adresse hat sich noch niemand bei Lernen 25 registriert." in unknown.content.decode()
    assert principal.status_code == 400  # not a choice the principal is offered
    assert _counts() == before


def test_revoking_over_http_asks_first(client, schulleitung_a, lehrkraft_a, school_a):
    affiliation = Affiliation.objects.active().get(user=lehrkraft_a)
    client.force_login(schulleitung_a)
    url = f"{people(school_a)}{affiliation.pk}/entziehen/"

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Affiliation.objects.active().filter(pk=affiliation.pk).exists()

    assert client.post(url).status_code == 302
    assert not Affiliation.objects.active().filter(pk=affiliation.pk).exists()
    assert client.get(url).status_code == 404  # ended: nothing left to end


def test_principal_of_b_cannot_revoke_or_decide_at_a(client, schulleitung_b, lehrkraft_a, signed_up, school_a):
    affiliation = Affiliation.objects.active().get(user=lehrkraft_a)
    pending = request_confirmation(actor=signed_up, school=school_a)
    client.force_login(schulleitung_b)

    assert client.post(f"{people(school_a)}{affiliation.pk}/entziehen/").status_code == 403
    assert (
        client.post(
            f"/schulen/{school_a.number}/anfragen/{pending.pk}/entscheiden/", {"decision": "accept"}
        ).status_code
        == 403
    )
    assert Affiliation.objects.active().filter(pk=affiliation.pk).exists()
    assert ConfirmationRequest.objects.get().status == ConfirmationStatus.PENDING


def test_deciding_over_http(client, schulleitung_a, signed_up, school_a):
    pending = request_confirmation(actor=signed_up, school=school_a)
    client.force_login(schulleitung_a)
    url = f"/schulen/{school_a.number}/anfragen/{pending.pk}/entscheiden/"

    assert client.get(url).status_code == 405
    assert client.post(url, {"decision": "accept"}).status_code == 302
    assert Affiliation.objects.active().filter(user=signed_up, school=school_a).exists()


def test_domain_form_shows_the_refusal(client, principal_with_school_address, school_a):
    client.force_login(principal_with_school_address)

    response = client.post(f"/schulen/{school_a.number}/e-mail-domain/", {"domain": "web.de"})

    assert response.status_code == 400
    assert "web.de ist ein öffentlicher E-Mail-Anbieter" in response.content.decode()
    school_a.refresh_from_db()
    assert school_a.staff_email_domain == ""


def test_guest_asks_for_confirmation_from_the_profile(client, signed_up, school_a):
    client.force_login(signed_up)
    profile = client.get("/profil/").content.decode()
    assert "Noch von keiner Schule bestätigt" in profile

    response = client.post("/profil/bestaetigung/", {"confirm-school": school_a.pk, "confirm-message": "Hallo"})

    assert response.status_code == 302
    assert ConfirmationRequest.objects.get().message == "Hallo"
    again = client.post("/profil/bestaetigung/", {"confirm-school": school_a.pk})
    assert again.status_code == 400
    assert "wartet noch auf eine Entscheidung" in again.content.decode()


# --- The same in the Wagtail admin -------------------------------------------------------------


def test_admin_people_screen_lists_and_appoints_a_principal(client, smz, colleague, lehrkraft_a, school_a):
    client.force_login(smz)
    url = f"/admin/schools/{school_a.pk}/people/"

    page = client.get(url)
    assert page.status_code == 200
    assert "Anna Lehmann" in page.content.decode()
    assert f"/admin/schools/{school_a.pk}/people/" in client.get("/admin/schools/").content.decode()

    response = client.post(url, {"email": colleague.email, "function": "schulleitung"})

    assert response.status_code == 302
    assert Affiliation.objects.active().get(user=colleague).function == F.SCHULLEITUNG
    assert event("lernen25.affiliation.granted").actor == smz


def test_admin_people_screen_refuses_a_principal_of_another_school(client, schulleitung_b, school_a):
    client.force_login(schulleitung_b)

    response = client.get(f"/admin/schools/{school_a.pk}/people/")

    # principals have no admin access at all: Wagtail refuses before the view
    assert response.status_code in (302, 403)
    assert not Affiliation.objects.filter(school=school_a, granted_by=schulleitung_b).exists()


def test_deciding_from_the_admin_screen_returns_there_and_ignores_foreign_targets(
    client, schulleitung_a, signed_up, school_a
):
    client.force_login(schulleitung_a)
    url = f"/schulen/{school_a.number}/anfragen/"
    first = request_confirmation(actor=signed_up, school=school_a)
    back = f"/admin/schools/{school_a.pk}/people/"

    response = client.post(f"{url}{first.pk}/entscheiden/", {"decision": "decline", "next": back})
    assert response["Location"] == back

    second = request_confirmation(actor=signed_up, school=school_a)
    response = client.post(f"{url}{second.pk}/entscheiden/", {"decision": "decline", "next": "https://evil.example/"})
    assert response["Location"] == people(school_a)


@pytest.mark.parametrize("pk", ["99999999999999999", "1" * 23])
def test_huge_ids_in_the_people_urls_are_not_found(client, schulleitung_a, school_a, pk):
    client.force_login(schulleitung_a)

    assert client.get(f"{people(school_a)}{pk}/entziehen/").status_code == 404
    assert (
        client.post(f"/schulen/{school_a.number}/anfragen/{pk}/entscheiden/", {"decision": "accept"}).status_code == 404
    )
