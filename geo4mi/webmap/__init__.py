"""Offline web maps: the interactive choropleth and the site map, as single HTML files.

:mod:`geo4mi.webmap.assets` inlines Leaflet and the project's own JS/CSS (``static/``);
:mod:`geo4mi.webmap.choropleth` draws estimates per borough; :mod:`geo4mi.webmap.sites`
draws interview sites.
"""
