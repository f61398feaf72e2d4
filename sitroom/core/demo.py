"""The demo coalition: organisations and people in every role, in several languages.

Each app may add sample content with a ``demo.py`` module exposing ``load(coalition)``;
`sitroom demo` calls them in INSTALLED_APPS order, after this one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django_otp.plugins.otp_totp.models import TOTPDevice

from sitroom.accounts.models import Organisation, OrganisationKind, Role
from sitroom.accounts.services import membership_grant, organisation_create

DEMO_PASSWORD = "demo-sitroom-2026"  # noqa: S105 - published demo credential, demo data only
# A published TOTP key for the demo accounts that need two-step verification.
DEMO_TOTP_KEY_B32 = "KNUXI4TPN5WSAZDFNVXSA23FPEQGM33S"

ORGANISATIONS = [
    ("cen", "Commission électorale nationale", OrganisationKind.EMB, "CI"),
    ("factcheck-afrique", "FactCheck Afrique", OrganisationKind.FACT_CHECKER, "CI"),
    ("verifica-sur", "Verifica Sur", OrganisationKind.FACT_CHECKER, "AR"),
    ("checagem-br", "Checagem Brasil", OrganisationKind.FACT_CHECKER, "BR"),
    ("sauti-watch", "Sauti Watch", OrganisationKind.CIVIL_SOCIETY, "KE"),
    ("al-haqiqa", "Al-Haqiqa Media", OrganisationKind.MEDIA, "TN"),
    ("connectsocial", "ConnectSocial (platform)", OrganisationKind.PLATFORM, ""),
    ("dpi", "Democracy Partners International", OrganisationKind.INTERNATIONAL, ""),
]

# username, organisation slug, roles, preferred language
PEOPLE = [
    ("sara", "cen", [Role.ADMIN], "fr"),
    ("jean", "cen", [Role.REVIEWER], "fr"),
    ("grace", "sauti-watch", [Role.REVIEWER], "sw"),
    ("omar", "al-haqiqa", [Role.REVIEWER], "ar"),
    ("leila", "al-haqiqa", [Role.REVIEWER], "ar"),
    ("lucia", "verifica-sur", [Role.FACT_CHECKER], "es"),
    ("marta", "verifica-sur", [Role.ADMIN, Role.FACT_CHECKER], "es"),
    ("kofi", "factcheck-afrique", [Role.FACT_CHECKER], "fr"),
    ("ana", "checagem-br", [Role.FACT_CHECKER], "pt"),
    ("kwame", "sauti-watch", [Role.MONITOR], "sw"),
    ("nadia", "dpi", [Role.ANALYST], "en"),
    ("tom", "connectsocial", [Role.VIEWER], "en"),
    ("vera", "cen", [Role.VIEWER], "en"),
]


@dataclass
class Coalition:
    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, AbstractBaseUser] = field(default_factory=dict)


def load_people() -> Coalition:
    user_model = get_user_model()
    coalition = Coalition()
    for slug, name, kind, country in ORGANISATIONS:
        org = Organisation.objects.filter(slug=slug).first() or organisation_create(
            name=name, slug=slug, kind=kind, country=country
        )
        coalition.organisations[slug] = org
    totp_key_hex = base64.b32decode(DEMO_TOTP_KEY_B32).hex()
    for username, slug, roles, _lang in PEOPLE:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=username, email=f"{username}@demo.invalid", password=DEMO_PASSWORD
            )
        for role in roles:
            membership_grant(user=user, organisation=coalition.organisations[slug], role=role)
        if not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="demo", key=totp_key_hex, confirmed=True)
        coalition.users[username] = user
    return coalition
