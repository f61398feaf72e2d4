"""Hooks for other apps (alerting): sent once per processed batch, after commit.

from sitroom.monitoring.signals import post_processed

@receiver(post_processed)
def on_posts(sender, post_ids, **kwargs): ...
"""

from __future__ import annotations

import django.dispatch

# kwargs: post_ids (list[int]) of posts that just became visible to monitors.
post_processed = django.dispatch.Signal()
