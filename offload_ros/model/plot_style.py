"""The readability rules of every plot the package writes: legends that hide no data, integer
ticks on counted axes (AGVs, episodes, tasks), one legend font size. It takes matplotlib's
objects and imports matplotlib only when called, so the model layer stays light."""

from __future__ import annotations

from typing import Any, Sequence

LEGEND_FONTSIZE = 9


class PlotStyle:
    """``PlotStyle.legend_beside(ax)``, ``PlotStyle.figure_legend(fig, ax)``,
    ``PlotStyle.legend_in_headroom(ax, [ax, twin])``, ``PlotStyle.integer_ticks(ax.yaxis)``.
    Figures are made with ``layout="constrained"``, which makes room for legends outside the
    axes."""

    @staticmethod
    def _entries(ax: Any, handles: Sequence[Any] | None, labels: Sequence[str] | None
                 ) -> tuple[list[Any], list[str]]:
        if handles is None:
            handles, labels = ax.get_legend_handles_labels()
        elif labels is None:
            labels = [h.get_label() for h in handles]
        return list(handles), list(labels)

    @classmethod
    def legend_beside(cls, ax: Any, handles: Sequence[Any] | None = None,
                      labels: Sequence[str] | None = None) -> Any:
        """The legend of ``ax`` right of it, outside the data area, top-aligned: it covers
        nothing however high the bars or lines reach (``loc="best"`` cannot promise that)."""
        handles, labels = cls._entries(ax, handles, labels)
        return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                         borderaxespad=0.0, fontsize=LEGEND_FONTSIZE)

    @classmethod
    def figure_legend(cls, fig: Any, ax: Any, handles: Sequence[Any] | None = None,
                      labels: Sequence[str] | None = None) -> Any:
        """One legend for every axes of ``fig`` (they share ``ax``'s entries), right of them
        all; ``fig`` must use ``layout="constrained"``."""
        handles, labels = cls._entries(ax, handles, labels)
        return fig.legend(handles, labels, loc="outside right upper",
                          fontsize=LEGEND_FONTSIZE)

    @classmethod
    def legend_in_headroom(cls, ax: Any, raise_axes: Sequence[Any],
                           handles: Sequence[Any] | None = None,
                           labels: Sequence[str] | None = None, share: float = 0.25) -> Any:
        """A one-row legend at the top of ``ax`` in a band kept free of data: the upper
        ``share`` of each of ``raise_axes`` (``ax`` and its twins) is left empty. For axes
        whose sides are taken (a twin's labels on the right)."""
        for a in raise_axes:
            bottom, top = a.get_ylim()
            a.set_ylim(bottom, bottom + (top - bottom) / (1.0 - share))
        handles, labels = cls._entries(ax, handles, labels)
        return ax.legend(handles, labels, loc="upper center", ncol=max(1, len(labels)),
                         fontsize=LEGEND_FONTSIZE)

    @staticmethod
    def integer_ticks(*axes: Any) -> None:
        """Whole-number ticks on each axis (``ax.xaxis``, ``ax.yaxis``): counts, episodes,
        AGVs."""
        from matplotlib.ticker import MaxNLocator
        for axis in axes:
            axis.set_major_locator(MaxNLocator(integer=True))
