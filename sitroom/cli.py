"""The `sitroom` command: Django's management commands with sitroom's settings.

`sitroom run`, `sitroom worker`, `sitroom demo`, `sitroom match`, `sitroom classify`,
`sitroom train`, `sitroom migrate`, ... (`sitroom help` lists them all).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sitroom.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads settings so a bad value fails here, clearly
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"sitroom: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
