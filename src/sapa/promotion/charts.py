"""Charts drawn on the server: one scene of shapes, written out as inline SVG or as a PNG.

The SVG needs no JavaScript and no style sheet (presentation attributes
only, which the Content-Security-Policy allows); it carries a <title> and a
<desc>, and every chart comes with its data as a table on the page and as
CSV (sapa.core.exports writes it). The PNG is drawn by Pillow from the same scene, so both always agree.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.html import escape
from PIL import Image, ImageDraw

from sapa.promotion import flyers

INK = "#1d2329"
MUTED = "#55606b"
GRID = "#d5dbe0"
SECOND = "#b35c00"


@dataclass
class Chart:
    key: str
    title: str
    columns: list  # CSV/table header
    rows: list  # CSV/table rows
    width: int = 640
    height: int = 300
    items: list = field(default_factory=list)  # the scene
    description: str = ""

    def rect(self, x, y, w, h, fill):
        self.items.append(("rect", x, y, w, h, fill))

    def line(self, x1, y1, x2, y2, stroke, width=1, dash=False):
        self.items.append(("line", x1, y1, x2, y2, stroke, width, dash))

    def poly(self, points, stroke, width=2):
        self.items.append(("poly", points, stroke, width))

    def text(self, x, y, text, size=12, fill=INK, anchor="start", bold=False):
        self.items.append(("text", x, y, str(text), size, fill, anchor, bold))


def colour(value, default: str = INK) -> str:
    """`value` when it is a #RRGGBB colour, else `default`: a library's colour is data, not markup."""
    return value if isinstance(value, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", value) else default


def _fmt(n) -> str:
    if isinstance(n, float):
        return f"{n:.1f}".replace(".", ",")
    return str(n)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Kinds of chart ---------------------------------------------------------------------------


def bars(key, title, rows, color, columns, label_chars=34) -> Chart:
    """Horizontal bars: rows of (label, value)."""
    row_h, top, label_w, value_w = 26, 12, 250, 56
    width = 640
    chart = Chart(key, title, columns, [list(r) for r in rows], width=width,
                  height=max(top * 2 + row_h * len(rows), 60))
    if not rows:
        chart.text(width / 2, 34, "—", size=14, fill=MUTED, anchor="middle")
        return chart
    biggest = max(value for _, value in rows) or 1
    bar_area = width - label_w - value_w - 10
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        chart.text(label_w - 8, y + 17, _truncate(str(label), label_chars), size=12, anchor="end")
        w = max(bar_area * value / biggest, 1 if value else 0)
        chart.rect(label_w, y + 4, w, row_h - 8, color)
        chart.text(label_w + w + 6, y + 17, _fmt(value), size=12, fill=MUTED)
    return chart


def pairs(key, title, rows, color, columns, legend) -> Chart:
    """Two bars per row: rows of (label, first, second); `legend` names first and second."""
    row_h, top, label_w, value_w = 40, 34, 200, 60
    width = 640
    chart = Chart(key, title, columns, [list(r) for r in rows], width=width,
                  height=max(top + 12 + row_h * len(rows), 80))
    chart.rect(label_w, 10, 12, 12, color)
    chart.text(label_w + 18, 21, legend[0], size=12)
    chart.rect(label_w + 180, 10, 12, 12, SECOND)
    chart.text(label_w + 198, 21, legend[1], size=12)
    if not rows:
        return chart
    biggest = max(max(a, b) for _, a, b, *_ in rows) or 1
    bar_area = width - label_w - value_w - 10
    for i, (label, first, second, *_rest) in enumerate(rows):
        y = top + i * row_h
        chart.text(label_w - 8, y + 22, _truncate(str(label), 26), size=12, anchor="end")
        for j, (value, fill) in enumerate(((first, color), (second, SECOND))):
            w = max(bar_area * value / biggest, 1 if value else 0)
            chart.rect(label_w, y + 4 + j * 16, w, 14, fill)
            chart.text(label_w + w + 6, y + 16 + j * 16, _fmt(value), size=11, fill=MUTED)
    return chart


def cumulative(key, title, points, capacity, color, columns, label) -> Chart:
    """A step line of (datetime, count) from the first to the last point, with the seats as a dashed line."""
    width, height = 640, 300
    left, right, top, bottom = 48, 16, 16, 40
    chart = Chart(key, title, columns, [[label(t), n] for t, n in points], width=width, height=height)
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([n for _, n in points] + [capacity, 1])
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        chart.line(left, y, width - right, y, GRID)
        chart.text(left - 6, y + 4, _fmt(round(peak * frac)), size=11, fill=MUTED, anchor="end")
    if not points:
        chart.text(width / 2, height / 2, "—", size=14, fill=MUTED, anchor="middle")
        return chart
    start, end = points[0][0], points[-1][0]
    span = max((end - start).total_seconds(), 1)

    def x_of(moment: datetime):
        return left + plot_w * (moment - start).total_seconds() / span

    def y_of(n):
        return top + plot_h * (1 - n / peak)

    if capacity:
        chart.line(left, y_of(capacity), width - right, y_of(capacity), SECOND, 1.5, dash=True)
        chart.text(width - right, y_of(capacity) - 5, _fmt(capacity), size=11, fill=SECOND, anchor="end")
    path = [(left, y_of(0))]
    for moment, n in points:
        x = x_of(moment)
        path.append((x, path[-1][1]))
        path.append((x, y_of(n)))
    chart.poly(path, color, 2.5)
    chart.text(left, height - 14, label(start), size=11, fill=MUTED)
    chart.text(width - right, height - 14, label(end), size=11, fill=MUTED, anchor="end")
    return chart


# --- Output ------------------------------------------------------------------------------------


def svg(chart: Chart, element_id: str = "") -> str:
    """Inline SVG: role=img, <title> and <desc>, scaled to the page's width."""
    ident = element_id or f"chart-{chart.key}"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width} {int(chart.height)}" '
           f'width="100%" role="img" aria-labelledby="{ident}-t {ident}-d" class="chart" '
           f'font-family="system-ui, sans-serif">',
           f'<title id="{ident}-t">{escape(chart.title)}</title>',
           f'<desc id="{ident}-d">{escape(chart.description or chart.title)}</desc>']
    for item in chart.items:
        kind = item[0]
        if kind == "rect":
            _, x, y, w, h, fill = item
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{escape(fill)}"/>')
        elif kind == "line":
            _, x1, y1, x2, y2, stroke, width, dash = item
            extra = ' stroke-dasharray="6 4"' if dash else ""
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{escape(stroke)}" '
                       f'stroke-width="{width}"{extra}/>')
        elif kind == "poly":
            _, points, stroke, width = item
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{escape(stroke)}" stroke-width="{width}" '
                       f'stroke-linejoin="round"/>')
        elif kind == "text":
            _, x, y, text, size, fill, anchor, bold = item
            weight = ' font-weight="700"' if bold else ""
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{escape(fill)}" '
                       f'text-anchor="{escape(anchor)}"{weight}>{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def png(chart: Chart, scale: int = 2) -> bytes:
    """The same scene drawn by Pillow, `scale` times larger, with the title on top."""
    head = 40
    img = Image.new("RGB", (chart.width * scale, (int(chart.height) + head) * scale), "white")
    draw = ImageDraw.Draw(img)
    draw.text((12 * scale, 12 * scale), chart.title, font=flyers.font(flyers.BOLD, 16 * scale), fill=INK)

    def pt(x, y):
        return (x * scale, (y + head) * scale)

    for item in chart.items:
        kind = item[0]
        if kind == "rect":
            _, x, y, w, h, fill = item
            if w > 0 and h > 0:
                draw.rectangle([pt(x, y), pt(x + w, y + h)], fill=fill)
        elif kind == "line":
            _, x1, y1, x2, y2, stroke, width, dash = item
            if dash:
                length = x2 - x1
                pos = 0
                while pos < length:
                    draw.line([pt(x1 + pos, y1), pt(min(x1 + pos + 6, x2), y2)], fill=stroke,
                              width=max(1, int(width * scale)))
                    pos += 10
            else:
                draw.line([pt(x1, y1), pt(x2, y2)], fill=stroke, width=max(1, int(width * scale)))
        elif kind == "poly":
            _, points, stroke, width = item
            draw.line([pt(x, y) for x, y in points], fill=stroke, width=max(1, int(width * scale)), joint="curve")
        elif kind == "text":
            _, x, y, text, size, fill, anchor, bold = item
            fnt = flyers.font(flyers.BOLD if bold else flyers.REGULAR, int(size * scale))
            pil_anchor = {"start": "ls", "middle": "ms", "end": "rs"}[anchor]
            draw.text(pt(x, y), text, font=fnt, fill=fill, anchor=pil_anchor)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
