"""Cargo manifests: good CSV and JSON, every kind of bad row named by line and field, bay limits."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.domain.manifest import (
    BayLimits,
    HandlingClass,
    InvalidBayLimit,
    Manifest,
    ManifestError,
    ManifestFormat,
    ManifestRowError,
    Parcel,
    ViolationKind,
    check_against,
    decode_manifest,
    parse_manifest,
)
from gcs.errors import GcsError

CSV, JSON = ManifestFormat.CSV, ManifestFormat.JSON
HEADER = "parcel_id,mass_kg,length_m,width_m,height_m,x_m,y_m,z_m,destination,handling_class,description"
GOOD_ROWS = (
    "P-1,200,1,1,1,-1,0,0.5,SGSIN-HUB1,general,",
    "P-2,200,1,1,1,1,0,0.5,SGSIN-HUB1,lithium_batteries,power banks",
    "P-3,100,1,1,1,0,0.5,1.0,MYKUL-HUB2,fragile,\"glass, keep upright\"",
)
# Totals of GOOD_ROWS worked by hand: 500 kg, 3 m³, CG x (−200 + 200 + 0)/500 = 0,
# y 100·0.5/500 = 0.1, z (400·0.5 + 100·1.0)/500 = 0.6.

BAY = BayLimits(
    inner_diameter_m=4.0, height_m=3.0, volume_m3=10.0, max_mass_kg=1000.0, max_parcel_mass_kg=300.0,
    cg_axial_min_m=0.5, cg_axial_max_m=1.5, cg_lateral_max_m=0.2,
    handling_classes=(HandlingClass.GENERAL, HandlingClass.FRAGILE, HandlingClass.LITHIUM_BATTERIES),
)


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def _parcel_json(**overrides: object) -> dict[str, object]:
    parcel: dict[str, object] = {
        "parcel_id": "J-1", "mass_kg": 10.0, "length_m": 0.5, "width_m": 0.5, "height_m": 0.5,
        "x_m": 0.0, "y_m": 0.0, "z_m": 0.25, "destination": "SGSIN-HUB1", "handling_class": "general",
    }
    parcel.update(overrides)
    return {k: v for k, v in parcel.items() if v is not _ABSENT}


_ABSENT = object()


def _json(*parcels: dict[str, object]) -> str:
    """One key per line, so that each problem's line is the line of its key."""
    return json.dumps(list(parcels), indent=1)


def _problems(text: str, fmt: ManifestFormat) -> list[tuple[int, str]]:
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "m", fmt)
    return [(p.line, p.field) for p in info.value.problems]


def _why(text: str, fmt: ManifestFormat) -> str:
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "m", fmt)
    return "\n".join(p.why for p in info.value.problems)


# --- good files ----------------------------------------------------------------------------------


def test_good_csv_gives_parcels_with_their_lines_and_totals() -> None:
    manifest = parse_manifest(_csv(*GOOD_ROWS), "cargo.csv", CSV)
    assert manifest.source_name == "cargo.csv"
    assert [(p.parcel_id, p.line) for p in manifest.parcels] == [("P-1", 2), ("P-2", 3), ("P-3", 4)]
    assert manifest.parcels[1].handling_class is HandlingClass.LITHIUM_BATTERIES
    assert manifest.parcels[2].description == "glass, keep upright"
    totals = manifest.totals
    assert (totals.parcel_count, totals.mass_kg, totals.volume_m3) == (3, 500.0, 3.0)
    assert (totals.cg.x_m, totals.cg.y_m, totals.cg.z_m) == pytest.approx((0.0, 0.1, 0.6))
    assert totals.cg.lateral_m == pytest.approx(0.1)
    assert [(c.handling_class, c.parcel_count, c.mass_kg) for c in totals.by_class] == [
        (HandlingClass.GENERAL, 1, 200.0),
        (HandlingClass.FRAGILE, 1, 100.0),
        (HandlingClass.LITHIUM_BATTERIES, 1, 200.0),
    ]
    assert totals.heaviest.parcel_id == "P-1"


