"""The reports page's SVG charts: well-formed, drawn to scale, labelled in words for screen
readers, safe with any flow wording, and calm about empty data."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.chart_parts import ACCENT, REFERENCE, SIZE, nice_ticks, text_width
from dashboard.report_charts import (
    Bar,
    Bucket,
    FunnelStep,
    bar_chart,
    funnel,
    histogram,
    weekly_columns,
)

SVG = "{http://www.w3.org/2000/svg}"
REACH = [Bar("1st", 41, "412 of 1,020 discharges"), Bar("2nd", 12), Bar("3rd", 6.3),
         Bar("4th+", 3), Bar("never", 37.4)]
ACK = [Bucket("<5 min", 120), Bucket("5–15 min", 310), Bucket("15–30 min", 180),
       Bucket("30–60 min", 95), Bucket("1–2 h", 40), Bucket("2–4 h", 12), Bucket("4 h+", 2)]


# Flow wording and labels: any printable text (control characters are refused at every door,
# and XML cannot carry them).
WORDS = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=80)
COUNTS = st.integers(min_value=0, max_value=10_000_000)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # raises if the markup is not well-formed XML


def bars(svg: ET.Element) -> list[ET.Element]:
    return [rect for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def texts(svg: ET.Element) -> list[str]:
    return [text.text or "" for text in svg.iter(f"{SVG}text")]


def height(rect: ET.Element) -> float:
    return float(rect.get("height", "nan"))


def description(svg: ET.Element) -> str:
    return svg.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]


def tooltips(svg: ET.Element) -> list[str]:
    return [title.text or "" for title in svg.iter(f"{SVG}title")]


def test_bars_are_drawn_to_scale_from_one_baseline() -> None:
    svg = parse(bar_chart([Bar("all", 100), Bar("half", 50), Bar("none", 0)],
                          title="Reach", chart_id="reach", percent=True))
    full, half, none = bars(svg)
    assert height(half) == pytest.approx(height(full) / 2, abs=0.02)
    assert height(none) == 0
    bottoms = {round(float(r.get("y", 0)) + height(r), 1) for r in (full, half, none)}
    assert len(bottoms) == 1
    assert [t for t in texts(svg) if t in ("100%", "50%", "0%")][-3:] == ["100%", "50%", "0%"]


def test_a_percent_axis_runs_from_0_to_100_whatever_the_values() -> None:
    svg = parse(bar_chart(REACH, title="Reach", chart_id="reach", percent=True))
    assert {"0%", "25%", "50%", "75%", "100%"} <= set(texts(svg))
    assert height(bars(svg)[0]) == pytest.approx(height(bars(svg)[1]) * 41 / 12, abs=0.05)


def test_the_description_says_every_value_in_words() -> None:
    svg = parse(bar_chart(REACH, title="Reach by attempt", chart_id="reach", percent=True,
                          description="Share of discharges first reached on each attempt"))
    said = description(svg)
    assert said.startswith("Share of discharges first reached on each attempt.")
    assert "1st 41% (412 of 1,020 discharges); 2nd 12%; 3rd 6.3%; 4th+ 3%; never 37%" in said
    assert "1st: 41% (412 of 1,020 discharges)" in tooltips(svg)
    assert svg.get("role") == "img"
    named_by = svg.get("aria-labelledby", "").split()
    ids = {element.get("id") for element in svg.iter() if element.get("id")}
    assert named_by == ["reach-title", "reach-desc"] and set(named_by) <= ids


def test_flow_wording_is_escaped_everywhere_it_is_shown() -> None:
    label = 'Pain <b>now</b> & "later"'
    outputs = [
        bar_chart([Bar(label, 3, detail="<script>")], title=label, chart_id="a"),
        histogram([Bucket(label, 3)], title=label, chart_id="b"),
        funnel([FunnelStep(label, 3, 4)], title=label, chart_id="c"),
        weekly_columns([(date(2025, 1, 6), (3.0,))], title=label, chart_id="d",
                       series_labels=[label]),
    ]
    for markup in outputs:
        assert "<b>" not in markup and "<script" not in markup and "&lt;b&gt;" in markup
        svg = parse(markup)
        assert svg.find(f"{SVG}title").text == label  # type: ignore[union-attr]
        assert any(label in text for text in texts(svg) + tooltips(svg)[1:])


def test_nothing_from_outside_and_no_script_or_style_element() -> None:
    weeks = [(date(2025, 1, 6) + timedelta(weeks=i), (5.0, 3.0, 1.0)) for i in range(10)]
    for markup in (bar_chart(REACH, title="t", chart_id="a", percent=True),
                   histogram(ACK, title="t", chart_id="b", deadline_index=4),
                   funnel([FunnelStep("q", 2, 4)], title="t", chart_id="c"),
                   weekly_columns(weeks, title="t", chart_id="d", series_labels=["a", "b", "c"])):
        assert not re.search(r"<script|<style|href=|url\(|@import|<image|<foreignObject", markup)


def test_empty_data_is_a_sentence_not_an_exception() -> None:
    for markup in (bar_chart([], title="t", chart_id="a"),
                   histogram([], title="t", chart_id="b"),
                   histogram([Bucket("<5 min", 0), Bucket("5–15 min", 0)], title="t",
                             chart_id="b", deadline_index=1),
                   funnel([], title="t", chart_id="c"),
                   funnel([FunnelStep("q", 0, 0)], title="t", chart_id="c"),
                   weekly_columns([], title="t", chart_id="d", series_labels=["a"])):
        paragraph = parse(markup)
        assert paragraph.tag == "p" and paragraph.text == "No data for this period."


def test_a_single_category_of_zero_still_draws_an_axis_and_its_label() -> None:
    svg = parse(bar_chart([Bar("only", 0)], title="t", chart_id="z"))
    (bar,) = bars(svg)
    assert height(bar) == 0 and "only" in texts(svg) and "0" in texts(svg)
    assert float(bar.get("width", 0)) <= 72  # a lone bar, not a slab across the chart


def test_counts_read_with_thousands_separators() -> None:
    svg = parse(histogram([Bucket("<5 min", 12000), Bucket("5–15 min", 1020)], title="t",
                          chart_id="h"))
    assert {"12,000", "1,020"} <= set(texts(svg))
    assert description(svg) == "13,020 in all: <5 min 12,000; 5–15 min 1,020."
    svg = parse(funnel([FunnelStep("Date of birth", 1020, 1020)], title="t", chart_id="f"))
    assert "1,020 (100%)" in texts(svg)


def test_the_deadline_stands_between_the_last_bucket_in_time_and_the_first_late_one() -> None:
    svg = parse(histogram(ACK, title="Time to acknowledge", chart_id="ack",
                          deadline_label="deadline 60 min", deadline_index=4))
    drawn = bars(svg)
    marker = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "deadline")
    x = float(marker.find(f"{SVG}line").get("x1", "nan"))  # type: ignore[union-attr]
    last_in_time, first_late = drawn[3], drawn[4]
    assert float(last_in_time.get("x", 0)) + float(last_in_time.get("width", 0)) < x
    assert x < float(first_late.get("x", 0))
    assert [bar.get("fill") for bar in drawn] == [ACCENT] * 4 + [REFERENCE] * 3
    assert "deadline 60 min" in texts(svg)
    assert "54 (7.1%) after the deadline 60 min." in description(svg)
    assert "1–2 h: 40 of 759 (5.3%), after the deadline" in tooltips(svg)


def test_a_deadline_outside_the_buckets_is_the_callers_mistake() -> None:
    with pytest.raises(ValueError, match="deadline_index 9"):
        histogram(ACK, title="t", chart_id="h", deadline_index=9)


def test_fifty_two_weeks_name_only_some_month_starts_and_never_crowd() -> None:
    start = date(2025, 3, 3)
    weeks = [(start + timedelta(weeks=i), (float(i % 7 * 10), float(i % 5), 1.0))
             for i in range(52)]
    svg = parse(weekly_columns(weeks, title="Weekly volumes", chart_id="weekly",
                               series_labels=["Discharges", "Reached", "Alerts"]))
    assert len(bars(svg)) == 52
    labels = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "week-label"]
    months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
    assert 3 <= len(labels) <= 12 and {t.text for t in labels} <= months
    xs = [float(t.get("x", 0)) for t in labels]
    gap = text_width("Mar", SIZE) + 8  # a space between neighbours, as a reader needs
    assert all(b - a >= gap for a, b in itertools.pairwise(xs))
    assert {"2025", "2026"} <= set(texts(svg))  # the year under the first label and January
    assert {"Discharges", "Reached", "Alerts"} <= set(texts(svg))  # the legend, in the SVG
    assert "Week of Mar 3, 2025: Discharges 0; Reached 0; Alerts 1" in tooltips(svg)


def test_weekly_columns_are_to_scale_and_the_summary_gives_totals() -> None:
    weeks = [(date(2025, 1, 13), (20.0,)), (date(2025, 1, 6), (10.0,))]  # any order in
    svg = parse(weekly_columns(weeks, title="t", chart_id="w", series_labels=["Discharges"]))
    first, second = bars(svg)
    assert height(first) == pytest.approx(height(second) / 2, abs=0.02)
    assert description(svg) == ("2 weeks, from the week of Jan 6, 2025 to the week of Jan 13, "
                                "2025. Discharges: 30 in all, 10 to 20 a week, the most in the "
                                "week of Jan 13, 2025.")


def test_a_week_without_a_value_for_each_series_is_refused() -> None:
    with pytest.raises(ValueError, match="1 values for 2 series"):
        weekly_columns([(date(2025, 1, 6), (1.0,))], title="t", chart_id="w",
                       series_labels=["a", "b"])


def test_funnel_bars_are_the_share_that_got_there() -> None:
    steps = [FunnelStep("Date of birth", 200, 200), FunnelStep("Feeling", 100, 200),
             FunnelStep("Breathing", 0, 200)]
    svg = parse(funnel(steps, title="Drop-out", chart_id="funnel"))
    whole, half, none = bars(svg)
    assert float(half.get("width", 0)) == pytest.approx(float(whole.get("width", 0)) / 2, abs=0.1)
    assert float(none.get("width", 1)) == 0
    assert "100 (50%)" in texts(svg)
    assert "Feeling 50% (100 of 200)" in description(svg)


def test_a_long_question_is_cut_short_with_its_full_text_in_the_tooltip() -> None:
    question = ("Since you got home, have you had any chest pain, shortness of breath, or "
                "swelling in your legs or ankles that is new or worse?")
    svg = parse(funnel([FunnelStep(question, 40, 50)], title="t", chart_id="f"))
    shown = next(t for t in texts(svg) if t.startswith("Since you got home"))
    assert shown.endswith("…") and len(shown) < len(question)
    assert f"{question}: 40 of 50 (80%)" in tooltips(svg)


def test_every_mark_has_its_exact_value_in_a_tooltip() -> None:
    svg = parse(bar_chart([Bar("1st", 41.25, "412 of 1,000")], title="t", chart_id="r",
                          unit="h"))
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "category")
    assert group.find(f"{SVG}title").text == "1st: 41.2 h (412 of 1,000)"  # type: ignore[union-attr]


def test_ids_are_unique_to_each_chart() -> None:
    one = parse(bar_chart(REACH, title="t", chart_id="reach"))
    two = parse(histogram(ACK, title="t", chart_id="ack"))
    ids_one = [e.get("id") for e in one.iter() if e.get("id")]
    ids_two = [e.get("id") for e in two.iter() if e.get("id")]
    assert all(i and i.startswith("reach") for i in ids_one)
    assert all(i and i.startswith("ack") for i in ids_two)
    assert not set(ids_one) & set(ids_two)


def test_a_negative_or_missing_number_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="finite number from 0"):
        bar_chart([Bar("x", float("nan"))], title="t", chart_id="x")
    with pytest.raises(ValueError, match="finite number from 0"):
        histogram([Bucket("x", -1)], title="t", chart_id="x")
    with pytest.raises(ValueError, match="above 100"):
        bar_chart([Bar("x", 101)], title="t", chart_id="x", percent=True)


def test_a_count_axis_steps_in_whole_numbers() -> None:
    assert nice_ticks(0, 9, whole=True) == [0, 5, 10]
    assert nice_ticks(0, 1, whole=True) == [0, 1]
    assert nice_ticks(0, 9) == [0, 2.5, 5, 7.5, 10]  # the trends' axis is unchanged


def test_a_share_never_reads_as_all_or_none_when_it_is_not() -> None:
    steps = [FunnelStep("a", 1000, 1000), FunnelStep("b", 996, 1000), FunnelStep("c", 1, 2000),
             FunnelStep("d", 0, 1000)]
    shown = texts(parse(funnel(steps, title="t", chart_id="f")))
    assert {"1,000 (100%)", "996 (99.6%)", "1 (<0.1%)", "0 (0%)"} <= set(shown)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(labels=st.lists(WORDS, min_size=1, max_size=12), counts=st.lists(COUNTS, min_size=12,
       max_size=12), deadline=st.integers(min_value=0, max_value=12))
def test_any_wording_and_any_counts_give_well_formed_charts(labels: list[str], counts: list[int],
                                                           deadline: int) -> None:
    pairs = list(zip(labels, counts, strict=False))
    deadline = min(deadline, len(pairs))
    outputs = {
        "bar": bar_chart([Bar(label, count, label) for label, count in pairs], title=labels[0],
                         chart_id="bar"),
        "histogram": histogram([Bucket(label, count) for label, count in pairs],
                               title=labels[0], chart_id="histogram", deadline_label=labels[0],
                               deadline_index=deadline),
        "funnel": funnel([FunnelStep(label, count, max(counts)) for label, count in pairs],
                         title=labels[0], chart_id="funnel"),
        "weekly": weekly_columns([(date(2025, 1, 6) + timedelta(weeks=i), (float(count),))
                                  for i, count in enumerate(counts)], title=labels[0],
                                 chart_id="weekly", series_labels=labels[:1]),
    }
    for name, markup in outputs.items():
        element = parse(markup)
        if element.tag == "p":
            assert name in ("histogram", "funnel") and sum(count for _, count in pairs) == 0
            continue
        assert (element.find(f"{SVG}title").text or "") == labels[0]  # type: ignore[union-attr]
