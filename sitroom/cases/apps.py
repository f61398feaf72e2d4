from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "sitroom.cases"
    label = "cases"