def test_csv_columns_in_any_order_without_the_optional_one_blank_lines_and_spaces() -> None:
    header = "handling_class, destination ,z_m,y_m,x_m,height_m,width_m,length_m,mass_kg,parcel_id"
    text = f"{header}\n\n General ,X, 0.5 ,0,0,1,1,1, 1e1 ,A\r\n\r\n"
    manifest = parse_manifest(text, "m", CSV)
    [parcel] = manifest.parcels
    assert (parcel.parcel_id, parcel.mass_kg, parcel.handling_class, parcel.line) == (
        "A", 10.0, HandlingClass.GENERAL, 3)


def test_good_json_in_both_shapes_matches_the_csv() -> None:
    from_csv = parse_manifest(_csv(*GOOD_ROWS), "m", CSV)
    parcels = [
        {k: getattr(p, k) for k in ("parcel_id", "mass_kg", "length_m", "width_m", "height_m",
                                     "x_m", "y_m", "z_m", "destination", "description")}
        | {"handling_class": p.handling_class.value}
        for p in from_csv.parcels
    ]
    as_list = parse_manifest(json.dumps(parcels, indent=2), "m.json", JSON)
    as_object = parse_manifest(json.dumps({"parcels": parcels}), "m.json", JSON)
    for manifest in (as_list, as_object):
        assert [(p.parcel_id, p.mass_kg, p.handling_class) for p in manifest.parcels] == [
            (p.parcel_id, p.mass_kg, p.handling_class) for p in from_csv.parcels
        ]
        assert manifest.totals.cg == from_csv.totals.cg
    # indent=2: "[" on line 1, then 13 lines a parcel ("{", 11 keys, "}"); a parcel's line is its "{".
    assert [p.line for p in as_list.parcels] == [2, 15, 28]


# --- bad rows: each kind, with its line and field -------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "field", "why"),
    [
        ("P-9,-5,1,1,1,0,0,2.5,X,general,", "mass_kg", "-5 kg is not > 0"),
        ("P-9,0,1,1,1,0,0,2.5,X,general,", "mass_kg", "0 kg is not > 0"),
        ("P-9,NaN,1,1,1,0,0,2.5,X,general,", "mass_kg", "not a finite number (NaN)"),
        ("P-9,inf,1,1,1,0,0,2.5,X,general,", "mass_kg", "not a finite number"),
        ("P-9,1e999,1,1,1,0,0,2.5,X,general,", "mass_kg", "not a finite number (inf)"),
        ("P-9,12kg,1,1,1,0,0,2.5,X,general,", "mass_kg", "'12kg' is not a number"),
        ("P-9,1_000,1,1,1,0,0,2.5,X,general,", "mass_kg", "is not a number"),
        ("P-9,\u0663,1,1,1,0,0,2.5,X,general,", "mass_kg", "is not a number"),  # an Arabic-Indic 3
        ("P-9,,1,1,1,0,0,2.5,X,general,", "mass_kg", "empty (a value is required)"),
        ("P-9,5,1,-1,1,0,0,2.5,X,general,", "width_m", "-1 m is not > 0"),
        ("P-9,5,1,1,1,0,nan,2.5,X,general,", "y_m", "not a finite number"),
        ("P-9,5,1,1,1,0,0,2.5,,general,", "destination", "empty"),
        ("P-9,5,1,1,1,0,0,2.5,X,lithium,", "handling_class", "'lithium' is not a handling class (general,"),
        ("P-9,5,1,1,1,0,0,2.5,X,,", "handling_class", "empty"),
        ("P 9,5,1,1,1,0,0,2.5,X,general,", "parcel_id", "'P 9' is not 1-64 characters"),
        (",5,1,1,1,0,0,2.5,X,general,", "parcel_id", "empty"),
        ("P-1,5,1,1,1,0,0,2.5,X,general,", "parcel_id", "'P-1' is already used on line 2"),
        ("P-9,5,1,1,1,-1,0,0.5,X,general,", "position", "overlaps parcel P-1 (line 2)"),
        ("P-9,5,1,1,1,0,0,2.5,X,general", "row", "10 field(s), but the header has 11 column(s)"),
        ("P-9,5,1,1,1,0,0,2.5,X,general,,extra", "row", "12 field(s)"),
    ],
)
def test_each_kind_of_bad_csv_row_is_named_by_line_and_field(bad_row: str, field: str, why: str) -> None:
    text = _csv(*GOOD_ROWS, bad_row)
    assert _problems(text, CSV) == [(5, field)]
    assert why in _why(text, CSV)


