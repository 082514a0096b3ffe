"""Issue 10 in AppTest: one state across screens and in the link, time made visible, plain words,
exports that carry their provenance, compare/timeline that explain, uploads that say what they did."""

import datetime as dt
import io
import re

import pandas as pd
import pytest
from conftest import qp, run_app
from streamlit.testing.v1 import AppTest

app = run_app


def clean(at) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "Unexpected problem" in e.value]
    return at


def go(at, screen: str) -> AppTest:
    at.sidebar.radio(key="screen").set_value(screen).run()
    return clean(at)


def texts(at) -> str:
    """Every markdown on the page as plain text (acronym hover tags removed)."""
    return re.sub(r"<[^>]+>", "", " ".join(m.value for m in at.markdown))


# ---------------------------------------------------------------------------------------------
# one state

def test_chip_and_destination_follow_the_user_across_every_screen():
    at = clean(app())
    at.selectbox(key="m_chip").set_value("amd-mi300x").run()
    at.selectbox(key="m_dest").set_value("IN").run()
    for screen, chip_key, dest_key in (("Where can this chip go?", "map_chip", None),
                                       ("Threshold planes", "plane_chip", "plane_dest"),
                                       ("Timeline", "tl_chip", "tl_dest"), ("Sweep", "sw_chip", "sw_dest"),
                                       ("Matrix", "m_chip", "m_dest")):
        go(at, screen)
        assert at.selectbox(key=chip_key).value == "amd-mi300x", screen
        if dest_key:
            assert at.selectbox(key=dest_key).value == "IN", screen
        assert qp(at, "chip") == ["amd-mi300x"] and qp(at, "dest") == ["IN"]


def test_matrix_summary_follows_the_destination_picked():
    at = clean(app())
    assert "China (CN)" in texts(at)
    at.selectbox(key="m_dest").set_value("IN").run()
    summary = [m.value for m in at.markdown if m.value.startswith("**India (IN)**")]
    assert summary and "allowed" in summary[0]
    assert not [m.value for m in at.markdown if m.value.startswith("**China (CN)**")]


def test_a_link_restores_each_screens_settings():
    at = clean(app(screen="Compare", **{"from": "us-2023-11", "to": "us-2026-01", "dests": "Country group D:5"}))
    assert at.selectbox(key="cmp_from").value == "us-2023-11"
    assert at.selectbox(key="cmp_to").value == "us-2026-01"
    assert at.selectbox(key="cmp_dests").value == "Country group D:5"
    at.selectbox(key="cmp_to").set_value("us-2024-12").run()
    assert qp(at, "to") == ["us-2024-12"] and qp(at, "dests") == ["Country group D:5"]
    go(at, "Matrix")
    go(at, "Compare")  # a round trip through another screen keeps them
    assert at.selectbox(key="cmp_to").value == "us-2024-12"


def test_a_link_naming_a_chip_this_session_lacks_says_so():
    at = clean(app(chip="up-1", dest="ZZ"))
    warnings = " ".join(w.value for w in at.warning)
    assert "up-1" in warnings and "ZZ" in warnings
    assert at.selectbox(key="m_chip").value == "nvidia-h20"


def test_changing_preset_keeps_compatible_edits_and_can_undo():
    at = clean(app(scenario="us-2023-11"))
    at.sidebar.number_input(key="param:3A090.a.1.tpp").set_value(2300).run()
    at.sidebar.selectbox(key="scenario_choice").set_value("us-2026-01").run()
    clean(at)
    assert at.sidebar.number_input(key="param:3A090.a.1.tpp").value == 2300
    assert "3A090.a.1.tpp:2300" in qp(at, "set")
    assert any("kept" in i.value for i in at.sidebar.info)
    at.sidebar.selectbox(key="scenario_choice").set_value("us-2022-10").run()
    assert any("set aside" in i.value and "3A090.a.1.tpp" in i.value for i in at.sidebar.info)
    assert "set" not in at.query_params
    at.sidebar.button(key="undo_switch").click().run()
    assert at.sidebar.selectbox(key="scenario_choice").value == "us-2026-01"
    assert at.sidebar.number_input(key="param:3A090.a.1.tpp").value == 2300
    assert not at.sidebar.info  # the notice went with the undo
    at.sidebar.selectbox(key="scenario_choice").set_value("us-2024-12").run()
    assert at.sidebar.info
    go(at, "Method")  # and a notice lives until the user's next action
    assert not at.sidebar.info


