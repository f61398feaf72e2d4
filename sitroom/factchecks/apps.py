from django.apps import AppConfig


class FactchecksConfig(AppConfig):
    name = "sitroom.factchecks"
    label = "factchecks"
