"""HTML pieces of the self-contained report: no request leaves the file when it is opened.

plotly.js (4.8 MB) is embedded gzip-compressed and base64-encoded (2 MB) and unpacked by the
browser's own DecompressionStream (Chromium 80, Firefox 113, Safari 16.4): the bundled sample's
report stays well under 5 MB with every figure interactive. Figures are JSON specs drawn once
plotly.js is unpacked; images are inline data URIs.
"""

from __future__ import annotations

import base64
import gzip
import html
from functools import cache
from itertools import count
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

_ids = count()

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #1f2328; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
.muted { color: #59636e; } .small { font-size: .85rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .88rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .8rem; font-size: .8rem; font-weight: 600; }
.pass { background: #dafbe1; color: #116329; } .warn { background: #fff1c2; color: #7d4e00; }
.fail { background: #ffebe9; color: #a40e26; } .not_measured { background: #eaeef2; color: #424a53; }
.grid { display: flex; flex-wrap: wrap; gap: .8rem; }
.card { width: 140px; font-size: .78rem; word-break: break-all; }
.card img { width: 128px; height: 128px; object-fit: contain; image-rendering: pixelated; background: #f6f8fa; }
.missing { width: 128px; height: 128px; background: #f6f8fa; color: #59636e; display: flex; align-items: center;
  justify-content: center; }
.figure { min-height: 320px; } .figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); }
details { margin: .6rem 0; } summary { cursor: pointer; }
"""

LOADER = """
(async () => {
  const packed = document.getElementById('plotly-gz').textContent.trim();
  const bytes = Uint8Array.from(atob(packed), c => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  const script = document.createElement('script');
  script.textContent = await new Response(stream).text();
  document.head.appendChild(script);
  for (const div of document.querySelectorAll('div.figure')) {
    const spec = JSON.parse(document.getElementById(div.dataset.spec).textContent);
    Plotly.newPlot(div, spec.data, spec.layout, {displaylogo: false, responsive: true});
  }
  document.body.dataset.figures = 'ready';
})().catch(error => {
  document.body.dataset.figures = 'failed';
  document.getElementById('figures-note').textContent = 'Figures need a browser from 2023 or later: ' + error;
});
"""


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{body}<p id='figures-note' class='muted small'></p>"
        f"<script type='application/octet-stream' id='plotly-gz'>{packed_plotly()}</script>"
        f"<script>{LOADER}</script></body></html>\n"
    )


@cache
def packed_plotly() -> str:
    """plotly.js, gzip-compressed and base64-encoded (computed once per process)."""
    return base64.b64encode(gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


def figure(fig: go.Figure) -> str:
    """A div the loader draws `fig` into; its spec sits beside it as JSON (safe inside a script tag)."""
    spec_id = f"spec-{next(_ids)}"
    spec = fig.to_json().replace("</", "<\\/")
    holder = f"<div class='figure' data-spec='{spec_id}'></div>"
    return f"{holder}<script type='application/json' id='{spec_id}'>{spec}</script>"


def figures(figs: list[go.Figure]) -> str:
    return f"<div class='figures'>{''.join(figure(f) for f in figs)}</div>" if figs else ""


def image(png: Path | None, alt: str) -> str:
    if png is None:
        return f"<div class='missing' title='{escape(alt)}'>no preview</div>"
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='{escape(alt)}'>"


def card(png: Path | None, alt: str, caption: str) -> str:
    return f"<div class='card'>{image(png, alt)}<div>{caption}</div></div>"


def table(frame: pd.DataFrame, *, empty: str = "Nothing to show.") -> str:
    if frame.empty:
        return f"<p class='muted'>{escape(empty)}</p>"
    shown = frame.astype(object).where(frame.notna(), "")
    return shown.to_html(index=False, escape=True, border=0)


def badge(verdict: str, text: str | None = None) -> str:
    return f"<span class='badge {escape(verdict)}'>{escape(text or verdict.replace('_', ' '))}</span>"


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)
