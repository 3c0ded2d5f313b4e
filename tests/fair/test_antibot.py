import datetime as dt
import json
import threading

import altcha
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from buergerbuero.booking import antibot
from buergerbuero.booking.models import Appointment, UsedChallenge
from tests.factories import next_weekday
from tests.fair.conftest import at, solve

pytestmark = pytest.mark.django_db


def hold_body(day, hour=9, minute=0, **extra):
    return {
        "office": "test-office",
        "services": ["personalausweis"],
        "start": at(day, hour, minute).isoformat(),
    } | extra


def post_hold(client, body):
    return client.post("/api/holds", json.dumps(body), content_type="application/json")


def test_web_hold_without_proof_is_refused_and_changes_nothing(client, small_office):
    response = post_hold(client, hold_body(next_weekday(0)))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == "altcha"
    assert problem["code"] == "antibot_missing"
    assert problem["messages"]["de"] and problem["messages"]["en"]
    assert not Appointment.objects.exists()


def test_solved_challenge_buys_exactly_one_hold(client, small_office):
    day = next_weekday(0)
    payload = solve(client)
    first = post_hold(client, hold_body(day, 9, altcha=payload))
    assert first.status_code == 201, first.content
    replay = post_hold(client, hold_body(day, 10, altcha=payload))
    assert replay.status_code == 400
    assert replay.json()["code"] == "antibot_replayed"
    assert replay.json()["field"] == "altcha"
    assert Appointment.objects.count() == 1


def test_tampered_solution_is_refused(client, small_office):
    challenge = altcha.Challenge.from_dict(client.get("/api/antibot/challenge").json())
    wrong = altcha.Solution(counter=0, derived_key="00" * 32)  # no work done
    response = post_hold(client, hold_body(next_weekday(0), altcha=altcha.Payload(challenge, wrong).to_base64()))
    assert response.status_code == 400
    assert response.json()["code"] == "antibot"
    # A challenge we did not sign (difficulty lowered by the client) is refused as well.
    challenge.parameters.key_prefix = "0"
    challenge.parameters.key_signature = None
    solution = altcha.solve_challenge(challenge)
    response = post_hold(client, hold_body(next_weekday(0), altcha=altcha.Payload(challenge, solution).to_base64()))
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_garbage_payload_is_a_clear_400(client, small_office):
    for garbage in ("not-base64!", "e30=", "delay:forged"):
        response = post_hold(client, hold_body(next_weekday(0), altcha=garbage))
        assert response.status_code == 400, garbage
        assert response.json()["field"] == "altcha"


def test_expired_challenge_is_refused(client, small_office, settings):
    challenge = altcha.Challenge.from_dict(
        antibot.create_challenge(now=timezone.now() - dt.timedelta(minutes=settings.ALTCHA_EXPIRES_MINUTES + 1))
    )
    payload = altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()
    response = post_hold(client, hold_body(next_weekday(0), altcha=payload))
    assert response.status_code == 400
    assert response.json()["code"] == "antibot_expired"


def test_failed_hold_gives_the_proof_back(client, small_office):
    """A time taken by someone else must not cost the citizen a new proof-of-work."""
    small_office.counters.exclude(number=1).delete()
    day = next_weekday(0)
    assert post_hold(client, hold_body(day, 9, altcha=solve(client))).status_code == 201
    payload = solve(client)
    taken = post_hold(client, hold_body(day, 9, altcha=payload))
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken"
    assert post_hold(client, hold_body(day, 10, altcha=payload)).status_code == 201
    assert UsedChallenge.objects.count() == 2


def test_staff_channels_need_no_proof(client, small_office):
    client.force_login(User.objects.create_superuser("chef", "chef@example.org", "pw-123456789"))
    response = post_hold(client, hold_body(next_weekday(0), channel="phone"))
    assert response.status_code == 201, response.content


def test_antibot_can_be_switched_off_by_setting(client, small_office, settings):
    settings.ANTIBOT_REQUIRED = False
    assert post_hold(client, hold_body(next_weekday(0))).status_code == 201


def test_challenge_endpoint_is_not_cached(client):
    response = client.get("/api/antibot/challenge")
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert body["parameters"]["expiresAt"] > timezone.now().timestamp()
    assert client.get("/api/antibot/challenge").json()["signature"] != body["signature"]


