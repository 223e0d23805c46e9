"""What every chart shares: colours that stay apart with colour-vision deficiencies, markers and
line styles, the font (DejaVu Sans covers Turkish), the figure and the PNG it is saved as.
matplotlib is imported inside each function, so importing this stays cheap."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from conversations.history import SnapshotScore
from conversations.i18n import Localizer

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

# Paul Tol's "muted" scheme: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")
LINESTYLES = ("-", "--", "-.", ":")
# DejaVu Sans ships with matplotlib and covers Turkish (İ ı ğ ş), so no glyph goes missing
# whatever fonts the server has.
FONT = "DejaVu Sans"
DPI = 110
BASE_SIZE = 14
GRID = "#B0B0B0"
MUTED_TEXT = "#555555"
BANDS = ("#FAFAFA", "#EFEFEF")
DENSE = 12  # snapshots on the trend beyond which markers shrink and point labels thin out
# A white backing that keeps a label readable where lines cross it.
BACKING = {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}


def figure(width: float, height: float, *, constrained: bool = True) -> Figure:
    from matplotlib.figure import Figure

    return Figure(
        figsize=(width, height),
        dpi=DPI,
        facecolor="white",
        layout="constrained" if constrained else None,
    )


def font(size: float = BASE_SIZE, weight: str = "normal") -> FontProperties:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=FONT, size=size, weight=weight)


def png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(figure)
    raw = io.BytesIO()
    figure.savefig(raw, format="raw", dpi=DPI, facecolor="white")
    picture = Image.frombytes("RGBA", canvas.get_width_height(), raw.getvalue())
    # Flat colours and text compress well on a 256-colour palette: a third of the bytes of
    # full colour and no visible change. Dithering would only add noise around the text.
    palette = picture.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def two_lines(text: str, width: int = 15) -> str:
    """Break a long label at the space nearest its middle, so it takes at most two lines."""
    if len(text) <= width or " " not in text:
        return text
    middle = len(text) / 2
    cut = min((i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - middle))
    return f"{text[:cut]}\n{text[cut + 1 :]}"


def legend_label(snapshot: SnapshotScore, loc: Localizer) -> str:
    return loc._(
        "Snapshot {number} · {date}", number=snapshot.number, date=loc.date(snapshot.opened_on)
    )


def no_scores_note(ax: Axes, loc: Localizer) -> None:
    ax.text(
        0.5,
        0.5,
        loc._("No scores yet"),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontproperties=font(BASE_SIZE + 4),
        color=MUTED_TEXT,
        bbox={"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": GRID},
    )
