"""The EDD reliability dashboard: the figures of the printed EDD report on screen.

It shows the very :class:`~discharge_hub.reports.edd_data.EddReliability` the PDF is
made from, fetched on a worker by the task runner: headline tiles, the distribution
of days late and of EDD changes, the weekly NCTR delay days by delay-reason group
(stacked), where the EDDs slip (by ward, site, specialty) and the reasons given.
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
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from discharge_hub import clock
from discharge_hub.reports.counts import Count
from discharge_hub.reports.edd_data import EddGroup, EddReliability, edd_reliability
from discharge_hub.reports.edd_pdf import GROUP_COLOURS, one_decimal, percent
from discharge_hub.services.reference_lists import site_names
from discharge_hub.ui.reports.dashboard import (
    ALL_SITES,
    NHS_BLUE,
    _bar_chart,
    _Tile,
    chosen_site,
    fill_sites,
    scrolling,
)
from discharge_hub.ui.rows_model import RowsModel
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.ui.widgets import ComboBox, DayEdit

DEFAULT_DAYS = 90
TILES: tuple[tuple[str, str], ...] = (
    ("stays", "Discharges"),
    ("with_edd", "With an EDD"),
    ("on_first", "On first EDD"),
    ("on_last", "On last EDD"),
    ("mean_late", "Mean days late"),
    ("changes", "EDD changes per stay"),
)
GROUP_COLUMNS = (
    ("Stays", lambda g: str(g.stays)),
    ("With EDD", lambda g: str(g.with_edd)),
    ("On first EDD", lambda g: percent(g.share_on_first)),
    ("On last EDD", lambda g: percent(g.share_on_last)),
    ("Mean days late", lambda g: one_decimal(g.mean_days_late)),
    ("Changes per stay", lambda g: one_decimal(g.changes_per_stay)),
)


def tile_texts(g: EddGroup) -> dict[str, str]:
    return {
        "stays": str(g.stays),
        "with_edd": str(g.with_edd),
        "on_first": percent(g.share_on_first),
        "on_last": percent(g.share_on_last),
        "mean_late": one_decimal(g.mean_days_late),
        "changes": one_decimal(g.changes_per_stay),
    }


def _table(title: str) -> tuple[QTableView, RowsModel]:
    """A ward/site/specialty table: the name takes the room the figures leave, each
    figure is as wide as its values or its header on at most two lines (the columns
    were squeezed to a fixed width and their headers cut)."""
    model = RowsModel([(title, lambda g: g.label), *GROUP_COLUMNS])
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(f"EDD reliability by {title.lower()}")
    view.verticalHeader().setVisible(False)
    view.setWordWrap(False)  # a row a line; a long name ends in "…" and is its tooltip
    view.setSortingEnabled(False)
    header = view.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
    header.setTextElideMode(Qt.TextElideMode.ElideNone)  # wrapped, never cut to "…"
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setFixedHeight(header.sizeHint().height() + header.fontMetrics().lineSpacing())
    view.setMinimumHeight(header.height() + 6 * view.verticalHeader().defaultSectionSize())
    fit_figures(view)
    model.modelReset.connect(lambda: fit_figures(view))
    return view, model


def fit_figures(view: QTableView) -> None:
    """Each figure's column as wide as its widest value, and as its header wrapped onto
    at most two lines."""
    header, model = view.horizontalHeader(), view.model()
    metrics = header.fontMetrics()
    pad = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 4
    for column in range(1, model.columnCount()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal))
        width = max(metrics.horizontalAdvance(word) for word in title.split())
        while header_lines(metrics, title, width) > 2:
            width += 4
        header.resizeSection(column, max(width + pad, view.sizeHintForColumn(column)))


def header_lines(metrics: QFontMetrics, title: str, width: int) -> int:
    """How many lines ``title`` takes wrapped to ``width`` pixels."""
    flags = int(Qt.TextFlag.TextWordWrap.value)
    tall = metrics.boundingRect(QRect(0, 0, width, 10_000), flags, title).height()
    return max(1, round(tall / metrics.lineSpacing()))


class EddDashboard(QWidget):
    """EDD reliability for a range of discharge dates and a site."""

    figures_shown = Signal(object)  # the EddReliability now on screen
    print_requested = Signal(object, object, object)  # start, end, site name or None

    def __init__(self, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("EDD reliability")
        self.runner = runner
        self.figures: EddReliability | None = None
        today = clock.today()
        self.from_edit = self._date_edit(today - timedelta(days=DEFAULT_DAYS - 1))
        self.to_edit = self._date_edit(today)
        self.site_combo = ComboBox()
        self.site_combo.addItem(ALL_SITES)
        self.status = QLabel()
        self.tiles = {key: _Tile(caption) for key, caption in TILES}
        self.late_view, self.late_chart = _bar_chart("Days late (discharge − first EDD)")
        self.changes_view, self.changes_chart = _bar_chart("EDD changes per stay")
        self.trend_view, self.trend_chart = _bar_chart("NCTR delay days per week")
        self.trend_chart.legend().show()
        self.trend_chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.ward_view, self.wards = _table("Ward")
        self.site_view, self.sites = _table("Site")
        self.specialty_view, self.specialties = _table("Specialty")
        self.reasons = QLabel()
        self.reasons.setTextFormat(Qt.TextFormat.RichText)
        self.reasons.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._layout()

    def _date_edit(self, day: date) -> DayEdit:
        edit = DayEdit(day, latest=clock.today())
        edit.dateChanged.connect(lambda _d: self.refresh())
        return edit

    def _layout(self) -> None:
        refresh = QPushButton("R&efresh")
        refresh.clicked.connect(self.refresh)
        print_button = QPushButton("Pri&nt EDD report…")
        print_button.clicked.connect(self._on_print_clicked)
        bar = QHBoxLayout()
        for widget in (QLabel("Discharged from:"), self.from_edit, QLabel("to:"), self.to_edit,
                       QLabel("Site:"), self.site_combo, refresh):  # fmt: skip
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addWidget(print_button)
        tiles = QGridLayout()
        for i, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, i)
        charts = QHBoxLayout()
        charts.addWidget(self.late_view, 2)
        charts.addWidget(self.changes_view, 1)
        tables = QTabWidget()
        for view, name in ((self.ward_view, "By ward"), (self.site_view, "By site"),
                           (self.specialty_view, "By specialty")):  # fmt: skip
            tables.addTab(view, name)
        middle = QVBoxLayout()
        middle.addLayout(charts, 1)
        middle.addWidget(self.trend_view, 1)
        lower = QHBoxLayout()
        lower.addWidget(tables, 2)
        lower.addWidget(self.reasons, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        # In a laptop's window the page scrolls: squeezed, it made the window taller
        # than the screen and its tables a few rows high.
        layout.addWidget(scrolling(tiles, middle, lower), 1)
        self.site_combo.currentIndexChanged.connect(lambda _i: self.refresh())

    # -- loading --------------------------------------------------------------------------
    @property
    def start(self) -> date:
        return self.from_edit.day()

    @property
    def end(self) -> date:
        return self.to_edit.day()

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

    def refresh(self) -> None:
        """Fetch the figures for the chosen range and site on a worker."""
        if self.runner is None or self.runner.database is None:
            return
        start, end, site = self.start, self.end, self.site
        self.status.setText("Loading…")
        self.runner.read(
            "working out EDD reliability",
            lambda s: edd_reliability(s, start=start, end=end, site=site),
            self.set_figures,
            lambda exc: self.status.setText(f"Could not load: {exc}"),
        )

    def _on_print_clicked(self) -> None:
        self.print_requested.emit(self.start, self.end, self.site)

    # -- showing --------------------------------------------------------------------------
    def set_figures(self, f: EddReliability) -> None:
        self.figures = f
        for key, text in tile_texts(f.overall).items():
            self.tiles[key].value.setText(text)
        self._bars(self.late_chart, f.days_late)
        self._bars(self.changes_chart, f.changes)
        self._trend(f)
        self.wards.set_rows(f.by_ward)
        self.sites.set_rows(f.by_site)
        self.specialties.set_rows(f.by_specialty)
        self.reasons.setText(_reasons_html(f.reasons))
        self.status.setText(f"{f.site_label}, {f.start:%d/%m/%Y} – {f.end:%d/%m/%Y}")
        self.figures_shown.emit(f)

    @staticmethod
    def _bars(chart: QChart, counts: Sequence[Count]) -> None:
        bars = QBarSet("stays")
        bars.setColor(NHS_BLUE)
        bars.append([float(c.count) for c in counts])
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        _replace(chart, series, [c.label for c in counts], max([4, *(c.count for c in counts)]))

    def _trend(self, f: EddReliability) -> None:
        series = QStackedBarSeries()
        for i, group in enumerate(f.delay_groups):
            bars = QBarSet(group)
            bars.setColor(QColor(GROUP_COLOURS[i % len(GROUP_COLOURS)]))
            bars.append([float(w.days[i]) for w in f.weeks])
            series.append(bars)
        top = max([4, *(w.total for w in f.weeks)])
        _replace(self.trend_chart, series, [f"{w.week:%d/%m}" for w in f.weeks], top)

    # -- for tests ------------------------------------------------------------------------
    def tile_texts(self) -> dict[str, str]:
        return {key: tile.value.text() for key, tile in self.tiles.items()}

    @staticmethod
    def series_values(chart: QChart) -> dict[str, list[int]]:
        """Bar set name → its values, as drawn."""
        series = cast(QAbstractBarSeries, chart.series()[0])
        return {b.label(): [int(b.at(i)) for i in range(b.count())] for b in series.barSets()}


def _replace(chart: QChart, series: QBarSeries | QStackedBarSeries, categories: list[str],
             top: int) -> None:  # fmt: skip
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)
    chart.addSeries(series)
    axis = QBarCategoryAxis()
    axis.append(categories)
    values = QValueAxis()
    values.setLabelFormat("%d")
    values.setRange(0, top)
    values.applyNiceNumbers()
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis)
    series.attachAxis(values)


def _reasons_html(reasons: Sequence[Count]) -> str:
    rows = (
        "".join(
            f"<tr><td>{escape(c.label)}</td><td align=right>{c.count}</td></tr>" for c in reasons
        )
        or "<tr><td>No EDD changed</td><td></td></tr>"
    )
    return (
        "<b>Reasons given for EDD changes</b><table cellspacing=0 cellpadding=3>"
        f"<tr><th align=left>Reason</th><th>Changes</th></tr>{rows}</table>"
    )
