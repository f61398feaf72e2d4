from django.urls import path

from sitroom.reports import views

app_name = "reports"

urlpatterns = [
    path("report/", views.report_form, name="form"),
    path("report/sent/<str:code>/", views.report_sent, name="sent"),
    path("report/<str:code>/contact/", views.report_contact, name="contact"),
    path("track/", views.track_lookup, name="track"),
    path("track/<str:code>/", views.track_detail, name="track_detail"),
]
