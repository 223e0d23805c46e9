"""A team's report as an A4 PDF, the document an executive would forward.

reportlab is imported inside the functions: the CLI imports this module at start-up, and most
commands never draw a PDF. reportlab has no type stubs, so its objects are ``Any`` here; mypy
flags an untyped module only at its first import in the file, hence the single ignore per module.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from conversations.report_view import PlanRow, ReportView, SectionKind

if TYPE_CHECKING:
    from conversations.i18n import Localizer

FONT = "DejaVuSans"
INK = "#1F2933"
MUTED = "#6B7280"
RULE = "#D5DAE1"
TINT = "#F2F4F7"
NEUTRAL = "#52606D"
UP, DOWN = "#2E7D4F", "#B4533C"
# One colour per level, warm (just starting) to green (optimized); muted enough to print well.
LEVEL_COLOURS = {1: "#B4533C", 2: "#B7791F", 3: "#2F6690", 4: "#2E7D4F"}
CM = 72 / 2.54
PAGE_WIDTH, PAGE_HEIGHT = 595.2756, 841.8898  # A4 in points
MARGIN = 2 * CM
WIDTH = PAGE_WIDTH - 2 * MARGIN


@cache
def _register_fonts() -> None:
    """Helvetica has no ğ, ş, ı, İ; DejaVu Sans ships with matplotlib, so it is always there."""
    import matplotlib
    from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

    directory = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = {(0, 0): "", (1, 0): "-Bold", (0, 1): "-Oblique", (1, 1): "-BoldOblique"}
    for (bold, italic), suffix in faces.items():
        pdfmetrics.registerFont(TTFont(FONT + suffix, str(directory / f"DejaVuSans{suffix}.ttf")))
        addMapping(FONT, bold, italic, FONT + suffix)


def _styles(level_colour: str) -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT  # type: ignore[import-untyped]
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]

    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13.5, textColor=INK)
    bold = base.clone("bold", fontName=FONT + "-Bold")
    bullet = base.clone("bullet", leftIndent=12, bulletIndent=1, spaceAfter=3, bulletFontName=FONT)
    return {
        "body": base,
        "title": bold.clone("title", fontSize=21, leading=26, spaceAfter=6),
        "date": base.clone("date", fontSize=11, leading=15),
        "meta": base.clone("meta", fontSize=9, leading=12.5, textColor=MUTED),
        "digit": bold.clone("digit", fontSize=40, leading=44, alignment=TA_CENTER),
        "level": bold.clone("level", fontSize=15, leading=20, textColor=level_colour),
        "key": bold.clone("key", fontSize=11, leading=15, spaceBefore=2),
        "h2": bold.clone("h2", fontSize=12.5, leading=16, spaceBefore=18, spaceAfter=6),
        "bullet": bullet,
        "quote": bullet.clone("quote", fontName=FONT + "-Oblique"),
        "fine": bullet.clone("fine", fontSize=8.5, leading=12, textColor=MUTED),
        "th": bold.clone("th", fontSize=8, leading=10, textColor=MUTED),
        "cell": base.clone("cell", leading=12),
        "num": bold.clone("num", leading=12, alignment=TA_RIGHT),
        "small": base.clone("small", fontSize=8, leading=10.5, textColor=MUTED),
        "box": base.clone("box", fontSize=12, leading=12, alignment=TA_CENTER),
    }


def _p(text: str, style: Any, bullet: str | None = None, **overrides: Any) -> Any:
    from reportlab.platypus import Paragraph  # type: ignore[import-untyped]

    if overrides:
        style = style.clone(style.name, **overrides)
    # Report lines carry free text people typed ("a < b & c"), and Paragraph reads markup.
    return Paragraph(escape(text), style, bulletText=bullet)


def _image(png: bytes, max_width: float, max_height: float) -> Any:
    from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
    from reportlab.platypus import Image

    width, height = ImageReader(io.BytesIO(png)).getSize()
    scale = min(max_width / width, max_height / height)
    return Image(io.BytesIO(png), width=width * scale, height=height * scale, hAlign="CENTER")


def _table(rows: list[list[Any]], widths: list[float], commands: list[tuple[Any, ...]]) -> Any:
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, hAlign="LEFT")
    # The cells' own font is Helvetica unless told otherwise, even under Paragraphs.
    base = [("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    table.setStyle(TableStyle([*base, *commands]))
    return table


def _level_block(view: ReportView, styles: dict[str, Any], colour: str) -> Any:
    digit = _p(str(view.level), styles["digit"], textColor="#FFFFFF")
    text = [_p(view.level_line, styles["level"]), _p(view.level_summary, styles["body"])]
    return _table(
        [[digit, text]],
        [2.6 * CM, WIDTH - 2.6 * CM],
        [
            ("BACKGROUND", (0, 0), (0, 0), colour),
            ("BACKGROUND", (1, 0), (1, 0), TINT),
            ("LEFTPADDING", (1, 0), (1, 0), 14),
            ("RIGHTPADDING", (1, 0), (1, 0), 14),
            ("TOPPADDING", (0, 0), (-1, -1), 12),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 12),
        ],
    )


def _bar(score: float | None, width: float, colour: str) -> Any:
    from reportlab.platypus import Table, TableStyle

    # Two table cells rather than a graphics Drawing, which would pull Helvetica into the PDF.
    filled = width * max(0.0, min(score or 0.0, 100.0)) / 100
    widths = [w for w in (filled, width - filled) if w > 0.5] or [width]
    bar = Table([[""] * len(widths)], colWidths=widths, rowHeights=[7])
    styles = [("FONTNAME", (0, 0), (-1, 0), FONT), ("BACKGROUND", (0, 0), (-1, 0), TINT)]
    if filled > 0.5:
        styles.append(("BACKGROUND", (0, 0), (0, 0), colour))
    bar.setStyle(TableStyle(styles))
    return bar


def _dimension_table(view: ReportView, loc: Localizer, styles: dict[str, Any], colour: str) -> Any:
    with_change = any(row.delta_text for row in view.dimensions)
    widths = [7.2 * CM, 1.3 * CM, 6.0 * CM] if with_change else [8 * CM, 1.3 * CM, 7.7 * CM]
    header = [_p(loc._("Dimension"), styles["th"]), _p(loc._("Score"), styles["th"]), ""]
    if with_change:
        widths.append(WIDTH - sum(widths))
        header.append(_p(loc._("Change"), styles["th"]))
    rows: list[list[Any]] = [header]
    for row in view.dimensions:
        cells = [
            _p(row.title, styles["cell"]),
            _p(row.score_text, styles["num"]),
            _bar(row.score, widths[2] - 18, colour),
        ]
        if with_change:
            delta = row.delta or 0
            tone = UP if delta > 0 else DOWN if delta < 0 else MUTED
            cells.append(_p(row.delta_text, styles["cell"], textColor=tone))
        rows.append(cells)
    return _table(
        rows,
        widths,
        [
            ("SPAN", (1, 0), (2, 0)),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
            ("LEFTPADDING", (2, 1), (2, -1), 12),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ],
    )


def _plan_table(plan: tuple[PlanRow, ...], styles: dict[str, Any]) -> Any:
    rows: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    for index, item in enumerate(plan):
        # Done items recede (grey text, green tick) so the eye lands on what is still open.
        tone = MUTED if item.done else INK
        box = _p("☑" if item.done else "☐", styles["box"], textColor=UP if item.done else INK)
        text = [_p(item.text, styles["cell"], textColor=tone)]
        if item.details:
            text.append(_p(item.details, styles["small"]))
        rows.append([box, _p(f"{item.number}.", styles["num"], textColor=tone), text])
        if item.done:
            commands.append(("BACKGROUND", (0, index), (-1, index), TINT))
    return _table(rows, [0.8 * CM, 1.1 * CM, WIDTH - 1.9 * CM], commands)


def _page_decoration(view: ReportView, loc: Localizer, colour: str) -> Any:
    def decorate(canvas: Any, document: Any) -> None:
        canvas.saveState()
        if document.page == 1:
            canvas.setFillColor(colour)
            canvas.rect(0, PAGE_HEIGHT - 8, PAGE_WIDTH, 8, stroke=0, fill=1)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, 1.5 * CM, PAGE_WIDTH - MARGIN, 1.5 * CM)
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        page = loc._("Page {number}", number=document.page)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 1.05 * CM, page)
        # Team names are free text: a long one is shortened rather than run into the page number.
        room = WIDTH - canvas.stringWidth(page, FONT, 8) - 1 * CM
        title = view.title
        if canvas.stringWidth(title, FONT, 8) > room:
            while title and canvas.stringWidth(title + "…", FONT, 8) > room:
                title = title[:-1]
            title += "…"
        canvas.drawString(MARGIN, 1.05 * CM, title)
        canvas.restoreState()

    return decorate


def _story(
    view: ReportView, loc: Localizer, colour: str, radar: bytes | None, trend: bytes | None
) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    styles = _styles(colour)
    # The date gets a line of its own, so it leaves the subtitle rather than show twice.
    subtitle = " · ".join(part for part in view.subtitle.split(" · ") if part != view.date_text)
    story: list[Any] = [
        _p(view.title, styles["title"]),
        _p(view.date_text, styles["date"]),
        _p(subtitle, styles["meta"]),
        Spacer(1, 18),
    ]
    if view.empty_note:
        note = _table(
            [[_p(view.empty_note, styles["key"])]],
            [WIDTH],
            [
                ("BACKGROUND", (0, 0), (0, 0), TINT),
                ("LEFTPADDING", (0, 0), (0, 0), 14),
                ("TOPPADDING", (0, 0), (0, 0), 12),
                ("BOTTOMPADDING", (0, 0), (0, 0), 12),
            ],
        )
        story += [note, Spacer(1, 10), _p(view.responses_line, styles["meta"])]
    else:
        story += [_level_block(view, styles, colour), Spacer(1, 12)]
        story += [_p(view.overall_line, styles["key"]), _p(view.responses_line, styles["meta"])]
        if view.level_change:
            story.append(_p(view.level_change, styles["key"], textColor=colour, spaceBefore=6))
        if radar:
            story += [Spacer(1, 14), _image(radar, 12.5 * CM, 11 * CM)]
        scores = view.section(SectionKind.SCORES)
        if view.dimensions:
            heading = _p(scores.heading if scores else "", styles["h2"])
            story.append(KeepTogether([heading, _dimension_table(view, loc, styles, colour)]))
    if trend:
        story += [Spacer(1, 18), _image(trend, WIDTH, 8.5 * CM)]
    # People's own words read as quotes; the snapshot list is for reference, so it stays quiet.
    line_styles = {
        SectionKind.NOTES: "quote",
        SectionKind.FREE_TEXT: "quote",
        SectionKind.HISTORY: "fine",
    }
    for section in view.sections:
        if section.kind == SectionKind.SCORES:
            continue
        heading = _p(section.heading, styles["h2"])
        if section.kind == SectionKind.PLAN and view.plan:
            # The table may split across pages; room for its heading and first rows is enough.
            story += [CondPageBreak(5 * CM), heading, _plan_table(view.plan, styles)]
            continue
        style = styles[line_styles.get(section.kind, "bullet")]
        body = [_p(line, style, bullet="•") for line in section.lines]
        # A heading never ends a page alone: it travels with its first line.
        story += [KeepTogether([heading, *body[:1]]), *body[1:]]
    return story


def report_pdf(
    view: ReportView, loc: Localizer, *, radar: bytes | None = None, trend: bytes | None = None
) -> bytes:
    """The report as PDF bytes; ``radar`` and ``trend`` are PNG charts, placed when given."""
    from reportlab.platypus import SimpleDocTemplate

    _register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=2.4 * CM,
        title=view.title,
        author="CSMM Bot",
        creator="CSMM Bot",
        subject=view.subtitle,
        lang=loc.locale,
        initialFontName=FONT,  # else every page also references Helvetica, unused
        invariant=1,  # no timestamps or random ids: the same report gives the same bytes
    )
    # Without answers the level means nothing, so the page takes no level's colour.
    colour = NEUTRAL if view.empty_note else LEVEL_COLOURS.get(view.level, NEUTRAL)
    decorate = _page_decoration(view, loc, colour)
    story = _story(view, loc, colour, radar, trend)
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
