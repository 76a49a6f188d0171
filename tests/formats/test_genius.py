"""Genius XML: utilities as Genius computes them, repairs, errors, the round trip."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from accord.formats import FormatError, export_scenario, import_scenario
from accord.formats.toml_out import dumps
from accord.protocol.scenario import parse_scenario, utility_functions

from .helpers import FIXTURES, GENIUS_OPTIONS, GENIUS_PARTIES, genius_utility, sample

FOLDER = FIXTURES / "genius"
FILES = [FOLDER / n for n in ("trip.xml", "alice.xml", "bob.xml", "carol.xml")]


def load(paths: list[Path]):
    imported = import_scenario("genius", paths)
    return parse_scenario(dumps(imported.scenario), file="imported.toml"), imported.repairs


def test_utilities_equal_the_fixture() -> None:
    scenario, repairs = load(FILES)
    functions = utility_functions(scenario)
    assert [i.title for i in scenario.issues] == ["Where", "Nights"]
    assert [list(i.options) for i in scenario.issues] == list(GENIUS_OPTIONS.values())
    packages = sample(list(itertools.product(*GENIUS_OPTIONS.values())), 6)
    for party, p in GENIUS_PARTIES.items():
        scale = sum(p["w"])  # carol's weights sum to 0.8: scaled to 1
        f = functions[party]
        assert f.reservation == pytest.approx(p["r"] / scale)
        for where, nights in packages:
            expected = genius_utility(party, where, nights) / scale
            assert f({"where": where, "nights": nights}) == pytest.approx(expected, abs=1e-12)
    assert any("carol.xml: weights sum to 0.8" in r for r in repairs)
    assert "discount factor 0.9" in scenario.description
    assert "discount factor 0.9" in scenario.delegation("alice").brief.notes


def test_folder_is_split_into_domain_and_profiles() -> None:
    scenario, _ = load([FOLDER])
    assert set(scenario.seats) == {"alice", "bob", "carol"}


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def test_quirks_are_repaired_and_reported(tmp_path: Path) -> None:
    domain = FILES[0].read_bytes().replace(b'"City"', b'"Caf\x80 & Co"')
    alice = (
        FILES[1]
        .read_bytes()
        .replace(b'"City"', b'"Caf\x80 & Co"')
        .replace(b'value="0.6"', b'value="6.0E-1 "')
        .replace(b'value="0.4"', b'value="0.4d"')
    )
    bob = FILES[2].read_bytes().replace(b'"City"', b'"Caf\x80 & Co"')
    paths = [
        write(tmp_path, "trip.xml", domain),
        write(tmp_path, "alice.xml", alice),
        write(tmp_path, "bob.xml", bob),
    ]
    scenario, repairs = load(paths)
    assert scenario.issues[0].options[2] == "Caf€ & Co"
    text = "\n".join(repairs)
    assert "trip.xml: not UTF-8 (byte 0x80" in text and "read as Windows-1252" in text
    assert "alice.xml: 1 bare '&' read as a literal '&'" in text
    assert "alice.xml: weight index '1': spaces around '6.0E-1 ' ignored" in text
    assert "alice.xml: weight index '2': Java type suffix in '0.4d' ignored" in text
    f = utility_functions(scenario)["alice"]
    assert f({"where": "Caf€ & Co", "nights": "4"}) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "bob.xml",
            b'value="City" evaluation="1"',
            b'value="City"',
            "bob.xml: issue 'Where': item 'City' has no evaluation",
        ),
        (
            "bob.xml",
            b'evaluation="5"',
            b'evaluation="five"',
            "bob.xml: issue 'Where': item 'Beach': 'five' is not a number",
        ),
        (
            "bob.xml",
            b'<weight index="2" value="0.3"></weight>',
            b"",
            "bob.xml: issue 'Nights': no <weight> with index '2'",
        ),
        (
            "bob.xml",
            b'<item index="3" value="City" evaluation="1"></item>',
            b"",
            "bob.xml: issue 'Where': item 'City' has no evaluation",
        ),
        (
            "bob.xml",
            b'value="Beach" evaluation="5"',
            b'value="Sea" evaluation="5"',
            "bob.xml: issue 'Where': item 'Beach' has no evaluation",
        ),
        (
            "bob.xml",
            b'<reservation value="0.0">',
            b'<reservation value="1.5">',
            "bob.xml: reservation: 1.5 is outside [0, 1]",
        ),
        ("bob.xml", b"</utility_space>", b"", "bob.xml: not well-formed XML"),
        (
            "trip.xml",
            b'name="Nights" type="discrete"',
            b'name="Nights" type="real"',
            "trip.xml: issue 'Nights': 'real' issues are not supported",
        ),
        (
            "trip.xml",
            b'<item index="2" value="Mountains"></item>\n<item index="3" value="City"></item>',
            b"",
            "trip.xml: issue 'Where': has 1 item(s), at least 2 are needed",
        ),
    ],
)
def test_malformed_input_names_file_and_field(
    tmp_path: Path, file: str, old: bytes, new: bytes, message: str
) -> None:
    for source in FILES:
        shutil.copy(source, tmp_path / source.name)
    path = tmp_path / file
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    with pytest.raises(FormatError) as caught:
        import_scenario("genius", [tmp_path / f.name for f in FILES])
    assert isinstance(caught.value, ValueError)
    assert message in str(caught.value)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<negotiation_template><utility_space><objective name="&lol3;"/></utility_space></negotiation_template>
"""


