"""Labels that outputs need, in every language, without any respondent-level data.

:class:`Labels` is built from the indicator catalogue and the XLSForm
(:func:`geo4mi.indicators.catalogue.build_labels`), with the study's :class:`~geo4mi.i18n.Wording`
(:attr:`Labels.wording`), and is, with the *estimates* table and
the *areas* GeoDataFrame, all that maps, figures and table writers read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo4mi.i18n import NEUTRAL, Wording

LangText = dict[str, str]  # {"es": "...", "en": "..."}


@dataclass(frozen=True)
class IndicatorInfo:
    """What an output needs to know about one indicator."""

    id: str
    theme: str
    label: LangText
    direction: str  # "higher_worse", "higher_better" or "neutral"
    universe: LangText = field(default_factory=dict)  # who was asked, in words
    #: The wording of the question(s) it counts, from the form ({} without a form).
    question: LangText = field(default_factory=dict)
    #: The form questions its answer is read from (its question, or its numerator's names).
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Labels:
    """Bilingual labels for themes, indicators, grouping variables and their values.

    Dict insertion order is display order.
    """

    themes: dict[str, LangText]
    indicators: dict[str, IndicatorInfo]
    group_vars: dict[str, LangText]
    group_values: dict[str, dict[str, LangText]]
    survey_title: LangText = field(default_factory=dict)
    #: The study's words in the interface text (unit, place, population, attribution);
    #: renderers make it current with :func:`geo4mi.i18n.use_wording`.
    wording: Wording = NEUTRAL
    #: Labels of other columns the outputs name, such as the survey design's cluster
    #: (:func:`geo4mi.indicators.design.design_labels`): ``{column: {lang: label}}``.
    columns: dict[str, LangText] = field(default_factory=dict)
    #: The form questions that define each grouping variable (itself, or a derived
    #: variable's source): an indicator that reads one of them is not split by that group.
    group_sources: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def text(self, texts: LangText, lang: str) -> str:
        """Pick ``lang`` from a {lang: text} dict, falling back to any language."""
        return texts.get(lang) or next(iter(texts.values()), "")

    def indicator_label(self, indicator: str, lang: str) -> str:
        return self.text(self.indicators[indicator].label, lang)

    def theme_label(self, theme: str, lang: str) -> str:
        return self.text(self.themes[theme], lang)

    def group_var_label(self, group_var: str, lang: str) -> str:
        return self.text(self.group_vars[group_var], lang)

    def group_value_label(self, group_var: str, value: str, lang: str) -> str:
        return self.text(self.group_values[group_var][value], lang)

    def same_question(self, indicator: str) -> list[str]:
        """Grouping variables defined by a question the indicator itself reads.

        Splitting such an indicator by such a group says nothing ("women" among women is
        100 %), so outputs do not offer the pair.

        Examples
        --------
        >>> labels = Labels({}, {"w": IndicatorInfo("w", "t", {}, "neutral", reads=("gender",))},
        ...                 {"gender": {}, "age_group": {}}, {},
        ...                 group_sources={"gender": ("gender",), "age_group": ("age",)})
        >>> labels.same_question("w")
        ['gender']
        """
        reads = set(self.indicators[indicator].reads)
        return [g for g, sources in self.group_sources.items() if reads & set(sources)]
