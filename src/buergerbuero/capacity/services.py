"""Writes of the capacity app. Validation lives here so the admin, the API and the demo loader agree."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Sum
from django.utils.translation import gettext as _

from buergerbuero.capacity import rules
from buergerbuero.capacity.models import WEEKDAY_NAMES, ChannelShare, Closure, OpeningRule, RosterEntry


def validate_opening_rule(rule: OpeningRule) -> None:
    if rule.start_time and rule.end_time and rule.end_time <= rule.start_time:
        raise ValidationError({"end_time": _("Das Ende muss nach dem Beginn liegen.")})
    if rule.valid_from and rule.valid_to and rule.valid_to < rule.valid_from:
        raise ValidationError({"valid_to": _("„gültig bis“ liegt vor „gültig ab“.")})
    others = OpeningRule.objects.filter(office_id=rule.office_id, kind=rule.kind).exclude(pk=rule.pk)
    mine = rule.recurrence()
    for other in others:
        if rules.recurrences_collide(mine, other.recurrence()):
            raise ValidationError(
                {"start_time": _("Überschneidet sich mit der Regel „%(other)s“ derselben Art.") % {"other": other}}
            )


def validate_closure(closure: Closure) -> None:
    if closure.start_date and closure.end_date and closure.end_date < closure.start_date:
        raise ValidationError({"end_date": _("Die Schließung endet, bevor sie beginnt.")})


def validate_roster_entry(entry: RosterEntry) -> None:
    if entry.start_time and entry.end_time and entry.end_time <= entry.start_time:
        raise ValidationError({"end_time": _("Das Ende muss nach dem Beginn liegen.")})
    if not entry.counter_id:
        return  # the form reports the missing counter itself
    opening = [r.recurrence() for r in OpeningRule.objects.filter(office_id=entry.counter.office_id)]
    outside = rules.uncovered_weekdays(entry.recurrence(), opening)
    if outside:
        names = ", ".join(str(WEEKDAY_NAMES[d]) for d in outside)
        raise ValidationError(
            {"start_time": _("Der Dienst liegt außerhalb der Öffnungszeiten (%(days)s).") % {"days": names}}
        )
    clashes = RosterEntry.objects.filter(counter_id=entry.counter_id).exclude(pk=entry.pk)
    for other in clashes:
        if rules.recurrences_collide(entry.recurrence(), other.recurrence()):
            raise ValidationError(
                {"start_time": _("Dieser Schalter ist zu dieser Zeit schon besetzt (%(other)s).") % {"other": other}}
            )


def validate_channel_share(share: ChannelShare) -> None:
    others = (
        ChannelShare.objects.filter(office_id=share.office_id).exclude(pk=share.pk).exclude(channel=share.channel)
    ).aggregate(total=Sum("percent"))["total"] or 0
    if others + (share.percent or 0) > 100:
        raise ValidationError({"percent": _("Die Anteile aller Kanäle ergeben zusammen mehr als 100 %.")})


@transaction.atomic
def save_validated[M: Model](instance: M, validator: Callable[[M], None]) -> None:
    """Validate field rules and cross-row rules, then save; raises ValidationError and writes nothing on error."""
    instance.full_clean(validate_unique=True, validate_constraints=True)
    validator(instance)
    instance.save()
