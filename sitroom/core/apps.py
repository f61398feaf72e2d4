from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sitroom.core"
    label = "core"
    verbose_name = "Core"
