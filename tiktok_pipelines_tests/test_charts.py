"""Dependency-free SVG line charts and their Markdown data-URI form."""

import base64
import re
import xml.etree.ElementTree as ET

from tiktok_pipelines.lib.charts import PALETTE, Series, line_chart_svg, svg_markdown

NS = {"svg": "http://www.w3.org/2000/svg"}


def chart(series, **kw) -> str:
    kw.setdefault("title", "Views")
    kw.setdefault("x_label", "hours")
    kw.setdefault("y_label", "views")
    return line_chart_svg(series, **kw)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def paths(svg: str) -> list[ET.Element]:
    return parse(svg).findall(".//svg:path", NS)


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in parse(svg).iter("{http://www.w3.org/2000/svg}text")]


def points(path: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", path.get("d"))]


def test_one_path_per_non_empty_series_and_valid_xml():
    svg = chart([
        Series("a", [0, 1, 6], [10, 20, 30]),
        Series("empty", [], []),
        Series("b", [0, 1], [5, 50], emphasis=True),
    ], width=640, height=300)
    root = parse(svg)
    assert (root.get("width"), root.get("height")) == ("640", "300")
    ps = paths(svg)
    assert len(ps) == 2
    assert [len(points(p)) for p in ps] == [3, 2]
    assert ps[0].get("stroke") == PALETTE[0]
    assert ps[1].get("stroke") == "#111" and ps[1].get("stroke-width") == "3"  # the emphasised series
    assert {"a", "b"} <= set(texts(svg)) and "empty" not in texts(svg)


def test_points_are_drawn_left_to_right_and_higher_values_higher():
    [p] = paths(chart([Series("a", [6, 0, 1], [30, 10, 20])]))
    pts = points(p)
    assert [x for x, _ in pts] == sorted(x for x, _ in pts)
    assert pts[0][1] > pts[1][1] > pts[2][1]  # SVG y grows downwards


def test_labels_and_title_are_escaped():
    svg = chart([Series("<b>&co", [0, 1], [1, 2])], title='Top <10K & "1M+"', x_label="x<y", y_label="a&b")
    all_text = texts(svg)  # parses: nothing unescaped broke the XML
    assert 'Top <10K & "1M+"' in all_text
    assert "x<y" in all_text and "a&b" in all_text and "<b>&co" in all_text


def test_long_legend_labels_are_cut():
    svg = chart([Series("x" * 40, [0, 1], [1, 2])])
    assert "x" * 22 in texts(svg) and "x" * 23 not in "".join(texts(svg))


def test_log_y_drops_non_positive_values():
    svg = chart([Series("a", [0, 1, 2, 3], [0, -5, 100, 1000]), Series("zeros", [0, 1], [0, 0])], log_y=True)
    ps = paths(svg)
    assert len(ps) == 1
    assert len(points(ps[0])) == 2
    assert "views (log)" in texts(svg)


def test_missing_and_non_finite_values_are_skipped():
    [p] = paths(chart([Series("a", [0, 1, 2, 3, None], [1, None, float("nan"), 4, 5])]))
    assert len(points(p)) == 2


def test_no_series_or_no_points_says_no_data_yet():
    for series in ([], [Series("a", [], [])], [Series("a", [1], [0])]):
        svg = chart(series, log_y=True)
        assert paths(svg) == []
        assert "no data yet" in texts(svg)
        assert "Views" in texts(svg)


def test_a_single_point_still_draws():
    [p] = paths(chart([Series("a", [5], [100])]))
    assert len(points(p)) == 1


def test_svg_markdown_is_an_image_whose_payload_is_the_svg():
    svg = chart([Series("a", [0, 1], [1, 2])], title="Croissance é")
    md = svg_markdown(svg, "growth curves")
    match = re.fullmatch(r"!\[(.*)\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", md)
    assert match is not None
    assert match.group(1) == "growth curves"
    assert base64.b64decode(match.group(2)).decode("utf-8") == svg


def test_svg_markdown_escapes_the_alt_text():
    md = svg_markdown("<svg/>", "a <b> & c")
    assert md.startswith("![a &lt;b&gt; &amp; c](")