@pytest.mark.parametrize(
    ("header", "problems", "why"),
    [
        (HEADER + ",weight", [(1, "weight")], "unknown column; expected: parcel_id, mass_kg"),
        (HEADER.replace("mass_kg", "mass"), [(1, "mass"), (1, "mass_kg")], "missing column"),
        (HEADER + ",mass_kg", [(1, "mass_kg")], "column given twice (columns 2 and 12)"),
        (HEADER.replace(",", ";"), None, "(the separator is a comma)"),
    ],
)
def test_bad_csv_headers(header: str, problems: list[tuple[int, str]] | None, why: str) -> None:
    row = "P-1,200,1,1,1,-1,0,0.5,X,general," + ("," if header.endswith(("weight", "mass_kg")) else "")
    text = _csv(row, header=header)
    if problems is not None:
        assert _problems(text, CSV) == problems
    assert why in _why(text, CSV)


def test_empty_csv_and_header_only_are_refused() -> None:
    assert _problems("", CSV) == [(1, "header")]
    assert _problems("\n\n", CSV) == [(1, "header")]
    assert _problems(_csv(), CSV) == [(1, "parcels")]


def test_unreadable_csv_quoting_is_reported_and_says_reading_stopped() -> None:
    text = _csv(GOOD_ROWS[0], 'P-2,"20"0,1,1,1,1,0,0.5,X,general,', GOOD_ROWS[2])
    assert _problems(text, CSV) == [(3, "row")]
    assert "the rows after it were not read" in _why(text, CSV)


@pytest.mark.parametrize(
    ("overrides", "line", "field", "why"),
    [
        # _json() puts "[" on line 1, "{" on line 2, then one key per line in _parcel_json's order.
        ({"mass_kg": -1}, 4, "mass_kg", "-1 kg is not > 0"),
        ({"mass_kg": "10"}, 4, "mass_kg", "expected a number, got a string"),
        ({"mass_kg": True}, 4, "mass_kg", "expected a number, got true"),
        ({"mass_kg": None}, 4, "mass_kg", "expected a number, got null"),
        ({"mass_kg": 10**400}, 4, "mass_kg", "not a finite number (too large)"),
        ({"destination": 7}, 11, "destination", "expected a string, got a number"),
        ({"handling_class": "live_animals"}, 12, "handling_class", "is not a handling class"),
        ({"mass_kg": _ABSENT}, 2, "mass_kg", "missing (this field is required)"),
        ({"weight_kg": 3}, 13, "weight_kg", "unknown key"),
    ],
)
def test_each_kind_of_bad_json_parcel_is_named_by_line_and_field(
    overrides: dict[str, object], line: int, field: str, why: str
) -> None:
    text = _json(_parcel_json(**overrides))
    assert _problems(text, JSON) == [(line, field)]
    assert why in _why(text, JSON)


@pytest.mark.parametrize(
    ("text", "problems", "why"),
    [
        ("[\n{\"parcel_id\": \"A\",\n \"mass_kg\": 1,,}]", [(3, "json")], "not valid JSON"),
        ("", [(1, "json")], "not valid JSON"),
        ('{"cargo": []}', [(1, "cargo"), (1, "parcels")], 'expected only "parcels"'),
        ('{"parcels": {}}', [(1, "parcels")], "expected a list, got an object"),
        ('{"parcels": [],\n "parcels": []}', [(2, "parcels")], "key given twice"),
        ('"parcels"', [(1, "json")], 'expected a list of parcels or {"parcels": [...]}'),
        ("[\n 3,\n null]", [(2, "parcel"), (3, "parcel")], "expected an object, got a number"),
        ("[]", [(1, "parcels")], "no parcels"),
        ('[{"mass_kg": NaN}]', None, "not a finite number (nan)"),
        ("[" * 100_000, [(1, "json")], ""),
    ],
)
def test_bad_json_structure(text: str, problems: list[tuple[int, str]] | None, why: str) -> None:
    if problems is not None:
        assert _problems(text, JSON) == problems
    assert why in _why(text, JSON)


def test_json_key_given_twice_in_one_parcel() -> None:
    text = '[{"parcel_id": "A",\n "parcel_id": "B"}]'
    assert (2, "parcel_id") in _problems(text, JSON)
    assert "key given twice in one parcel (first on line 1)" in _why(text, JSON)