def test_tied_thresholds_are_named_and_can_move_together():
    at = clean(app(scenario="us-2023-11"))
    at.sidebar.number_input(key="param:3A090.a.1.tpp").set_value(4000).run()
    warning = [w.value for w in at.sidebar.warning if "ties" in w.value]
    assert warning and "3A090.note.tpp" in warning[0]
    at.sidebar.button(key="tie:3A090.a.1.tpp").click().run()
    assert at.sidebar.number_input(key="param:3A090.note.tpp").value == 4000
    assert not [w.value for w in at.sidebar.warning if "ties" in w.value]


# ---------------------------------------------------------------------------------------------
# time

def test_a_preset_with_phases_lets_the_user_pick_the_april_2025_letters():
    # "the April 2025 rules" answer as of the letters; the August 2025 licences are one choice away
    at = clean(app(scenario="us-2025-04-h20", chip="nvidia-h20", dest="CN"))
    phase = at.sidebar.radio(key="phase_pick")
    assert phase.options and len(phase.options) >= 2
    assert phase.value == "letters"
    assert at.dataframe[0].value.loc["nvidia-h20", "CN"] == "denied"
    phase.set_value(phase.options[1]).run()
    clean(at)
    assert at.sidebar.date_input(key="as_of").value == dt.date(2025, 8, 11)
    assert at.dataframe[0].value.loc["nvidia-h20", "CN"] == "license"
    assert qp(at, "as_of") == ["2025-08-11"]
    again = clean(app(scenario="us-2025-04-h20", phase="letters", chip="nvidia-h20", dest="CN"))  # the phase's id
    assert again.dataframe[0].value.loc["nvidia-h20", "CN"] == "denied"


def test_screening_options_change_the_verdict_and_live_in_the_link():
    at = clean(app(scenario="us-2026-01", chip="nvidia-t4", dest="FR"))
    assert at.dataframe[0].value.loc["nvidia-t4", "FR"] == "allowed"
    at.sidebar.selectbox(key="entity_pick").set_value("listed").run()
    clean(at)
    assert at.dataframe[0].value.loc["nvidia-t4", "FR"] == "denied"
    assert qp(at, "el") == ["listed"]
    shared = clean(app(scenario="us-2026-01", chip="nvidia-t4", dest="FR", el="listed"))
    assert shared.dataframe[0].value.loc["nvidia-t4", "FR"] == "denied"
    transfer = clean(app(scenario="us-2026-01", chip="nvidia-h200-sxm", dest="CN", ship="transfer"))
    assert transfer.dataframe[0].value.loc["nvidia-h200-sxm", "CN"] == "denied"


def test_a_sale_inside_the_us_reads_as_no_export():
    at = clean(app(scenario="us-2026-01", chip="nvidia-h100-sxm", dest="US", hq="CN"))
    assert any("inside the United States is no export" in m.value for m in at.markdown)


@pytest.mark.parametrize("scenario, day, words", [("us-2022-10", "2025-05-01", "superseded"),
                                                  ("us-2026-01", "2025-05-01", "took effect")])
def test_a_preset_evaluated_outside_its_period_warns(scenario, day, words):
    at = clean(app(scenario=scenario, as_of=day))
    assert any(words in w.value for w in at.sidebar.warning)


def test_presets_are_listed_with_their_period_and_status():
    at = clean(app())
    box = at.sidebar.selectbox(key="scenario_choice")
    joined = " | ".join(box.options)  # AppTest lists the labels the user sees
    assert "superseded 2023-11-17" in joined and "in force since 2026-01-15" in joined
    assert "reported, unpublished" in joined and "[in force]" not in joined


# ---------------------------------------------------------------------------------------------
# plain words

def test_the_verdict_reads_as_a_sentence():
    at = clean(app(scenario="us-2025-04-h20", phase="letters", chip="nvidia-h20", dest="CN"))
    assert "License required, presumption of denial — the chip is outside 3A090 (not controlled), but" in texts(at)
    assert "LICENSE · not controlled" not in texts(at)


def test_method_page_says_what_the_engine_counts():
    from sim.rules.conventions import DEFAULT_CONVENTIONS

    at = clean(app(screen="Method"))
    page = texts(at)
    assert f"TF32 {DEFAULT_CONVENTIONS.tf32_bits} (convention)" in page
    assert f"**tf32_bits = {DEFAULT_CONVENTIONS.tf32_bits}**: a TF32 multiply reads" in page
    assert "CLI --" not in page and "chipsim schema" not in page  # web pages never send the reader to a command


