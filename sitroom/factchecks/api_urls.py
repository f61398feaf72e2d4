from django.urls import path

from sitroom.factchecks import api

urlpatterns = [
    path("factchecks", api.factcheck_list, name="api-factchecks"),
    path("factchecks/match", api.factcheck_match, name="api-factchecks-match"),
    path("factchecks/claims", api.claim_list, name="api-factchecks-claims"),
    path("factchecks/claims/<int:claim_id>", api.claim_detail, name="api-factchecks-claim"),
    path(
        "factchecks/claims/<int:claim_id>/check",
        api.claim_check,
        name="api-factchecks-claim-check",
    ),
]
