"""The huddle dashboard: the huddle's headline figures and charts on screen.

It shows the very :class:`~discharge_hub.reports.huddle_data.HuddleFigures` the
printed report is made from, fetched on a worker by the task runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape
from typing import cast

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from discharge_hub import clock
from discharge_hub.reports.huddle_data import Count, EquityRow, HuddleFigures, huddle_figures
from discharge_hub.services.reference_lists import site_names
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.ui.widgets import ComboBox, DayEdit

ALL_SITES = "All sites"


def chosen_site(combo: QComboBox) -> str | None:
    """The site a dashboard's site list names (None for all sites)."""
    text = combo.currentText()
    return None if text == ALL_SITES else text


def fill_sites(combo: QComboBox, names: Sequence[str]) -> None:
    """The site list: all sites, then ``names``; the chosen site kept if still there."""
    current = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItems([ALL_SITES, *names])
    combo.setCurrentText(current if current in names else ALL_SITES)
    combo.blockSignals(False)


NHS_BLUE = QColor("#005EB8")
# (figure attribute, caption) for the headline tiles, in the printed report's order.
TILES: tuple[tuple[str, str], ...] = (
    ("inpatients", "Inpatients"),
    ("edd_missing", "EDD missing"),
    ("edd_passed", "EDD passed"),
    ("nctr", "Ready for discharge (NCTR)"),
    ("nctr_delay_days", "NCTR delay days"),
    ("expected_today", "Expected today"),
    ("expected_tomorrow", "Expected tomorrow"),
    ("discharged_previous_day", "Discharged yesterday"),
    ("los_7plus", "LOS 7+"),
    ("los_14plus", "LOS 14+"),
    ("los_21plus", "LOS 21+"),
    ("placements_waiting", "Placements waiting"),
    ("hub_no_carer_contact", "P1–P3 no carer contact"),
)


