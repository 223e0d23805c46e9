"""PNG charts of a team's scores: a radar of the latest snapshot and the trend over snapshots.

Rendered with matplotlib's object-oriented API on the Agg canvas — never ``pyplot``, whose global
figure registry is not thread-safe — and imported lazily, so importing this module stays cheap.
Fonts and colours are passed to each artist instead of set through ``rcParams``, which is global
state shared between threads.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

from bot.reports import chart_style as style
from bot.reports.chart_style import (
    BACKING,
    BANDS,
    BASE_SIZE,
    DENSE,
    FONT,
    GRID,
    LINESTYLES,
    MARKERS,
    MUTED_TEXT,
    PALETTE,
)
from conversations.history import SnapshotScore, scored
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

# ---------------------------------------------------------------------------------------- radar


def _radar_axes(figure: Figure) -> PolarAxes:
    """A square polar axes at a fixed place, leaving room for labels, title and legend.

    Placed by hand: constrained layout does not make room for the dimension labels, which are
    free text around the circle rather than tick labels.
    """
    width, height = figure.get_size_inches()
    side, bottom = 6.6, 1.75  # inches: the circle, and the legend plus labels below it
    ax = figure.add_axes(
        ((width - side) / 2 / width, bottom / height, side / width, side / height),
        projection="polar",
    )
    return cast("PolarAxes", ax)


def _radar_grid(ax: PolarAxes, questionnaire: Questionnaire, loc: Localizer) -> list[float]:
    """Draw the adoption bands, spokes and labels; return each dimension's angle."""
    count = len(questionnaire.dimensions)
    angles = [2 * math.pi * i / count for i in range(count)]
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, 100)
    # Lifting the centre off zero keeps "Missing" a visible ring instead of a point.
    ax.set_rorigin(-18)
    ax.set_facecolor("white")
    ax.spines["polar"].set_visible(False)
    ax.spines["inner"].set_edgecolor(GRID)  # matplotlib shows it once rorigin is set
    ax.grid(visible=False)
    ax.set_xticks([])
    ax.set_yticks([])

    rings = [value / 3 * 100 for value in range(4)]
    circle = [2 * math.pi * i / 180 for i in range(181)]
    for band, (inner, outer) in enumerate(itertools.pairwise(rings)):
        ax.fill_between(circle, inner, outer, color=BANDS[band % 2], zorder=0)
    for ring in rings:
        ax.plot(circle, [ring] * len(circle), color=GRID, linewidth=1, zorder=1)
    for angle in angles:
        ax.plot([angle, angle], [0, 100], color=GRID, linewidth=1, zorder=1)
    label_angle = math.pi / count  # between the first two spokes, away from the data points
    for ring, point in zip(rings, questionnaire.scale, strict=True):
        ax.text(
            label_angle,
            ring,
            loc._(point.label),
            ha="center",
            va="center",
            zorder=7,
            fontproperties=style.font(BASE_SIZE - 2),
            color=MUTED_TEXT,
            bbox=BACKING,
        )
    for angle, dimension in zip(angles, questionnaire.dimensions, strict=True):
        # Anchored on the side facing the circle, so each label grows away from it.
        across, up = math.sin(angle), math.cos(angle)
        ha = "left" if across > 0.1 else "right" if across < -0.1 else "center"
        va = "bottom" if up > 0.1 else "top" if up < -0.1 else "center"
        ax.text(
            angle,
            108,
            style.two_lines(loc._(dimension.title)),
            ha=ha,
            va=va,
            fontproperties=style.font(BASE_SIZE),
        )
    return angles