def test_xml_bomb_is_refused(tmp_path: Path) -> None:
    paths = [write(tmp_path, "bomb.xml", BOMB), FILES[1], FILES[2]]
    with pytest.raises(FormatError, match=r"bomb\.xml: refused: the file declares entities"):
        import_scenario("genius", paths)


def test_external_entity_is_refused(tmp_path: Path) -> None:
    xxe = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><negotiation_template>&e;</negotiation_template>'
    with pytest.raises(FormatError, match="refused"):
        import_scenario("genius", [write(tmp_path, "x.xml", xxe), FILES[1], FILES[2]])


def test_round_trip_genius_accord_genius_preserves_utilities(tmp_path: Path) -> None:
    first, _ = load(FILES)
    written, _ = export_scenario("genius", first, tmp_path / "out")
    assert [p.name for p in written] == ["trip.xml", "alice.xml", "bob.xml", "carol.xml"]
    second, repairs = load(written)
    assert repairs == []
    assert second.issues == first.issues
    before, after = utility_functions(first), utility_functions(second)
    for seat in first.seats:
        assert after[seat].reservation == pytest.approx(before[seat].reservation, abs=1e-12)
        for where, nights in itertools.product(*GENIUS_OPTIONS.values()):
            package = {"where": where, "nights": nights}
            assert after[seat](package) == pytest.approx(before[seat](package), abs=1e-12)
            # and for the parties whose weights summed to 1, exactly Genius's numbers
            if seat != "carol":
                assert after[seat](package) == pytest.approx(
                    genius_utility(seat, where, nights), abs=1e-12
                )


def test_export_folds_an_issue_maximum_below_one_into_the_weight(tmp_path: Path) -> None:
    scenario = parse_scenario(
        """
id = "t"
[[issues]]
id = "a"
options = ["x", "y"]
[[issues]]
id = "b"
options = ["p", "q"]
[[delegations]]
id = "one"
brief = { reservation = 0.1, weights = { a = 0.5, b = 0.5 }, values = { a = [0.2, 0.6], b = [0.0, 1.0] } }
[[delegations]]
id = "two"
brief = { reservation = 0.0, weights = { a = 0.5, b = 0.5 }, values = { a = [1.0, 0.0], b = [1.0, 0.0] } }
"""
    )
    written, notes = export_scenario("genius", scenario, tmp_path)
    assert any("peaks at 0.6" in n for n in notes)
    text = (tmp_path / "one.xml").read_text()
    assert 'evaluation="1.0"' in text and 'value="0.3"' in text
    # Genius's formula on the written file gives accord's utility 0.5 * 0.6 + 0.5 * 1.0
    assert written[0].name == "t.xml"
