"""The one-page HTML report (:func:`build_report`), made in :mod:`~smstatus.report.page`."""

from smstatus.report.page import REPORT_SECTIONS, Report, build_report

__all__ = ["REPORT_SECTIONS", "Report", "build_report"]
