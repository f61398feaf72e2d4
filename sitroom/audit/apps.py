from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sitroom.audit"
    label = "audit"
    verbose_name = "Audit log"