def test_every_bad_row_is_reported_in_line_order_and_nothing_is_dropped() -> None:
    text = _csv(
        GOOD_ROWS[0],
        "B-1,heavy,1,1,1,0,0,2.5,X,general,",        # line 3
        GOOD_ROWS[1],
        "B-2,5,1,1,1,0,0,,X,fragile,",              # line 5
        "B-3,-1,1,1,1,0,1.5,0.5,X,perishables,",    # line 6: two bad fields, both named
        GOOD_ROWS[2],
    )
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "cargo.csv", CSV)
    error = info.value
    assert isinstance(error, GcsError)
    assert [(p.line, p.field) for p in error.problems] == [
        (3, "mass_kg"), (5, "z_m"), (6, "mass_kg"), (6, "handling_class")]
    lines = str(error).splitlines()
    assert lines[0] == "cargo.csv: manifest rejected, 4 problem(s)"
    assert lines[1] == "cargo.csv:3: mass_kg: 'heavy' is not a number"
    assert lines[2].startswith("cargo.csv:5: z_m: empty")


def test_decode_refuses_non_utf8_naming_the_line_and_strips_a_byte_order_mark() -> None:
    with pytest.raises(ManifestError) as info:
        decode_manifest(b"a,b\nc,d\n\xff\xfe,x\n", "m.csv")
    [problem] = info.value.problems
    assert (problem.line, problem.field) == (3, "file")
    assert "byte 0xff at offset 8" in problem.why
    assert decode_manifest(b"\xef\xbb\xbfparcel_id", "m.csv") == "parcel_id"


# --- limits ---------------------------------------------------------------------------------------


def _manifest(*rows: str) -> Manifest:
    return parse_manifest(_csv(*rows), "m.csv", CSV)


def _kinds(manifest: Manifest) -> list[ViolationKind]:
    return [v.kind for v in check_against(manifest, BAY)]


def test_a_load_within_every_limit_has_no_violations() -> None:
    assert check_against(_manifest(*GOOD_ROWS), BAY) == ()


def test_over_mass_names_the_mass_and_the_limit() -> None:
    rows = [f"M-{i},250,0.5,0.5,0.5,{-1.0 + 0.5 * i},0,0.75,X,general," for i in range(5)]  # 1,250 kg
    [violation] = check_against(_manifest(*rows), BAY)
    assert violation.kind is ViolationKind.TOTAL_MASS
    assert (violation.value, violation.limit) == (1250.0, 1000.0)
    assert violation.message == "total mass 1,250.0 kg is over the bay's maximum of 1,000.0 kg by 250.0 kg"


def test_over_volume() -> None:
    rows = [f"V-{i},50,1.4,1.4,1.4,{-0.7 + 1.4 * (i % 2)},{-0.7 + 1.4 * (i // 2)},1.0,X,general,"
            for i in range(4)]  # 4 × 2.744 m³ = 10.976 m³ over 10 m³
    [violation] = check_against(_manifest(*rows), BAY)
    assert violation.kind is ViolationKind.TOTAL_VOLUME
    assert "total volume 10.98 m³ is over the bay's 10.00 m³" in violation.message


@pytest.mark.parametrize(
    ("rows", "kind", "text"),
    [
        (("A,100,1,1,0.4,0,0,0.2,X,general,",), ViolationKind.CG_AXIAL,
         "cargo CG 0.200 m above the bay floor is below the envelope 0.500-1.500 m"),
        (("A,100,1,1,1,0,0,2.4,X,general,",), ViolationKind.CG_AXIAL,
         "cargo CG 2.400 m above the bay floor is above the envelope 0.500-1.500 m"),
        (("A,100,1,1,1,0.3,0.4,1,X,general,",), ViolationKind.CG_LATERAL,
         "cargo CG 0.500 m off the axis (x +0.300 m, y +0.400 m) is over the 0.200 m allowed"),
    ],
)
def test_cg_outside_the_envelope(rows: tuple[str, ...], kind: ViolationKind, text: str) -> None:
    [violation] = check_against(_manifest(*rows), BAY)
    assert violation.kind is kind
    assert violation.message == text
    assert violation.line is None