def _radar_shape(
    ax: PolarAxes,
    questionnaire: Questionnaire,
    angles: list[float],
    snapshot: SnapshotScore,
    loc: Localizer,
    *,
    latest: bool,
) -> None:
    """The latest snapshot filled with solid points, the one before it as a dashed outline."""
    color = PALETTE[1] if latest else PALETTE[0]
    values = [snapshot.result.dimensions.get(d.id) for d in questionnaire.dimensions]
    drawn = [value or 0.0 for value in values]
    closed_angles, closed_values = [*angles, angles[0]], [*drawn, drawn[0]]
    ax.plot(
        closed_angles,
        closed_values,
        color=color,
        linewidth=3 if latest else 2.5,
        linestyle="-" if latest else "--",
        zorder=4 if latest else 3,
        label=style.legend_label(snapshot, loc),
    )
    if latest:
        ax.fill(closed_angles, closed_values, color=color, alpha=0.22, zorder=2)
        known = [(a, v) for a, v in zip(angles, values, strict=True) if v is not None]
        ax.scatter([a for a, _ in known], [v for _, v in known], s=60, color=color, zorder=6)
    unknown = [a for a, v in zip(angles, values, strict=True) if v is None]
    if unknown:
        # Nobody could rate these: they sit at zero only to close the shape, and look it.
        ax.scatter(
            unknown,
            [0.0] * len(unknown),
            s=120,
            facecolor="white",
            edgecolor=color,
            linewidth=2.5,
            zorder=6,
            label=loc._("No score: nobody could say"),
        )


def radar_png(
    questionnaire: Questionnaire, history: Sequence[SnapshotScore], loc: Localizer
) -> bytes:
    """The latest scored snapshot's dimension scores, over the previous scored one if any."""
    figure = style.figure(11, 10, constrained=False)
    ax = _radar_axes(figure)
    angles = _radar_grid(ax, questionnaire, loc)
    with_scores = scored(history)
    if not with_scores:
        style.no_scores_note(ax, loc)
        return style.png(figure)

    latest = with_scores[-1]
    if len(with_scores) > 1:
        _radar_shape(ax, questionnaire, angles, with_scores[-2], loc, latest=False)
    _radar_shape(ax, questionnaire, angles, latest, loc, latest=True)

    level = questionnaire.level(latest.result.level)
    figure.suptitle(
        loc._("Level {number} · {name}", number=level.number, name=loc._(level.name)),
        y=0.968,
        fontproperties=style.font(BASE_SIZE + 8, "bold"),
    )
    if latest.result.overall is not None:
        figure.text(
            0.5,
            0.905,
            loc._(
                "Overall score {score} of 100", score=loc.number(round(latest.result.overall), 0)
            ),
            ha="center",
            va="center",
            fontproperties=style.font(BASE_SIZE + 2),
            color=MUTED_TEXT,
        )
    figure.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 0.015),
        ncols=1,
        frameon=False,
        prop=style.font(BASE_SIZE),
    )
    return style.png(figure)


# ---------------------------------------------------------------------------------------- trend


def _short_date(snapshot: SnapshotScore, loc: Localizer) -> str:
    return loc.date(snapshot.opened_on, "medium")


def _gapped(values: Iterable[float | None]) -> list[float]:
    """NaN where a snapshot has no value: matplotlib leaves a gap there rather than a zero."""
    return [math.nan if value is None else float(value) for value in values]


def _bridge(ax: Axes, values: Sequence[float], linewidth: float) -> None:
    """A dotted line across snapshots without scores: the trend reads on, the gap still shows."""
    points = [(x, value) for x, value in enumerate(values) if not math.isnan(value)]
    ax.plot(
        [x for x, _ in points],
        [v for _, v in points],
        color="black",
        linestyle=":",
        linewidth=linewidth,
        zorder=1,
    )


def _level_strip(
    ax: Axes, questionnaire: Questionnaire, history: Sequence[SnapshotScore], loc: Localizer
) -> None:
    ax.set_ylim(0.5, 4.5)
    for number in range(1, 5):
        ax.axhspan(number - 0.5, number + 0.5, color=BANDS[number % 2], zorder=0)
    # Names on the right, in the column the legend takes below, so the plots keep their width.
    ax.yaxis.tick_right()
    ax.set_yticks(range(1, 5))
    ax.set_yticklabels([loc._(level.name) for level in questionnaire.levels])
    ax.set_ylabel(loc._("Level"), fontproperties=style.font(BASE_SIZE))
    levels = _gapped(s.result.level if s.scored else None for s in history)
    _bridge(ax, levels, 1.5)
    ax.plot(
        range(len(history)),
        levels,
        color="black",
        linewidth=1.5,
        marker="s",
        markersize=13 if len(history) <= DENSE else 7,
        zorder=3,
    )


