from __future__ import annotations

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from sitroom.accounts.models import Role
from sitroom.accounts.selectors import organisation_for_member
from sitroom.audit.selectors import organisation_audit_events

CSV_COLUMNS = [
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object",
    "before",
    "after",
    "ip_hash",
    "channel",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: str) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ would be executed.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    organisation = organisation_for_member(request.user, slug, roles=[Role.ADMIN])
    events = organisation_audit_events(
        organisation, action=request.GET.get("action", ""), actor=request.GET.get("actor", "")
    )
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())

        def rows():  # type: ignore[no-untyped-def]
            yield writer.writerow(CSV_COLUMNS)
            for e in events.iterator(chunk_size=1000):
                yield writer.writerow(
                    [
                        _csv_safe(str(v))
                        for v in (
                            e.at.isoformat(),
                            e.actor_label,
                            e.action,
                            e.object_type,
                            e.object_id,
                            e.object_repr,
                            json.dumps(e.before, ensure_ascii=False),
                            json.dumps(e.after, ensure_ascii=False),
                            e.ip_hash,
                            e.channel,
                        )
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{organisation.slug}.csv"'
        return response
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"organisation": organisation, "page": page})
