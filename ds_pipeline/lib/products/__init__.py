"""Products of the pipeline: the DSTWG weekly brief (HTML + PDF) and the RWG dissemination pack (zip).

- ``edition``: the as-of slice of the warehouse tables and the disclosure-protected publication tables
- ``disclosure``: small-count suppression, secondary suppression and rounding
- ``charts``: inline SVG charts (matplotlib)
- ``brief``: HTML (Jinja2) and PDF (WeasyPrint) rendering
- ``pack``: CSV + HXL, XLSX, datapackage.json, manifest, deterministic zip, and ``publish_edition``
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
