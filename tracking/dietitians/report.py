"""The one-page PDF report a member can bring to a doctor (and their dietitian exports):
profile context, plans, 12-week adherence and nutrient charts, what each nutrient adds up to
and from which products, and flags."""

from __future__ import annotations

import io

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import clients

PALETTE = [colors.HexColor(c) for c in ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")]


def client_report(client) -> bytes:
    data = clients.summary(client)
    styles = _styles()
    story = [
        Paragraph(f"Ossa report: {client.display_name or client.email}", styles["Title"]),
        Paragraph(_context_line(client, data), styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph("Plans", styles["Heading2"]),
        _plans_table(data["regimens"]),
        Paragraph("Adherence, last 12 weeks (PDC %)", styles["Heading2"]),
        _chart(data["chart"], 0, 100, height=36 * mm),
        Paragraph(
            "Nutrients from supplements, last 12 weeks (a day on average, % of the reference)",
            styles["Heading2"],
        ),
        _chart(data["nutrient_chart"], 0, 200, height=34 * mm),
        _nutrient_table(data),
        Paragraph("Flags", styles["Heading2"]),
        *_flag_lines(data["flags"], styles),
        Spacer(1, 4 * mm),
        Paragraph(
            "Ossa informs; it does not diagnose or prescribe. Generated "
            f"{clients.report_date():%d %B %Y}.",
            styles["Italic"],
        ),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, topMargin=10 * mm, bottomMargin=10 * mm).build(story)
    return out.getvalue()


def _styles():
    """The sample styles, a size smaller: everything fits one page."""
    styles = getSampleStyleSheet()
    styles["Heading2"].fontSize, styles["Heading2"].leading = 11, 13
    styles["Heading2"].spaceBefore, styles["Heading2"].spaceAfter = 6, 3
    styles["Normal"].fontSize, styles["Normal"].leading = 8, 10
    return styles


def _context_line(client, data: dict) -> str:
    profile = data["profile"]
    age = profile.age
    parts = [
        f"Age {age}" if age is not None else "Age not given",
        profile.get_sex_display() or "sex not given",
        f"life stage: {data['life_stage']}",
        f"menopause: {profile.get_menopause_status_display().lower()}",
        f"time zone {profile.timezone}",
    ]
    return "; ".join(parts) + "."


def _plans_table(regimens) -> Table:
    rows = [["Product", "Schedule", "From", "Until"]]
    for r in regimens:
        schedule = r.get_schedule_kind_display()
        if r.times:
            schedule += " at " + ", ".join(r.times)
        until = r.end_date.isoformat() if r.end_date else "ongoing"
        rows.append([r.product.name, schedule, r.start_date.isoformat(), until])
    if len(rows) == 1:
        rows.append(["No plans yet", "", "", ""])
    table = Table(rows, colWidths=[70 * mm, 55 * mm, 25 * mm, 25 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return table


def _chart(chart: dict, low: float, high: float, height: float) -> Drawing:
    drawing = Drawing(170 * mm, height)
    series = [s for s in chart["series"] if any(v is not None for v in s["values"])]
    if not series:
        drawing.add(String(10, height / 2, "Nothing computed yet.", fontSize=10))
        return drawing
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 30, 20, 120 * mm, height - 15 * mm
    plot.data = [
        [(i, min(v, high)) for i, v in enumerate(s["values"]) if v is not None] for s in series
    ]
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = low, high
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, len(chart["weeks"]) - 1
    plot.xValueAxis.valueSteps = list(range(len(chart["weeks"])))
    plot.xValueAxis.labelTextFormat = lambda i: chart["weeks"][int(i)]
    for index, _ in enumerate(series):
        plot.lines[index].strokeColor = PALETTE[index % len(PALETTE)]
        plot.lines[index].strokeWidth = 1.5
    drawing.add(plot)
    for index, s in enumerate(series):
        y = height - 8 - index * 10
        drawing.add(
            String(
                130 * mm + 40,
                y,
                s["label"][:28],
                fontSize=7,
                fillColor=PALETTE[index % len(PALETTE)],
            )
        )
    return drawing


def _nutrient_table(data: dict) -> Table:
    """Each group's latest-week daily average against reference and upper limit, and the
    products that gave it over the last 4 weeks."""
    gave: dict[str, list[str]] = {}
    for entry in data["nutrient_products"]:
        for name, amount in entry["amounts"].items():
            if amount > 0:
                gave.setdefault(name, []).append(entry["product"])
    rows = [["Nutrient", "A day (latest week)", "Reference", "Upper limit", "From"]]
    for row in data["nutrient_chart"]["table"]:
        unit = row["unit"]
        rows.append(
            [
                row["label"],
                f"{_number(row['per_day'][-1])} {unit}",
                f"{_number(row['intake'])} {unit}" if row["intake"] else "none",
                f"{_number(row['upper_limit'])} {unit}" if row["upper_limit"] else "none",
                ", ".join(gave.get(row["nutrient"], []))[:60] or "-",
            ]
        )
    table = Table(rows, colWidths=[25 * mm, 32 * mm, 25 * mm, 25 * mm, 68 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _number(value) -> str:
    rounded = round(float(value), 1)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.1f}"


def _flag_lines(flags, styles) -> list:
    active = [f for f in flags if f.resolved_at is None]
    if not active:
        return [Paragraph("No active flags.", styles["Normal"])]
    return [
        Paragraph(
            f"<b>{f.severity.upper()}</b> {f.title}: {f.explanation} ({f.source})", styles["Normal"]
        )
        for f in active
    ]
