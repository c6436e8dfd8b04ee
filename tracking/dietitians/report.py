"""The one-page PDF report a member can bring to a doctor (and their dietitian exports):
profile context, plans, a 12-week adherence chart and flags."""

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
    styles = getSampleStyleSheet()
    story = [
        Paragraph(f"Ossa report: {client.display_name or client.email}", styles["Title"]),
        Paragraph(_context_line(client, data), styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph("Plans", styles["Heading2"]),
        _plans_table(data["regimens"]),
        Paragraph("Adherence, last 12 weeks (PDC %)", styles["Heading2"]),
        _chart(data["chart"]),
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
    SimpleDocTemplate(out, pagesize=A4, topMargin=14 * mm, bottomMargin=14 * mm).build(story)
    return out.getvalue()


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


def _chart(chart: dict) -> Drawing:
    drawing = Drawing(170 * mm, 60 * mm)
    series = [s for s in chart["series"] if any(v is not None for v in s["values"])]
    if not series:
        drawing.add(String(10, 80, "No adherence computed yet.", fontSize=10))
        return drawing
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 30, 20, 120 * mm, 45 * mm
    plot.data = [[(i, v) for i, v in enumerate(s["values"]) if v is not None] for s in series]
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, 100
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, len(chart["weeks"]) - 1
    plot.xValueAxis.valueSteps = list(range(len(chart["weeks"])))
    plot.xValueAxis.labelTextFormat = lambda i: chart["weeks"][int(i)]
    for index, _ in enumerate(series):
        plot.lines[index].strokeColor = PALETTE[index % len(PALETTE)]
        plot.lines[index].strokeWidth = 1.5
    drawing.add(plot)
    for index, s in enumerate(series):
        y = 60 * mm - 8 - index * 10
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