def test_glossary_screen_finds_an_acronym_with_its_citation():
    at = clean(app(screen="Glossary"))
    at.text_input(key="gl_query").set_value("NAC").run()
    entries = [m.value for m in at.markdown if "**NAC**" in m.value]
    nac = [line for line in entries[0].splitlines() if line.startswith("- **NAC**")][0]
    assert "Notified Advanced Computing" in nac and "740.8" in nac
    assert "**TPP**" not in entries[0]  # the search narrows the list


# ---------------------------------------------------------------------------------------------
# exports

def test_the_matrix_csv_names_the_edited_scenario_and_carries_chip_figures():
    from conftest import chip_csv

    at = app(screen="Data", scenario="us-2023-11")
    at.session_state["pending_upload"] = ("mine.csv", chip_csv({"chip_id": "up-1", "fp8_tflops": 700}).encode())
    at.run()
    at.sidebar.number_input(key="param:3A090.a.1.tpp").set_value(2300).run()
    go(at, "Matrix")
    at.selectbox(key="m_group").set_value("All countries and territories").run()
    at.session_state["_capture_downloads"] = True
    at.run()
    name, data = at.session_state["_downloads"]["dl_matrix"]
    assert "us-2023-11+3A090.a.1.tpp=2300" in name and "own-chips" in name and name.endswith(".csv")
    assert data.startswith("\ufeff".encode())
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert {"chip_name", "tpp", "pd_tpp_per_mm2", "outcome", "scenario_edits", "chip_table", "chipsim_version"} <= set(frame)
    assert frame["scenario_edits"].iloc[0] == "3A090.a.1.tpp=2300 (preset 4800)"
    assert "mine.csv" in frame["chip_table"].iloc[0] and "up-1" in frame["chip_table"].iloc[0]
    assert "Åland Islands" in set(frame["destination_name"])
    h20 = frame[(frame["chip_id"] == "nvidia-h20") & (frame["destination"] == "CN")].iloc[0]
    assert h20["outcome"] == "denied" and float(h20["tpp"]) == pytest.approx(2368) and h20["chip_name"].startswith("HGX H20")


def test_the_edited_scenario_file_carries_its_provenance_and_still_loads(tmp_path):
    from sim.rules.scenario import load_scenario

    at = app(scenario="us-2023-11", as_of="2024-06-01")
    at.session_state["_capture_downloads"] = True
    at.sidebar.number_input(key="param:3A090.a.1.tpp").set_value(2300).run()
    name, text = at.session_state["_downloads"]["dl_scenario"]
    assert name.startswith("chipsim_us-2023-11+3A090.a.1.tpp=2300_2024-06-01")
    text = text.decode() if isinstance(text, bytes) else text
    assert "# chipsim " in text and "evaluated as of 2024-06-01" in text and "chips.csv" in text
    path = tmp_path / name
    path.write_text(text)
    assert load_scenario(str(path)).value("3A090.a.1.tpp") == 2300


def test_figure_downloads_say_edited():
    at = app(screen="Threshold planes", scenario="us-2023-11")
    at.sidebar.number_input(key="param:3A090.a.1.tpp").set_value(2300).run()
    at.session_state["_capture_downloads"] = True
    at.run()
    name, png = at.session_state["_downloads"]["dl_pd_png"]
    assert "3A090.a.1.tpp=2300" in name and png[:4] == b"\x89PNG" and b"edited" in png


# ---------------------------------------------------------------------------------------------
# compare, timeline, planes, uploads

def test_compare_one_country_shows_reclassifications_and_opens_the_timeline():
    at = clean(app(screen="Compare", to="us-2023-11", dest="CN"))
    changed = at.dataframe(key="cmp_table").value
    a100 = changed[changed["chip_id"] == "nvidia-a100-sxm"].iloc[0]
    assert (a100["outcome (from)"], a100["outcome (to)"]) == ("denied", "denied")
    assert a100["what changed"] == "classification" and a100["classification (to)"] == "3A090.a"
    assert set(changed["destination"]) == {"CN"}
    at.button(key="cmp_timeline").click().run()
    clean(at)
    assert at.sidebar.radio(key="screen").value == "Timeline"


