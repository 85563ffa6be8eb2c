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

from importlib import import_module
from typing import Any

# Where each name of the package's interface is defined. They are imported on first use (PEP 562), so that a
# process needing one module (the Great Expectations validation process) does not import the renderers too.
_EXPORTS = {
    "Edition": "edition",
    "build_edition": "edition",
    "week_as_of": "edition",
    "build_pack": "pack",
    "publish_edition": "pack",
    "render_brief_html": "brief",
    "render_brief_pdf": "brief",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
