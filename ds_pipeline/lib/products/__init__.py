"""Products of the pipeline: the DSTWG weekly brief (HTML + PDF), the RWG dissemination pack (zip) and the monthly
area updates of the POA areas (English and Arabic, HTML + PDF).

- ``edition``: the publication data model and ``build_edition``; ``as_of``: the as-of selection of warehouse rows
- ``tables``: one module per published table (fields, HXL tags, disclosure spec); ``key_figures``;
  ``what_changed``; ``formatting``: how numbers, dates and suppressed cells are written
- ``disclosure``: small-count suppression, secondary suppression and rounding
- ``charts``: inline SVG charts (matplotlib); ``brief``: HTML (Jinja2) and PDF (WeasyPrint) rendering
- ``pack``: CSV + HXL, XLSX, datapackage.json, manifest, deterministic zip, and ``publish_edition``
- ``area_update`` (what an area update shows), ``area_changes`` (its "what changed" sentences), ``area_render``
  (HTML and PDF in a language) and ``area_publish`` (checks and publication of a month)
- ``expectations``, ``gates``, ``verify``: what must hold before anything is published
"""

from ds_pipeline.lib.products.brief import render_brief_html, render_brief_pdf
from ds_pipeline.lib.products.edition import Edition, build_edition, week_as_of
from ds_pipeline.lib.products.pack import build_pack, publish_edition

__all__ = [
    "Edition",
    "build_edition",
    "build_pack",
    "publish_edition",
    "render_brief_html",
    "render_brief_pdf",
    "week_as_of",
]