def test_compare_gives_the_chosen_pairs_classifications_and_reasons_in_full():
    """The table shows what fits at 1440 px; the pair chosen in the sidebar is explained below it, both sides."""
    at = clean(app(screen="Compare", to="us-2023-11", dest="CN", chip="nvidia-a100-sxm"))
    shown = at.dataframe(key="cmp_table")
    assert "reason (to)" in shown.value.columns  # the data keeps every column (and the CSV download)
    details = next(m.value for m in at.markdown if m.value.startswith("**A100 SXM4 80GB (nvidia-a100-sxm) → CN"))
    a100 = shown.value[shown.value["chip_id"] == "nvidia-a100-sxm"].iloc[0]
    for side in ("from", "to"):
        assert a100[f"reason ({side})"] in details and f"classification {a100[f'classification ({side})']}" in details


def test_timeline_marks_a_new_rule_with_the_same_outcome():
    at = clean(app(screen="Timeline", chip="nvidia-a100-sxm", dest="CN"))
    mine = at.table[0].value
    dates = [c.split()[0] for c in at.dataframe[0].value.columns]
    assert dates == sorted(dates, reverse=True) and len(dates) > 3  # the every-chip grid: newest (today's) first
    assert "classification, rule" in set(mine["what changed"]) or "classification" in " ".join(mine["what changed"])


def test_planes_list_the_chips_they_cannot_draw():
    at = clean(app(screen="Threshold planes"))
    labels = [e.label for e in at.expander]
    assert any("chips not plotted" in label and "die area unknown" in label for label in labels)


def test_an_upload_says_what_it_added_and_may_replace_a_bundled_chip():
    from conftest import chip_csv

    at = app(screen="Data", scenario="us-2023-11")
    at.checkbox(key="replace_bundled").check().run()
    at.session_state["pending_upload"] = ("h20-fix.csv", chip_csv({"chip_id": "nvidia-h20", "name": "H20 (my figures)",
                                                                    "fp8_tflops": 900}).encode())
    at.run()
    clean(at)
    assert any("nvidia-h20" in s.value and "replacing" in s.value for s in at.success)
    go(at, "Matrix")
    assert at.dataframe[0].value.loc["nvidia-h20", "TPP"] == 7200


def test_the_regions_are_read_from_the_rules_and_move_with_an_edit():
    from sim.rules.scenario import load_scenario
    from ui.charts import regions

    s = load_scenario("us-2023-11")
    day = dt.date(2024, 6, 1)
    base, _ = regions(s, day, "tpp", "pd")
    moved, _ = regions(s.with_values({"3A090.a.1.tpp": 3000}), day, "tpp", "pd")
    a1 = base[base["label"].str.startswith("3A090.a.1")].iloc[0]
    assert a1["x0"] == 4800
    assert moved[moved["label"].str.startswith("3A090.a.1")].iloc[0]["x0"] == 3000
    dram, _ = regions(load_scenario("us-2026-01"), dt.date(2026, 3, 1), "tpp", "dram_bw_gbps")
    rlp = dram[dram["label"].str.startswith("rlp-2026-case-by-case")].iloc[0]
    assert (rlp["x1"], rlp["y1"]) == (21000, 6500)


def test_every_acronym_the_rules_show_is_in_the_glossary():
    """Titles, notes, exceptions, condition texts, destination labels and parameter families of every preset."""
    from sim.rules.glossary import acronyms_in, lookup
    from sim.rules.scenario import all_presets

    missing = {}
    for s in all_presets():
        rules = [r for rs in s.chains.values() for r in rs]
        found = [s.title, s.notes] + [r.get("note", "") + " " + r.get("exception", "") for r in rules]
        found += [c.get("text", "") for c in s.conditions + list(getattr(s, "advisories", []))]
        found += [d.get("label", "") for d in s.destination_sets.values()]
        found += [p.label + " " + p.short + " " + n.split(".")[0] for n, p in s.parameters.items()]
        for text in found:
            for word in acronyms_in(text):
                if lookup(word) is None:
                    missing.setdefault(word, s.id)
    assert not missing, f"add these to sim/rules/glossary.py: {missing}"
    assert lookup("NAC").citation and lookup("D:5").expansion.startswith("Country Group D:5")