def test_cg_exactly_on_the_envelope_edges_is_inside() -> None:
    assert check_against(_manifest("A,100,1,1,1,0,0,0.5,X,general,"), BAY) == ()
    assert check_against(_manifest("A,100,1,1,1,0,0,1.5,X,general,"), BAY) == ()


def test_parcel_over_the_per_parcel_maximum_names_the_parcel_and_line() -> None:
    manifest = _manifest(GOOD_ROWS[0], "H-1,301,0.5,0.5,0.5,0,0,0.75,X,general,", GOOD_ROWS[1])
    [violation] = check_against(manifest, BAY)
    assert violation.kind is ViolationKind.PARCEL_MASS
    assert (violation.parcel_id, violation.line, violation.field) == ("H-1", 3, "mass_kg")
    assert violation.message == "parcel H-1: 301.0 kg is over the 300.0 kg per-parcel maximum"


def test_handling_class_not_allowed_on_the_vehicle() -> None:
    manifest = _manifest(*GOOD_ROWS, "D-1,10,0.5,0.5,0.5,0,-1,0.75,X,dangerous_goods,")
    [violation] = check_against(manifest, BAY)
    assert violation.kind is ViolationKind.HANDLING_CLASS
    assert (violation.parcel_id, violation.line, violation.field) == ("D-1", 5, "handling_class")
    allowed = "(allowed: general, fragile, lithium_batteries)"
    assert violation.message == f"parcel D-1: dangerous_goods is not carried by this vehicle {allowed}"


@pytest.mark.parametrize(
    ("row", "field", "text"),
    [
        ("O-1,10,0.5,0.5,0.5,0,-1,0.2,X,general,", "z_m", "bottom at -0.050 m is below the bay floor"),
        ("O-1,10,0.5,0.5,0.5,0,-1,2.8,X,general,", "z_m",
         "top at 3.050 m is above the bay's 3.000 m ceiling"),
        ("O-1,10,0.5,0.5,0.5,1.6,-1.2,0.5,X,general,", "position",
         "a corner 2.351 m from the axis is outside the bay's 2.000 m inner radius"),
    ],
)
def test_parcel_outside_the_bay(row: str, field: str, text: str) -> None:
    violations = [v for v in check_against(_manifest(*GOOD_ROWS, row), BAY)
                  if v.kind is ViolationKind.PARCEL_OUTSIDE_BAY]
    assert [(v.line, v.field) for v in violations] == [(5, field)]
    assert text in violations[0].message


def test_a_parcel_flush_with_the_wall_floor_and_ceiling_fits() -> None:
    # Corner at (1.2, 1.6): exactly 2.0 m from the axis.
    rows = ("W-1,10,0.4,0.4,3.0,1.0,1.4,1.5,X,general,", "W-2,10,0.4,0.4,3.0,-1.0,-1.4,1.5,X,general,")
    assert check_against(_manifest(*rows), BAY) == ()


def test_violations_list_totals_first_then_parcels_in_line_order() -> None:
    rows = (
        "A,400,1,1,1,-1,0,2.4,X,dangerous_goods,",
        "B,400,1,1,1,1,0,2.4,X,general,",
        "C,400,1,1,1,0,0,2.4,X,general,",
    )
    found = [(v.kind, v.line) for v in check_against(_manifest(*rows), BAY)]
    assert found == [
        (ViolationKind.TOTAL_MASS, None), (ViolationKind.CG_AXIAL, None),
        (ViolationKind.PARCEL_MASS, 2), (ViolationKind.HANDLING_CLASS, 2),
        (ViolationKind.PARCEL_MASS, 3), (ViolationKind.PARCEL_MASS, 4),
    ]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"height_m": 0.0}, "height_m"),
        ({"max_mass_kg": math.nan}, "max_mass_kg"),
        ({"max_parcel_mass_kg": 2000.0}, "max_parcel_mass_kg"),
        ({"cg_axial_min_m": 2.0}, "cg_axial_max_m"),
        ({"cg_axial_max_m": 3.5}, "cg_axial_max_m"),
        ({"cg_lateral_max_m": 2.5}, "cg_lateral_max_m"),
        ({"handling_classes": ()}, "handling_classes"),
        ({"handling_classes": (HandlingClass.GENERAL, HandlingClass.GENERAL)}, "handling_classes"),
    ],
)
def test_bay_limits_that_cannot_be_right_name_their_field(change: dict[str, object], key: str) -> None:
    values = {name: getattr(BAY, name) for name in BayLimits.__dataclass_fields__} | change
    with pytest.raises(InvalidBayLimit) as info:
        BayLimits(**values)  # type: ignore[arg-type]
    assert info.value.key == key


