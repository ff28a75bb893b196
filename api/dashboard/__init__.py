"""Contributor dashboard and editions pages (static HTML, vanilla JS and CSS; no build step)."""
