from django.urls import path

from sitroom.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.queue, name="queue"),
    path("cases/<int:pk>/", views.detail, name="detail"),
    path("cases/<int:pk>/assign/", views.assign, name="assign"),
    path("cases/<int:pk>/conflict/", views.conflict, name="conflict"),
    path("cases/<int:pk>/assess/", views.assess, name="assess"),
    path("cases/<int:pk>/decide/", views.decide, name="decide"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/unread.json", views.notification_badge, name="notification_badge"),
    path("criteria/", views.criteria, name="criteria"),
    path("register/", views.register, name="register"),
    path("register.json", views.register_json, name="register_json"),
    path("register.csv", views.register_csv, name="register_csv"),
    path("register/feed.atom", views.register_feed, name="register_feed"),
    path("register/<str:ref>/", views.register_detail, name="register_detail"),
    path("register/<str:ref>/appeal/", views.appeal, name="appeal"),
]
