"""A partner works for a municipality only while the contract is live (the clock is passed in as `now`).

On the last day of the contract the agent still books and reads the callers of that city; from the next day
on the partner books nothing there and reads none of that city's personal data (calls, callback tickets),
while the partner's lead keeps the aggregated numbers and statements for billing.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.callcenter import selectors, services
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import NotFound

BERLIN = ZoneInfo("Europe/Berlin")


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=BERLIN)


@pytest.fixture
def ended(world):
    """A call and a callback ticket made 60 days ago; the contract ends on `last_day`."""
    agent = world.viewer("agent")
    then = timezone.now() - dt.timedelta(days=60)
    call = services.log_call(
        viewer=agent,
        office=world.office,
        outcome="callback",
        duration_seconds=120,
        service=world.services["personalausweis"],
        caller_number="0234 123456",
        started_at=then,
    )
    ticket = services.create_ticket(
        viewer=agent,
        office=world.office,
        reason="Stand des Antrags",
        caller_name="Erika Muster",
        caller_phone="0234 123456",
        call=call,
        now=then,
    )
    last_day = timezone.localdate() - dt.timedelta(days=10)
    world.contract.ends_on = last_day
    world.contract.save()
    return call, ticket, last_day


@pytest.mark.parametrize("name", ["agent", "partner_lead"])
def test_the_partner_reads_callers_until_the_last_day_and_none_after_it(world, ended, name):
    call, ticket, last_day = ended
    v = world.viewer(name)
    on_last_day, day_after = noon(last_day), noon(last_day + dt.timedelta(days=1))
    assert list(selectors.calls(v, now=on_last_day)) == [call]
    assert list(selectors.tickets(v, now=on_last_day)) == [ticket]
    assert list(selectors.calls(v, now=day_after)) == []
    assert list(selectors.tickets(v, now=day_after)) == []
    with pytest.raises(NotFound):
        selectors.ticket(v, ticket.pk, now=day_after)


def test_the_municipality_keeps_its_tickets_after_the_contract_ended(world, ended):
    _call, ticket, last_day = ended
    day_after = noon(last_day + dt.timedelta(days=1))
    assert selectors.ticket(world.viewer("clerk"), ticket.pk, now=day_after) == ticket


def test_the_partner_channel_closes_the_day_after_the_contract_ends(world, ended):
    _call, _ticket, last_day = ended
    agent, office, covered = world.users["agent"], world.office, world.services["personalausweis"]

    def refusal(now, service=covered):
        return account_selectors.channel_refusal(agent, Channel.PARTNER, office=office, services=[service], now=now)

    assert refusal(noon(last_day)) is None
    assert refusal(noon(last_day + dt.timedelta(days=1))).code == "no_contract"
    assert refusal(noon(last_day), service=world.services["waffenschein"]).code == "not_covered"
    # Not an agent of a partner: the lead of the same call center does not book.
    lead = world.users["partner_lead"]
    assert not account_selectors.may_book_channel(
        lead, Channel.PARTNER, office=office, services=[covered], now=noon(last_day)
    )


def test_after_the_end_the_api_shows_the_partner_no_callers_but_the_lead_the_numbers(world, ended, client_for):
    call, ticket, _last_day = ended
    lead = client_for(world.users["partner_lead"])
    assert lead.get("/api/callcenter/callbacks?status=all").json() == []
    assert lead.get("/api/callcenter/calls").json() == []
    assert lead.get(f"/api/callcenter/callbacks/{ticket.pk}").status_code == 404
    since = (call.started_at - dt.timedelta(days=1)).date().isoformat()
    numbers = lead.get(f"/api/callcenter/contracts/{world.contract.pk}/numbers?from={since}&to={since[:4]}-12-31")
    assert numbers.status_code == 200
    assert numbers.json()["calls"] == 1 and numbers.json()["callbacks_open"] == 1
    agent = client_for(world.users["agent"])
    r = agent.get(f"/api/callcenter/availability?office={world.office.slug}&service=personalausweis&date={since}")
    assert r.status_code == 403 and r.json()["code"] == "no_contract"
