from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "sitroom.monitoring"
    label = "monitoring"
