"""The HTML frame shared by the reports: plotly.js once, inline, in the head, so every figure
below it finds its library (a report opens offline and from a file:// URL)."""

from __future__ import annotations

import html
from functools import lru_cache

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1150px;margin:auto;
  padding:1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 7px;font-size:13px;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.box{border:1px solid #9bb;background:#f3f8f8;padding:.4em 1.1em;margin:1em 0;border-radius:4px}
.flag{border-left:4px solid #d08a00;background:#fff8e6;padding:.4em .9em;margin:.6em 0}
.warn{border:2px solid #c60;background:#fff4e5;padding:.5em 1em}
.headline{font-size:1.05em}
details{color:#555;font-size:.9em;margin:.3em 0 .6em}
details summary{cursor:pointer}
.caption{color:#555;font-size:.9em;margin:.2em 0}
.scroll{overflow-x:auto;max-width:100%}table.contrasts td{white-space:nowrap}
.refs li{font-size:.85em;color:#444}
"""


@lru_cache(maxsize=1)
def _plotlyjs() -> str:
    return get_plotlyjs()


def figure_div(fig: go.Figure, div_id: str | None = None) -> str:
    """A figure as a div and its plotting call; the library comes from the page head."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG,
                       div_id=div_id)


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML page: plotly.js inline in the head, then ``body``."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style>"
            f'<script type="text/javascript">{_plotlyjs()}</script></head>'
            f"<body>{body}</body></html>")
