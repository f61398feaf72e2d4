from django.urls import path

from sitroom.audit import views

app_name = "audit"

urlpatterns = [path("orgs/<slug:slug>/audit/", views.audit_log, name="log")]
