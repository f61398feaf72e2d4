from django.urls import path

from sitroom.monitoring import api

urlpatterns = [
    path("posts", api.posts_push_view, name="monitoring-api-posts"),
]
