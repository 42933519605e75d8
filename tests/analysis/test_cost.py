"""Prices, cost per job and per phase, spot savings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from _histories import at, chain
from smstatus import InputNotFoundError, JobHistory, ParseError
from smstatus.analysis.cost import job_costs, load_prices, phase_costs

PRICES = {
    "ml.m5.xlarge": 0.23,
    "ml.g5.2xlarge": {"hourly_price": 1.52, "spot_hourly_price": 0.5},
}


def _history() -> JobHistory:
    steps = [
        ("Starting", 600),
        ("Downloading", 300),
        ("Training", 3600),
        ("Uploading", 100),
        ("Completed", 0),
    ]
    return JobHistory.concat(
        [
            # on demand, AWS's billable time known: 4000 s on 2 instances
            chain(
                "od",
                steps,
                instance_type="ml.m5.xlarge",
                instance_count=2,
                spot=False,
                training_time_s=4000,
                billable_time_s=4000,
            ),
            # spot, AWS's times known: savings 1 - 1000 / 4000
            chain(
                "spot",
                steps,
                instance_type="ml.g5.2xlarge",
                instance_count=1,
                spot=True,
                training_time_s=4000,
                billable_time_s=1000,
            ),
            # running spot job: no billable time, priced on its wall time at the spot price
            chain(
                "running",
                [("Starting", 600), ("Training", 0)],
                open_last=True,
                instance_type="ml.g5.2xlarge",
                instance_count=1,
                spot=True,
            ),
        ]
    )


# -- prices -------------------------------------------------------------------------------------


def test_load_prices_from_a_dict():
    p = load_prices(PRICES)
    assert list(p.columns) == ["instance_type", "hourly_price", "spot_hourly_price"]
    assert p["instance_type"].tolist() == ["ml.m5.xlarge", "ml.g5.2xlarge"]
    assert p["hourly_price"].tolist() == [0.23, 1.52]
    assert np.isnan(p.loc[0, "spot_hourly_price"]) and p.loc[1, "spot_hourly_price"] == 0.5
    assert load_prices(p).equals(p)


def test_load_prices_from_csv(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(
        "instance_type,hourly_price,spot_hourly_price,region\n"
        "ml.m5.xlarge,0.23,,us-east-1\n"
        "ml.g5.2xlarge, 1.52 ,0.5,us-east-1\n"
    )
    p = load_prices(path)
    assert p["hourly_price"].tolist() == [0.23, 1.52]
    assert p["spot_hourly_price"].isna().tolist() == [True, False]
    assert load_prices(str(path)).equals(p)


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("type,price\nml.m5.xlarge,0.23\n", 1, "instance_type", "lacks the column"),
        ("instance_type,hourly_price\nml.m5.xlarge,cheap\n", 2, "hourly_price", "not a number"),
        ("instance_type,hourly_price\nml.m5.xlarge,-1\n", 2, "hourly_price", "not a price"),
        ("instance_type,hourly_price\nml.m5.xlarge,\n", 2, "hourly_price", "missing"),
        ("instance_type,hourly_price\n,0.2\n", 2, "instance_type", "missing"),
        (
            "instance_type,hourly_price\nml.a,1\nml.b,2\nml.a,3\n",
            4,
            "instance_type",
            "priced twice",
        ),
    ],
)
def test_bad_price_files_name_file_line_and_field(tmp_path, text, line, field, message):
    path = tmp_path / "prices.csv"
    path.write_text(text)
    with pytest.raises(ParseError, match=message) as e:
        load_prices(path)
    assert e.value.file == str(path) and e.value.line == line and e.value.field == field
    assert f"{path}:{line}" in str(e.value)


def test_bad_prices_in_a_dict():
    with pytest.raises(ParseError, match="unknown key"):
        load_prices({"ml.m5.xlarge": {"price": 1}})
    with pytest.raises(ParseError, match="not a number"):
        load_prices({"ml.m5.xlarge": "one dollar"})
    with pytest.raises(ParseError, match="lacks the column"):
        load_prices(pd.DataFrame({"instance_type": ["x"]}))


def test_missing_price_file():
    with pytest.raises(InputNotFoundError, match="does not exist"):
        load_prices("/nonexistent/prices.csv")


# -- job costs ----------------------------------------------------------------------------------


def test_job_costs():
    c = job_costs(_history(), PRICES, as_of=at(1800))
    assert list(c.columns) == [
        "job_name",
        "instance_type",
        "instance_count",
        "spot",
        "billable_s",
        "billable_basis",
        "hourly_price",
        "price_basis",
        "cost",
        "training_time_s",
        "billable_time_s",
        "spot_savings",
        "missing",
    ]
    c = c.set_index("job_name")
    assert c.loc["od", "billable_basis"] == "billable_time_s"
    assert c.loc["od", "cost"] == pytest.approx(4000 * 2 * 0.23 / 3600)
    assert c.loc["od", "price_basis"] == "on_demand"
    assert np.isnan(c.loc["od", "spot_savings"])
    # AWS bills a spot job's (already discounted) billable time at the on-demand price
    assert c.loc["spot", "cost"] == pytest.approx(1000 * 1.52 / 3600)
    assert c.loc["spot", "price_basis"] == "on_demand"
    assert c.loc["spot", "spot_savings"] == pytest.approx(0.75)
    assert c.loc["running", "billable_basis"] == "wall_s"
    assert c.loc["running", "billable_s"] == 1800.0
    assert c.loc["running", "price_basis"] == "spot"
    assert c.loc["running", "cost"] == pytest.approx(1800 * 0.5 / 3600)
    assert c["missing"].isna().all()
    assert c.attrs["as_of"] == at(1800)


def test_missing_prices_are_reported_never_zero():
    h = JobHistory.concat(
        [
            _history(),
            chain(
                "p4",
                [("Starting", 10), ("Completed", 0)],
                instance_type="ml.p4d.24xlarge",
                instance_count=1,
            ),
        ]
    )
    with pytest.warns(
        UserWarning,
        match=r"1 job\(s\) on instance type\(s\) without a price: "
        r"ml.p4d.24xlarge",
    ):
        c = job_costs(h, {"ml.m5.xlarge": 0.23, "ml.g5.2xlarge": 1.52})
    row = c.set_index("job_name").loc["p4"]
    assert np.isnan(row["cost"]) and row["missing"] == "no price for the instance type"
    assert pd.isna(row["price_basis"])


def test_unknown_instance_type_or_count():
    h = JobHistory.concat(
        [
            chain("notype", [("Starting", 10), ("Completed", 0)]),
            chain("nocount", [("Starting", 10), ("Completed", 0)], instance_type="ml.m5.xlarge"),
        ]
    )
    with pytest.warns(UserWarning, match="1 job\\(s\\) of unknown instance type"):
        c = job_costs(h, PRICES)
    assert c["missing"].tolist() == ["instance type unknown", "instance count unknown"]
    assert c["cost"].isna().all()


def test_no_warning_when_every_job_is_priced():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        job_costs(_history(), PRICES)
        phase_costs(_history(), PRICES)


def test_job_costs_of_the_real_example_have_no_price(data_dir):
    import smstatus

    h = smstatus.load(data_dir / "describe" / "desc-xgb-20250516.json")
    with pytest.warns(UserWarning, match="unknown instance type"):
        c = job_costs(h, PRICES)
    assert c["billable_basis"].tolist() == ["wall_s"]
    assert c["billable_s"].tolist() == [166.662]


# -- phase costs --------------------------------------------------------------------------------


def test_phase_costs_add_up_to_the_wall_time_cost():
    p = phase_costs(_history(), PRICES, as_of=at(1800))
    assert list(p.columns) == [
        "job_name",
        "status",
        "seconds",
        "instance_type",
        "instance_count",
        "hourly_price",
        "cost",
        "missing",
    ]
    od = p[p["job_name"] == "od"]
    assert od["status"].astype(str).tolist() == [
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert od["cost"].tolist() == pytest.approx(
        [s * 2 * 0.23 / 3600 for s in (600, 300, 3600, 100, 0)]
    )
    spot = p[p["job_name"] == "spot"]
    assert spot["hourly_price"].unique().tolist() == [0.5]  # the spot price when given
    assert spot["cost"].sum() == pytest.approx(4600 * 0.5 / 3600)
    running = p[p["job_name"] == "running"]
    assert running["seconds"].tolist() == [600.0, 1200.0]


def test_phase_costs_report_missing_prices():
    with pytest.warns(UserWarning, match="ml.g5.2xlarge"):
        p = phase_costs(_history(), {"ml.m5.xlarge": 0.23})
    g5 = p[p["instance_type"] == "ml.g5.2xlarge"]
    assert g5["cost"].isna().all()
    assert (g5["missing"] == "no price for the instance type").all()