def test_the_pd_plane_axis_reaches_every_chip_known_only_by_a_lower_bound():
    # Maia 200 is one monolithic die (<= 858 mm²), so PD >= 46.6: its bar starts above the old fixed
    # 40 TPP/mm² axis top and would have been drawn out of sight
    from sim import load_chips
    from sim.api import evaluate
    from sim.engine.metrics import with_metrics
    from ui.charts import chip_points, linear_top
    metrics = with_metrics(load_chips())
    points, _ = chip_points(metrics, evaluate("us-2026-01", destinations=["CN"]), "tpp", "pd")
    top = linear_top(points, "pd", 40.0)
    lows = points.loc[points["ranged"], "y_low"]
    assert (lows < top).all() and (points["pd"].dropna() < top).all()
    assert "microsoft-maia-200" in set(points.loc[points["ranged"], "chip_id"])
    assert lows.max() > 40.0  # the case that needed the fix is in the bundled table


def test_a_plane_region_never_claims_an_outcome_its_chips_do_not_get():
    """The April 2025 letters' DRAM region is shaded 'denied', but the H20 inside it is licensed by name and the
    H200 is reviewed case by case: the region's label says it does not decide them, and its tooltip names them."""
    from sim.api import evaluate
    from sim.engine.metrics import with_metrics
    from sim.rules.scenario import load_scenario
    from ui.charts import chip_points, mark_undecided, regions

    table = with_metrics(__import__("sim").load_chips())
    v = evaluate("us-2026-01", destinations=["CN"])
    points, _ = chip_points(table, v, "tpp", "dram_bw_gbps")
    regs = mark_undecided(regions(load_scenario("us-2026-01"), dt.date(2026, 12, 4), "tpp", "dram_bw_gbps")[0],
                          points, "tpp", "dram_bw_gbps")
    letters = regs[regs["rule"] == "h20-is-informed"].iloc[0]
    assert "not for" in letters["label"] and "HGX H20 96GB: license" in letters["others"]
    for r in regs[regs["kind"] == "rule"].itertuples():  # every chip inside a region gets its outcome, or is named
        inside = points[(points["tpp"] >= r.x0) & (points["tpp"] < r.x1) & (points["dram_bw_gbps"] >= r.y0)
                        & (points["dram_bw_gbps"] < r.y1)]
        differing = inside[(inside["outcome"] != r.what) & (inside["rule"] != r.rule)]
        assert len(differing) == 0 or f"not for {len(differing)} chips" in r.label


def test_the_sweep_says_why_a_stricter_value_gives_a_looser_outcome():
    """Lowering the 3A090 datacenter note's TPP (stricter) pulls the RTX 5090 D out of the April 2025 letters'
    reach into 3A090.a, where License Exception NAC applies: the Sweep says so on the spot."""
    at = clean(app(screen="Sweep", scenario="us-2026-01", param="3A090.note.tpp", dest="CN", lo="1000", hi="8000"))
    assert any("looser outcome on the stricter side" in w.value for w in at.warning)
    table = next(d.value for d in at.dataframe if "why looser" in d.value.columns).set_index("chip_id")
    assert "rule nac-notified gives exception" in table.loc["nvidia-rtx-5090-d", "why looser"]
    assert (table.loc["nvidia-rtx-5090-d", "below"], table.loc["nvidia-rtx-5090-d", "at or above"]) == ("exception", "denied")


def test_the_sweep_over_a_margin_lists_the_flips_of_the_threshold_it_scales():
    at = clean(app(screen="Sweep", scenario="moolenaar-2025-08", param="RELATIVE.margin", dest="CN", lo="0", hi="1"))
    options = at.selectbox(key="sw_param").options
    assert not any(o.startswith("RELATIVE.tpp") for o in options)  # derived: swept through its margin
    table = next(d.value for d in at.dataframe if "why looser" in d.value.columns).set_index("chip_id")
    assert float(table.loc["nvidia-h200-sxm", "flips at (fraction)"]) == pytest.approx(15832 / 12800 - 1, abs=1e-3)


def test_the_two_sweep_charts_reserve_the_same_axis_width_so_their_now_lines_align():
    from ui.charts import SWEEP_Y_EXTENT

    at = clean(app(screen="Sweep", scenario="us-2023-11", dest="CN"))
    specs = [__import__("json").loads(c.proto.spec) for c in at.get("arrow_vega_lite_chart")][:2]

    def y_axes(spec):
        return [layer["encoding"]["y"].get("axis") or {} for layer in spec["layer"] if "y" in layer.get("encoding", {})]

    for spec in specs:
        axes = [a for a in y_axes(spec) if a]
        assert axes and all(a.get("minExtent") == a.get("maxExtent") == SWEEP_Y_EXTENT for a in axes)
        assert all(layer["encoding"]["y"].get("title") is None for layer in spec["layer"] if "y" in layer.get("encoding", {}))
