"""The operations page for staff: failed messages (send again), the scheduler's jobs, the background processes."""

from functools import wraps

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buergerbuero.background import jobs, selectors, services


def operator_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_operate(request.user):
            raise PermissionDenied(_("Diese Seite ist der Administration vorbehalten."))
        return view(request, *args, **kwargs)

    return wrapper


@operator_required
def index(request):
    now = timezone.now()
    return render(
        request,
        "background/index.html",
        {
            "failed": selectors.failed_messages(request.user)[:200],
            "jobs": selectors.job_states(jobs.JOBS),
            "health": selectors.readiness(now=now),
        },
    )


@require_POST
@operator_required
def resend(request, pk: int):
    message = selectors.message_for(request.user, pk)
    if message is None:
        raise Http404
    services.resend(message=message)
    flash.success(request, _("Die Nachricht an %(to)s wird erneut gesendet.") % {"to": message.recipient})
    return redirect("background:index")
