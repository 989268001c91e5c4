"""Pure planning: match, diff, video/playlist/channel changes (one typed model), safety
thresholds, quota notices; no I/O, no cache. ``ptsync.planner`` runs it.

Called, this package is the library's ``ptsync.plan(paths, options)`` (``ptsync.session.plan``;
see ``ptsync.entry`` for why).
"""

from ptsync.entry import make_callable

make_callable(__name__)
