from django.urls import path

from sitroom.reports import api, webhooks

urlpatterns = [
    path("reports", api.report_create, name="reports-api-create"),
    path("reports/form", api.ReportFormInfoView.as_view(), name="reports-api-form"),
    path(
        "reports/<str:code>/answers",
        api.ReportAnswersView.as_view(),
        name="reports-api-answers",
    ),
    path("reports/gateway/<str:gateway>", webhooks.gateway_inbound, name="reports-gateway-inbound"),
    path(
        "reports/gateway/<str:gateway>/outbox",
        webhooks.gateway_outbox,
        name="reports-gateway-outbox",
    ),
]