class _Tile(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.value = QLabel("–")
        font = self.value.font()
        font.setPointSize(font.pointSize() + 8)
        font.setBold(True)
        self.value.setFont(font)
        caption_label = QLabel(caption)
        caption_label.setWordWrap(True)
        layout.addWidget(self.value)
        layout.addWidget(caption_label)


def _bar_chart(title: str, horizontal: bool = False) -> tuple[QChartView, QChart]:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().hide()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    view.setProperty("horizontal", horizontal)
    return view, chart


def scrolling(*parts: QLayout) -> QScrollArea:
    """The parts one under the other in a scroll area: in a small or half-width window
    the charts keep room for their labels and the rest scrolls (charts take the slack)."""
    body = QWidget()
    layout = QVBoxLayout(body)
    layout.setContentsMargins(0, 0, 0, 0)
    for n, part in enumerate(parts):
        layout.addLayout(part, 1 if n == 1 else 0)
    area = QScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(body)
    return area


def category_tooltips(series: QAbstractBarSeries, texts: Sequence[str]) -> None:
    """Hovering a bar shows its category's whole text and value (labels may be codes)."""

    def hovered(status: bool, index: int, bars: QBarSet) -> None:
        if status and 0 <= index < len(texts):
            QToolTip.showText(QCursor.pos(), f"{texts[index]}: {int(bars.at(index))}")
        else:
            QToolTip.hideText()

    series.hovered.connect(hovered)


# Room per bar of a horizontal chart, so a category's label is never cut to "…".
ROW_HEIGHT = 20
CHART_CHROME = 90  # title, value axis and margins


class HuddleDashboard(QWidget):
    """Tiles, three charts and the equity table for one day and site."""

    figures_shown = Signal(object)  # the HuddleFigures now on screen
    print_requested = Signal(object, object)  # date, site name or None

    def __init__(self, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Huddle dashboard")
        self.runner = runner
        self.figures: HuddleFigures | None = None
        self.date_edit = DayEdit(clock.today(), latest=clock.today())
        self.site_combo = ComboBox()
        self.site_combo.addItem(ALL_SITES)
        refresh = QPushButton("R&efresh")
        refresh.clicked.connect(self.refresh)
        print_button = QPushButton("Pri&nt huddle report…")
        print_button.clicked.connect(self._on_print_clicked)
        self.status = QLabel()
        bar = QHBoxLayout()
        for widget in (QLabel("Date:"), self.date_edit, QLabel("Site:"), self.site_combo, refresh):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addWidget(print_button)

        self.tiles: dict[str, _Tile] = {}
        grid = QGridLayout()
        for i, (key, caption) in enumerate(TILES):
            self.tiles[key] = _Tile(caption)
            grid.addWidget(self.tiles[key], i // 7, i % 7)

        self.reason_view, self.reason_chart = _bar_chart("NCTR by delay reason", horizontal=True)
        self.pathway_view, self.pathway_chart = _bar_chart("NCTR by pathway")
        self.los_view, self.los_chart = _bar_chart("Length of stay (inpatients)")
        charts = QHBoxLayout()
        for view in (self.reason_view, self.pathway_view, self.los_view):
            charts.addWidget(view)
        self.equity = QLabel()
        self.equity.setTextFormat(Qt.TextFormat.RichText)
        self.equity.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.red2green = QLabel()
        self.red2green.setTextFormat(Qt.TextFormat.RichText)
        self.red2green.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.red2green.setAccessibleName("Red2Green: red days by ward and the top reasons")

        outer = QVBoxLayout(self)
        outer.addLayout(bar)
        outer.addWidget(scrolling(grid, charts, self._lower()), 1)
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        self.site_combo.currentIndexChanged.connect(lambda _i: self.refresh())

    def _lower(self) -> QVBoxLayout:
        # One under the other: side by side they were wider than a laptop's window, so
        # the whole page scrolled sideways and cut the tiles, charts and tables.
        lower = QVBoxLayout()
        lower.addWidget(self.equity)
        lower.addWidget(self.red2green)
        return lower

    # -- loading --------------------------------------------------------------------------
    @property
    def day(self) -> date:
        return self.date_edit.day()

    @property
    def site(self) -> str | None:
        return chosen_site(self.site_combo)

    def load_sites(self) -> None:
        if self.runner is None or self.runner.database is None:
            return
        self.runner.read(
            "listing the sites",
            site_names,
            self.set_sites,
        )

    def set_sites(self, names: Sequence[str]) -> None:
        fill_sites(self.site_combo, names)

    def on_new_day(self, today: date) -> None:
        """Midnight: the new day can be chosen, and a dashboard that showed the day before
        ("today" then) shows the new one."""
        showing_yesterday = self.day == today - timedelta(days=1)
        self.date_edit.setMaximumDate(QDate(today))  # type: ignore[call-overload]
        if showing_yesterday:
            self.date_edit.setDate(QDate(today))  # type: ignore[call-overload]
        self.refresh()

    def refresh(self) -> None:
        """Fetch the figures for the chosen day and site on a worker."""
        if self.runner is None or self.runner.database is None:
            return
        day, site = self.day, self.site
        self.status.setText("Loading…")
        self.runner.read(
            "loading the huddle figures",
            lambda s: huddle_figures(s, on=day, site=site),
            self.set_figures,
            lambda exc: self.status.setText(f"Could not load: {exc}"),
        )

    def _on_print_clicked(self) -> None:
        self.print_requested.emit(self.day, self.site)

    # -- showing ----------------------------------------------------------------------------
    def set_figures(self, figures: HuddleFigures) -> None:
        self.figures = figures
        for key, tile in self.tiles.items():
            tile.value.setText(str(getattr(figures, key)))
        reasons = list(reversed(figures.nctr_by_delay_reason))  # largest at the top
        self._fill(self.reason_chart, reasons, horizontal=True)
        # Every delay reason gets a line of its own: its code is never cut to "…".
        self.reason_view.setMinimumHeight(max(220, CHART_CHROME + ROW_HEIGHT * len(reasons)))
        self._fill(self.pathway_chart, figures.nctr_by_pathway)
        self._fill(self.los_chart, figures.los_bands)
        self.equity.setText(_equity_html(figures))
        self.red2green.setText(red2green_html(figures))
        self.status.setText(f"{figures.site_label}, {figures.on:%d/%m/%Y}")
        self.figures_shown.emit(figures)

    @staticmethod
    def _fill(chart: QChart, counts: Sequence[Count], horizontal: bool = False) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        bars = QBarSet("patients")
        bars.setColor(NHS_BLUE)
        bars.append([float(c.count) for c in counts])
        series = QHorizontalBarSeries() if horizontal else QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([c.key for c in counts])
        categories.setTruncateLabels(False)  # codes fit; Qt would cut them to "…" anyway
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setRange(0, max([4, *(c.count for c in counts)]))
        values.applyNiceNumbers()
        category_side, value_side = (
            (Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignBottom)
            if horizontal
            else (Qt.AlignmentFlag.AlignBottom, Qt.AlignmentFlag.AlignLeft)
        )
        chart.addAxis(categories, category_side)
        chart.addAxis(values, value_side)
        series.attachAxis(categories)
        series.attachAxis(values)
        category_tooltips(
            series, [c.key if c.label in ("", c.key) else f"{c.key} {c.label}" for c in counts]
        )

    # -- for tests and callers ----------------------------------------------------------------
    def tile_values(self) -> dict[str, int]:
        return {key: int(tile.value.text()) for key, tile in self.tiles.items()}

    @staticmethod
    def chart_values(chart: QChart) -> dict[str, int]:
        """Category → bar value of a chart, as drawn."""
        series = cast(QAbstractBarSeries, chart.series()[0])
        bars = series.barSets()[0]
        axis = next(a for a in chart.axes() if isinstance(a, QBarCategoryAxis))
        return {axis.at(i): int(bars.at(i)) for i in range(bars.count())}


def _equity_html(f: HuddleFigures) -> str:
    def block(title: str, rows: Sequence[EquityRow]) -> str:
        body = "".join(
            f"<tr><td>{escape(r.label)}</td><td align=right>{r.inpatients}</td>"
            f"<td align=right>{r.nctr}</td><td align=right>"
            f"{'–' if r.mean_delay_days is None else f'{r.mean_delay_days:.1f}'}</td></tr>"
            for r in rows
        )
        head = f"<tr><th align=left>{title}</th><th>In</th><th>NCTR</th><th>Mean delay</th></tr>"
        return f"<td valign=top><table cellspacing=0 cellpadding=3>{head}{body}</table></td>"

    return (
        "<b>Equity: ready for discharge and delay by group</b><table cellspacing=12><tr>"
        + block("Place (council)", f.equity_by_place)
        + block("Ethnic group", f.equity_by_ethnic_group)
        + block("Interpreter", f.equity_by_interpreter)
        + "</tr></table>"
    )


def red2green_html(f: HuddleFigures, top_wards: int = 8) -> str:
    """The day's red days by ward (most first; wards with none left out) and the most
    given red-day reasons."""
    red = sum(w.red for w in f.red2green_by_ward)
    wards = sorted((w for w in f.red2green_by_ward if w.red), key=lambda w: (-w.red, w.ward))
    ward_rows = "".join(
        f"<tr><td>{escape(w.ward)}</td><td>{escape(w.site)}</td><td align=right>{w.red}</td>"
        f"<td align=right>{w.green}</td><td align=right>{w.not_recorded}</td></tr>"
        for w in wards[:top_wards]
    )
    reasons = "".join(
        f"<tr><td>{escape(c.label)}</td><td align=right>{c.count}</td></tr>"
        for c in f.red_day_reasons
    )
    head = "<tr><th align=left>Ward</th><th align=left>Site</th><th>Red</th><th>Green</th>"
    return (
        f"<b>Red2Green on {f.on:%d/%m/%Y}: {red} red day{'' if red == 1 else 's'}</b>"
        f"<table cellspacing=0 cellpadding=3>{head}<th>Not recorded</th></tr>{ward_rows}</table>"
        f"<b>Top red-day reasons</b><table cellspacing=0 cellpadding=3>{reasons}</table>"
    )