def _score_lines(
    ax: Axes, questionnaire: Questionnaire, history: Sequence[SnapshotScore], loc: Localizer
) -> None:
    xs = range(len(history))
    dense = len(history) > DENSE
    ax.set_ylim(-3, 106)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.grid(axis="y", color="#E3E3E3", linewidth=1)
    ax.set_ylabel(loc._("Score (0–100)"), fontproperties=style.font(BASE_SIZE))
    overall = _gapped(s.result.overall for s in history)
    _bridge(ax, overall, 2)
    # Drawn first so that it heads the legend.
    ax.plot(
        xs,
        overall,
        color="black",
        linewidth=4,
        marker="o",
        markersize=6 if dense else 11,
        zorder=4,
        label=loc._("Overall"),
    )
    for i, dimension in enumerate(questionnaire.dimensions):
        # Marker and dash pattern as well as colour, so lines stay apart in greyscale too.
        ax.plot(
            xs,
            _gapped(s.result.dimensions.get(dimension.id) for s in history),
            color=PALETTE[i % len(PALETTE)],
            linestyle=LINESTYLES[i % len(LINESTYLES)],
            marker=MARKERS[i % len(MARKERS)],
            linewidth=1.8,
            markersize=4 if dense else 8,
            zorder=2,
            label=loc._(dimension.title),
        )
    labelled = [x for x, value in zip(xs, overall, strict=True) if not math.isnan(value)]
    if dense:  # a number on every point would bury the lines: first and latest only
        labelled = labelled[:1] + labelled[-1:]
    for x in labelled:
        ax.annotate(
            loc.number(round(overall[x]), 0),
            (x, overall[x]),
            xytext=(0, 12),
            textcoords="offset points",
            ha="center",
            zorder=5,
            fontproperties=style.font(BASE_SIZE, "bold"),
            bbox=BACKING,
        )


def trend_png(
    questionnaire: Questionnaire, history: Sequence[SnapshotScore], loc: Localizer
) -> bytes:
    """Overall and dimension scores per snapshot, under a strip of the level each one reached."""
    figure = style.figure(12.5, 8)
    level_ax, score_ax = figure.subplots(2, 1, sharex=True, height_ratios=[1.25, 4])
    figure.suptitle(loc._("Scores over time"), fontproperties=style.font(BASE_SIZE + 6, "bold"))
    _level_strip(level_ax, questionnaire, history, loc)
    _score_lines(score_ax, questionnaire, history, loc)

    any_scores = bool(scored(history))
    for x, snapshot in enumerate(history):
        if snapshot.scored:
            continue
        for ax in (level_ax, score_ax):
            ax.axvspan(
                x - 0.3,
                x + 0.3,
                facecolor="#F3F3F3",
                hatch="//",
                edgecolor="#D0D0D0",
                linewidth=0,
                zorder=0,
            )
        if not any_scores:
            continue  # the "No scores yet" note says it once for the whole chart
        score_ax.text(
            x,
            50,
            loc._("No responses"),
            rotation=90,
            ha="center",
            va="center",
            fontproperties=style.font(BASE_SIZE - 1),
            color=MUTED_TEXT,
            zorder=2,
            bbox={"boxstyle": "square,pad=0.3", "facecolor": "#F3F3F3", "edgecolor": "none"},
        )

    # Long histories get every n-th label only, counted back from the latest snapshot.
    step = math.ceil(len(history) / 6) or 1
    score_ax.set_xticks(range(len(history)))
    score_ax.set_xticklabels(
        [
            loc._("Snapshot {number}", number=s.number) + "\n" + _short_date(s, loc)
            if (len(history) - 1 - i) % step == 0
            else ""
            for i, s in enumerate(history)
        ]
    )
    score_ax.set_xlim(-0.5, max(len(history), 1) - 0.5)
    for ax in (level_ax, score_ax):
        ax.set_facecolor("white")
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=BASE_SIZE - 1, labelfontfamily=FONT)
    level_ax.spines["left"].set_visible(False)
    figure.align_ylabels([level_ax, score_ax])
    if any_scores:
        score_ax.legend(
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            frameon=False,
            handlelength=3,
            prop=style.font(BASE_SIZE - 1),
        )
    else:
        style.no_scores_note(score_ax, loc)
    return style.png(figure)
