"""Cohort programs: the built-in default, and a YAML file that fails at load, naming what is wrong."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from tiktok_pipelines.lib.cohorts.programs import (
    DEFAULT_MIX,
    DEFAULT_QUERY,
    CohortProgram,
    load_programs,
    performance_band,
)
from tiktok_pipelines.lib.settings import ConfigError

GOOD = {
    "name": "uk_news",
    "cron": "30 6 * * *",
    "source": "page_json",
    "size": 40,
    "freshness_min_h": 24,
    "freshness_max_h": 72,
    "performance_mix": {"<10K": 1, "1M+": 3},
    "query": {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": ["GB"]}]},
}


def write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "programs.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


def program_file(tmp_path: Path, **overrides: object) -> Path:
    return write(tmp_path, {"programs": [{**GOOD, **overrides}]})


# --- the default and a valid file ---------------------------------------------------------------------


def test_no_file_means_the_builtin_public_program():
    [p] = load_programs(None)
    assert p == CohortProgram()
    assert (p.name, p.cron, p.source, p.size) == ("public", "0 12 * * *", "research_api", 100)
    assert (p.freshness_min_h, p.freshness_max_h) == (48.0, 96.0)
    assert p.performance_mix == DEFAULT_MIX and sum(p.performance_mix.values()) == pytest.approx(1.0)
    assert p.query == DEFAULT_QUERY


def test_default_program_does_not_share_its_mix_between_instances():
    a, b = CohortProgram(), CohortProgram()
    a.performance_mix["1M+"] = 0.9
    assert b.performance_mix == DEFAULT_MIX


def test_a_valid_file_is_loaded_with_every_value(tmp_path):
    [p] = load_programs(program_file(tmp_path))
    assert p.name == "uk_news" and p.cron == "30 6 * * *" and p.source == "page_json"
    assert p.size == 40 and isinstance(p.size, int)
    assert (p.freshness_min_h, p.freshness_max_h) == (24.0, 72.0)
    assert p.query == GOOD["query"]
    # keys left out keep their defaults
    assert p.tolerance_minutes == CohortProgram().tolerance_minutes
    assert p.as_config()["name"] == "uk_news" and set(p.as_config()) == set(CohortProgram.__dataclass_fields__)


def test_several_programs_load_in_file_order(tmp_path):
    path = write(tmp_path, {"programs": [{**GOOD, "name": "b_second"}, {"name": "a_first"}]})
    assert [p.name for p in load_programs(path)] == ["b_second", "a_first"]


def test_mix_weights_are_normalised_to_shares(tmp_path):
    [p] = load_programs(program_file(tmp_path, performance_mix={"<10K": 1, "10K-100K": 1, "1M+": 2}))
    assert p.performance_mix == pytest.approx({"<10K": 0.25, "10K-100K": 0.25, "1M+": 0.5})


def test_zero_weight_bands_are_allowed_while_one_is_positive(tmp_path):
    [p] = load_programs(program_file(tmp_path, performance_mix={"<10K": 0, "1M+": 5}))
    assert p.performance_mix == {"<10K": 0.0, "1M+": 1.0}


def test_cron_is_stripped(tmp_path):
    [p] = load_programs(program_file(tmp_path, cron="  0 12 * * 1-5  "))
    assert p.cron == "0 12 * * 1-5"


def test_integral_float_size_becomes_an_int(tmp_path):
    [p] = load_programs(program_file(tmp_path, size=50.0))
    assert p.size == 50 and isinstance(p.size, int)


# --- cohort ids and performance bands -------------------------------------------------------------------


def test_cohort_id_is_name_dash_utc_minute():
    p = CohortProgram(name="uk_news")
    assert p.cohort_id(datetime(2026, 3, 7, 9, 5, 59, tzinfo=UTC)) == "uk_news-20260307T0905"
    assert CohortProgram().cohort_id(datetime(2026, 12, 31, 23, 59)) == "public-20261231T2359"


@pytest.mark.parametrize(
    ("views", "band"),
    [
        (None, None),
        (0, "<10K"),
        (9_999, "<10K"),
        (10_000, "10K-100K"),
        (99_999, "10K-100K"),
        (100_000, "100K-1M"),
        (999_999, "100K-1M"),
        (1_000_000, "1M+"),
        (2_000_000_000, "1M+"),
    ],
)
def test_performance_band_lower_bounds_are_inclusive(views, band):
    assert performance_band(views) == band


# --- bad files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "names"),
    [
        ({"colour": "blue"}, ["colour", "unknown keys"]),
        ({"name": "Bad-Name"}, [".name", "'Bad-Name'"]),
        ({"name": "9lives"}, [".name"]),
        ({"name": "x" * 33}, [".name"]),
        ({"name": 7}, [".name"]),
        ({"name": "own"}, [".name", "'own'"]),
        ({"cron": "daily"}, [".cron", "'daily'"]),
        ({"cron": "0 12 * * * *"}, [".cron"]),
        ({"cron": 12}, [".cron"]),
        ({"source": "scraper"}, [".source", "'scraper'"]),
        ({"performance_mix": {"viral": 1}}, [".performance_mix", "viral"]),
        ({"performance_mix": {"<10K": -0.1, "1M+": 1}}, [".performance_mix"]),
        ({"performance_mix": {"<10K": 0, "1M+": 0}}, [".performance_mix"]),
        ({"performance_mix": {}}, [".performance_mix"]),
        ({"performance_mix": {"<10K": True}}, [".performance_mix"]),
        ({"performance_mix": {"<10K": "half"}}, [".performance_mix"]),
        ({"performance_mix": [0.5, 0.5]}, [".performance_mix"]),
        ({"freshness_min_h": 48, "freshness_max_h": 48}, ["freshness_max_h", "freshness_min_h"]),
        ({"freshness_min_h": 96, "freshness_max_h": 48}, ["freshness_max_h", "freshness_min_h"]),
        ({"freshness_min_h": -1}, [".freshness_min_h", ">= 0"]),
        ({"freshness_max_h": "soon"}, [".freshness_max_h", "a number"]),
        ({"size": 10.5}, [".size", "an integer"]),
        ({"size": "100"}, [".size", "an integer"]),
        ({"size": True}, [".size", "an integer"]),
        ({"size": 0}, [".size", ">= 1"]),
        ({"size": float("inf")}, [".size"]),
        ({"top_comments": -5}, [".top_comments"]),
        ({"tolerance_minutes": float("nan")}, [".tolerance_minutes"]),
        ({"query": ["region_code"]}, [".query"]),
        ({"query": {}}, [".query"]),
        ({"query": {"xor": [{"operation": "EQ", "field_name": "region_code", "field_values": ["GB"]}]}}, [".query"]),
        ({"query": {"and": []}}, [".query.and", "non-empty list"]),
        ({"query": {"and": "region_code=GB"}}, [".query.and"]),
        ({"query": {"and": ["region_code"]}}, [".query.and[0]", "object"]),
        ({"query": {"and": [{"operation": "EQ", "field_name": "country", "field_values": ["GB"]}]}},
         [".query.and[0].field_name", "'country'"]),
        ({"query": {"or": [{"operation": "LIKE", "field_name": "keyword", "field_values": ["cat"]}]}},
         [".query.or[0].operation", "'LIKE'"]),
        ({"query": {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": "GB"}]}},
         [".query.and[0].field_values"]),
        ({"query": {"and": [{"operation": "EQ", "field_name": "region_code", "field_values": []}]}},
         [".query.and[0].field_values"]),
        ({"query": {"and": [{"operation": "GT", "field_name": "view_count", "field_values": [1000]}]}},
         [".query.and[0].field_values", "strings"]),
    ],
)
def test_each_bad_value_is_a_config_error_naming_file_program_and_key(tmp_path, override, names):
    path = program_file(tmp_path, **override)
    with pytest.raises(ConfigError) as err:
        load_programs(path)
    message = str(err.value)
    assert str(path) in message and "programs[0]" in message
    for name in names:
        assert name in message


def test_the_failing_program_is_named_by_its_position(tmp_path):
    path = write(tmp_path, {"programs": [GOOD, {**GOOD, "name": "other", "source": "nope"}]})
    with pytest.raises(ConfigError, match=r"programs\[1\]\.source"):
        load_programs(path)


def test_a_program_that_is_not_a_mapping_is_rejected(tmp_path):
    path = write(tmp_path, {"programs": ["public"]})
    with pytest.raises(ConfigError, match=r"programs\[0\] must be a mapping"):
        load_programs(path)


def test_duplicate_program_names_are_rejected(tmp_path):
    path = write(tmp_path, {"programs": [GOOD, {**GOOD, "cron": "0 0 * * *"}]})
    with pytest.raises(ConfigError, match="repeat") as err:
        load_programs(path)
    assert str(path) in str(err.value) and "uk_news" in str(err.value)


def test_an_unreadable_file_is_a_config_error_naming_it(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="cannot read") as err:
        load_programs(missing)
    assert str(missing) in str(err.value) and "TIKTOK_COHORT_PROGRAMS" in str(err.value)


def test_a_directory_is_unreadable_too(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_programs(tmp_path)


def test_invalid_yaml_is_a_config_error_naming_the_file(tmp_path):
    path = write(tmp_path, "programs:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML") as err:
        load_programs(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "text",
    ["", "name: public\n", "programs:\n", "programs: []\n", "programs: {name: public}\n", "- name: public\n"],
    ids=["empty", "no-programs-key", "programs-null", "programs-empty", "programs-mapping", "top-level-list"],
)
def test_a_file_without_a_programs_list_is_rejected(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match="'programs:'") as err:
        load_programs(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("cron", ["61 25 * * *", "every day at noon please"])
def test_an_impossible_cron_expression_is_rejected_at_load(tmp_path, cron):
    with pytest.raises(ConfigError, match=r"\.cron"):
        load_programs(program_file(tmp_path, cron=cron))
