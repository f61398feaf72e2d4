from django.urls import path

from sitroom.factchecks import views

app_name = "factchecks"

urlpatterns = [
    path("factchecks/", views.public_list, name="public_list"),
    path("factchecks/claimreview.json", views.claimreview_feed, name="claimreview_feed"),
    path("factchecks/feed.atom", views.atom_feed, name="atom_feed"),
    path("factchecks/claims/", views.claim_queue, name="queue"),
    path("factchecks/claims/<int:claim_id>/", views.claim_detail, name="claim_detail"),
    path("factchecks/claims/<int:claim_id>/check/", views.claim_check, name="claim_check"),
    path(
        "factchecks/claims/<int:claim_id>/checks/<int:check_id>/stop/",
        views.claim_uncheck,
        name="claim_uncheck",
    ),
    path("factchecks/claims/<int:claim_id>/merge/", views.claim_merge, name="claim_merge"),
    path("factchecks/claims/<int:claim_id>/comment/", views.claim_comment, name="claim_comment"),
    path("factchecks/claims/<int:claim_id>/articles/new/", views.article_new, name="article_new"),
    path("factchecks/articles/<int:article_id>/", views.article_detail, name="article_detail"),
    path(
        "factchecks/articles/<int:article_id>/translation/",
        views.article_translation,
        name="article_translation",
    ),
    path("factchecks/articles/<int:article_id>/join/", views.article_join, name="article_join"),
    path(
        "factchecks/articles/<int:article_id>/invite/", views.article_invite, name="article_invite"
    ),
    path(
        "factchecks/articles/<int:article_id>/comment/",
        views.article_comment,
        name="article_comment",
    ),
    path(
        "factchecks/articles/<int:article_id>/<slug:action>/",
        views.article_action,
        name="article_action",
    ),
    path("factchecks/import/", views.import_page, name="import"),
    path("factchecks/<slug:slug>/", views.public_detail, name="public_detail"),
]
