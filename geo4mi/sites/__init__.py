"""Site mapping: where to interview, and how many interviews to plan in each borough.

One concept, four modules, each a stage of the site-mapping flow:

- :mod:`geo4mi.sites.reading` — read, check and place candidate sites (CSV or vector file),
  merge workshop GeoJSON back, write the sites table;
- :mod:`geo4mi.sites.plan` — allocate interviews to boroughs in proportion to a measure
  (census, CSV or raster), read and write plan tables;
- :mod:`geo4mi.sites.raster` — zonal sums of a population raster, distance to the nearest
  site, population within a site's catchment;
- :mod:`geo4mi.sites.pixel_runs` — the pixel-centre rule as runs of pixels per row (the
  engine of :func:`geo4mi.sites.raster.zonal_stats`).

The site map itself (HTML) is drawn by :mod:`geo4mi.webmap.sites` from these tables. The
reading module's public names are re-exported here, so ``from geo4mi.sites import
read_sites`` keeps working.

Examples
--------
>>> from geo4mi.boundaries import load_areas
>>> len(read_sites(BUNDLED_SITES, load_areas()))
33
"""

from __future__ import annotations

from geo4mi.errors import SitesError
from geo4mi.sites.reading import (
    BUNDLED_SITES,
    COLUMNS,
    DEFAULT_MAX_IMPORT,
    IMPORT_STATUSES,
    NAME_MAX_CHARS,
    NOTES_MAX_CHARS,
    OUTPUT_COLUMNS,
    SITE_TYPES,
    areas_with_sites,
    import_lines,
    import_sites,
    import_summary,
    parse_type,
    place_sites,
    read_sites,
    read_workshop_geojson,
    type_label,
    write_sites_csv,
)

__all__ = [
    "BUNDLED_SITES", "COLUMNS", "DEFAULT_MAX_IMPORT", "IMPORT_STATUSES", "NAME_MAX_CHARS",
    "NOTES_MAX_CHARS", "OUTPUT_COLUMNS", "SITE_TYPES", "SitesError", "areas_with_sites",
    "import_lines", "import_sites", "import_summary", "parse_type", "place_sites", "read_sites",
    "read_workshop_geojson", "type_label", "write_sites_csv",
]
