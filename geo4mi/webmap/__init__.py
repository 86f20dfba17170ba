"""Offline web maps: the interactive choropleth and the site map, as single HTML files.

:mod:`geo4mi.webmap.assets` is the one rendering path (an ``OfflineMap`` folium subclass,
autoescaped page templates in ``templates/``, one script-safe JSON block per page, Leaflet
and the project's own JS/CSS in ``static/`` inlined); :mod:`geo4mi.webmap.choropleth` draws
estimates per borough; :mod:`geo4mi.webmap.sites` draws interview sites. Text from outside
the project is shown as text, never run as a template, markup or script.
"""
