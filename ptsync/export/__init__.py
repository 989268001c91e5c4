"""``ptsync export``: manifests and catalogues for videos that already exist."""