def test_hmac_key_setting_changes_the_signature(client, small_office, settings):
    payload = solve(client)
    settings.ALTCHA_HMAC_KEY = "another-key-entirely"
    response = post_hold(client, hold_body(next_weekday(0), altcha=payload))
    assert response.status_code == 400


def test_delay_ticket_is_the_no_js_path(settings):
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 15
    issued = timezone.now()
    ticket = antibot.create_delay_ticket(now=issued)
    with pytest.raises(antibot.AntibotError) as early:
        antibot.redeem(payload=ticket, now=issued + dt.timedelta(seconds=5))
    assert early.value.code == "antibot_too_early"
    assert "Sekunden" in str(early.value.messages()["de"])
    antibot.redeem(payload=ticket, now=issued + dt.timedelta(seconds=15))
    with pytest.raises(antibot.AntibotError) as replay:
        antibot.redeem(payload=ticket, now=issued + dt.timedelta(seconds=20))
    assert replay.value.code == "antibot_replayed"
    late = antibot.create_delay_ticket(now=issued)
    with pytest.raises(antibot.AntibotError) as expired:
        antibot.redeem(payload=late, now=issued + dt.timedelta(minutes=settings.ALTCHA_EXPIRES_MINUTES))
    assert expired.value.code == "antibot_expired"


def test_delay_ticket_can_be_switched_off(settings):
    ticket = antibot.create_delay_ticket(now=timezone.now() - dt.timedelta(minutes=1))
    settings.ANTIBOT_NOJS_DELAY_SECONDS = -1
    with pytest.raises(antibot.AntibotError):
        antibot.redeem(payload=ticket)


def test_spent_proofs_are_cleaned_up_after_expiry(client, small_office, settings):
    UsedChallenge.objects.create(
        signature="old", expires_at=timezone.now() - dt.timedelta(minutes=1), used_at=timezone.now()
    )
    assert post_hold(client, hold_body(next_weekday(0), altcha=solve(client))).status_code == 201
    assert list(UsedChallenge.objects.values_list("signature", flat=True)) != ["old"]
    assert not UsedChallenge.objects.filter(signature="old").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_replay_lets_exactly_one_through():
    """Two requests with the same proof at the same moment, each in its own connection: one wins."""
    challenge = altcha.Challenge.from_dict(antibot.create_challenge())
    payload = altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()
    barrier = threading.Barrier(4)
    results = []

    def attempt():
        try:
            barrier.wait(timeout=30)
            antibot.redeem(payload=payload)
            results.append("ok")
        except antibot.AntibotError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["antibot_replayed"] * 3 + ["ok"]
    assert UsedChallenge.objects.count() == 1


# --- which proof the web forms offer -----------------------------------------------------------------------------


def antibot_block(client, office) -> str:
    html = client.get(f"/termine/{office.slug}/?services=personalausweis&persons=1").content.decode()
    return html[html.index("data-antibot") : html.index("</div>", html.index("data-antibot"))]


def test_the_time_list_offers_the_built_widget_by_default_and_the_ticket_only_without_javascript(
    client, small_office, settings
):
    if not (settings.FRONTEND_BUILD_DIR / "static" / "altcha" / "altcha.min.js").is_file():
        pytest.fail("the ALTCHA widget is not built: run scripts/build-frontend (make test does)")
    block = antibot_block(client, small_office)
    assert '<script type="module" src="/static/altcha/altcha.min.js">' in block
    assert 'auto="onload"' in block and 'challenge="/api/antibot/challenge"' in block
    assert 'language="de"' in block and "Sicherheitsprüfung abgeschlossen" in block  # the widget's texts
    noscript = block[block.index("<noscript>") :]
    assert 'name="altcha" value="delay:' in noscript  # the ticket is only for browsers without JavaScript
    assert 'value="delay:' not in block[: block.index("<noscript>")].replace('data-ticket="delay:', "")


def test_the_widget_url_can_be_set_or_switched_off(client, small_office, settings):
    """ "off" renders what a site without the npm build gets: the delay ticket as the only proof."""
    settings.ALTCHA_WIDGET_URL = "https://static.example.org/altcha/3.2.2/altcha.min.js"
    assert '<script type="module" src="https://static.example.org/altcha/3.2.2/altcha.min.js">' in antibot_block(
        client, small_office
    )
    settings.ALTCHA_WIDGET_URL = "off"
    block = antibot_block(client, small_office)
    assert "<altcha-widget" not in block and "<noscript>" not in block
    assert 'name="altcha" value="delay:' in block