def test_values_refuse_what_the_parser_would_never_build() -> None:
    with pytest.raises(ValueError, match="mass_kg"):
        Parcel("A", -1.0, 1, 1, 1, 0, 0, 0.5, "X", HandlingClass.GENERAL)
    with pytest.raises(ValueError, match="at least one parcel"):
        Manifest("m", ())
    good = Parcel("A", 1.0, 1, 1, 1, 0, 0, 0.5, "X", HandlingClass.GENERAL)
    with pytest.raises(ValueError, match="unique"):
        Manifest("m", (good, good))


# --- never anything but ManifestError -------------------------------------------------------------

_CELLS = st.one_of(
    st.sampled_from(["", " ", "0", "-1", "1", "0.5", "2.5", "1e3", "NaN", "inf", "-0", "x", "general",
                     "lithium_batteries", "P-1", "P-1", "\"", "\"a,b\"", "é", "\x00", "1e999"]),
    st.text(max_size=8),
)
_ROWS = st.lists(st.lists(_CELLS, min_size=0, max_size=13).map(",".join), max_size=8)


def _parse_anything(data: bytes) -> None:
    for fmt in (CSV, JSON):
        problems: tuple[ManifestRowError, ...] = ()
        try:
            manifest = parse_manifest(decode_manifest(data, "m"), "m", fmt)
        except ManifestError as exc:
            problems = exc.problems
        else:
            assert manifest.totals.mass_kg > 0
            assert all(p.line > 0 for p in manifest.parcels)
            continue
        # Rejected: with at least one problem, each placed and named.
        assert problems
        assert all(p.line >= 0 and p.field for p in problems)


@given(st.binary(max_size=300))
def test_random_bytes_raise_nothing_but_manifest_error(data: bytes) -> None:
    _parse_anything(data)


@given(_ROWS, st.booleans())
def test_random_csv_rows_raise_nothing_but_manifest_error(rows: list[str], with_header: bool) -> None:
    text = _csv(*rows) if with_header else "\n".join(rows)
    _parse_anything(text.encode("utf-8", "surrogatepass"))


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=12,
)
_JSON_PARCELS = st.lists(
    st.fixed_dictionaries({}, optional=dict.fromkeys(HEADER.split(","), _JSON_VALUES | _CELLS)),
    max_size=4,
)


@given(st.one_of(_JSON_PARCELS, st.fixed_dictionaries({"parcels": _JSON_PARCELS}), _JSON_VALUES))
def test_random_json_documents_raise_nothing_but_manifest_error(document: object) -> None:
    _parse_anything(json.dumps(document, indent=1).encode("utf-8", "surrogatepass"))


_BOXES = st.lists(
    st.tuples(*[st.integers(0, 6)] * 3, *[st.integers(1, 3)] * 3),  # centre and size, in 0.25 m steps
    min_size=1, max_size=25,
)


@given(_BOXES)
def test_overlaps_flag_exactly_the_parcels_that_overlap_an_earlier_row(boxes: list[tuple[int, ...]]) -> None:
    rows = [f"B-{i},1,{lx / 4},{ly / 4},{lz / 4},{x / 4},{y / 4},{z / 4 + 2},X,general,"
            for i, (x, y, z, lx, ly, lz) in enumerate(boxes)]

    def overlap(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
        # In eighths of a metre, so the reference is exact: centres 2x, half sizes 1x the quarter steps.
        return all(abs(2 * a[k] - 2 * b[k]) < a[k + 3] + b[k + 3] for k in range(3))

    expected = {i + 2 for i, box in enumerate(boxes) if any(overlap(box, boxes[j]) for j in range(i))}
    problems: tuple[ManifestRowError, ...] = ()
    try:
        parse_manifest(_csv(*rows), "m", CSV)
    except ManifestError as exc:
        problems = exc.problems
    assert {p.field for p in problems} <= {"position"}
    assert {p.line for p in problems} == expected
