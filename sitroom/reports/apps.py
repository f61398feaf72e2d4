from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "sitroom.reports"
    label = "reports"
