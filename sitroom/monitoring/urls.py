from django.urls import path

from sitroom.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("monitoring/", views.index, name="index"),
    path("monitoring/<slug:slug>/", views.stream, name="stream"),
    path("monitoring/<slug:slug>/posts/<int:post_id>/", views.post_detail, name="post"),
    path("monitoring/<slug:slug>/posts/<int:post_id>/label/", views.post_label, name="post_label"),
    path(
        "monitoring/<slug:slug>/posts/<int:post_id>/escalate/",
        views.post_escalate,
        name="post_escalate",
    ),
    path("monitoring/<slug:slug>/posts/<int:post_id>/retry/", views.post_retry, name="post_retry"),
    path("monitoring/<slug:slug>/parked/", views.parked, name="parked"),
    path("monitoring/<slug:slug>/narratives/", views.narratives, name="narratives"),
    path(
        "monitoring/<slug:slug>/narratives/<int:narrative_id>/",
        views.narrative_detail,
        name="narrative",
    ),
    path(
        "monitoring/<slug:slug>/narratives/<int:narrative_id>/edit/",
        views.narrative_edit,
        name="narrative_edit",
    ),
    path(
        "monitoring/<slug:slug>/narratives/<int:narrative_id>/merge/",
        views.narrative_merge,
        name="narrative_merge",
    ),
    path(
        "monitoring/<slug:slug>/narratives/<int:narrative_id>/split/",
        views.narrative_split,
        name="narrative_split",
    ),
    path(
        "monitoring/<slug:slug>/narratives/<int:narrative_id>/escalate/",
        views.narrative_escalate,
        name="narrative_escalate",
    ),
    path("monitoring/<slug:slug>/sources/", views.sources, name="sources"),
    path(
        "monitoring/<slug:slug>/sources/<int:source_id>/toggle/",
        views.source_toggle,
        name="source_toggle",
    ),
    path("monitoring/<slug:slug>/sources/<int:source_id>/upload/", views.upload, name="upload"),
    path(
        "monitoring/<slug:slug>/sources/<int:source_id>/upload/columns/",
        views.upload_mapping,
        name="upload_mapping",
    ),
]
