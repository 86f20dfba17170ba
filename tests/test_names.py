"""Borough-name matching: every variant seen in real data maps to the right alcaldía."""

import pandas as pd
import pytest

from geo4mi.boundaries import load_areas
from geo4mi.errors import AreaNameError
from geo4mi.names import AreaNameMatcher, normalize_name
from geo4mi.study import bundled_study_path, load_study


@pytest.fixture(scope="module")
def matcher():
    """The bundled study's matcher: its [boundaries] aliases are Mexico City's variants."""
    aliases = load_study(bundled_study_path()).boundaries.aliases
    return AreaNameMatcher(load_areas(), aliases=aliases)


@pytest.mark.parametrize("typed, area_id, method", [
    ("Cuauhtémoc", "09015", "exact"),
    ("Cuauhtemoc", "09015", "exact"),
    ("CUAUHTEMOC", "09015", "exact"),
    ("Alcaldía Cuauhtémoc", "09015", "exact"),
    ("Delegación Cuauhtémoc", "09015", "exact"),
    ("Del. Cuauhtémoc", "09015", "exact"),
    ("Alvaro Obregon", "09010", "exact"),
    ("Álvaro Obregón", "09010", "exact"),
    ("Gustavo A Madero", "09005", "exact"),
    ("Gustavo A. Madero", "09005", "exact"),
    ("gustavo_a_madero", "09005", "exact"),
    ("GAM", "09005", "alias"),
    ("Itzapalapa", "09007", "alias"),
    ("Iztapalapa", "09007", "exact"),
    ("Magdalena Contreras", "09008", "alias"),
    ("La Magdalena Contreras", "09008", "exact"),
    ("Cuajimalpa", "09004", "alias"),
    ("Cuajimalpa de Morelos", "09004", "exact"),
    ("09015", "09015", "exact"),
    ("015", "09015", "exact"),
    ("  benito   juárez ", "09014", "exact"),
])
def test_known_variants(matcher, typed, area_id, method):
    result = matcher.match(typed)
    assert (result.area_id, result.method) == (area_id, method)


def test_fuzzy_match_is_reported(matcher):
    result = matcher.match("Venustiano Caranza")
    assert result.area_id == "09017"
    assert result.method == "fuzzy"
    assert "Venustiano Carranza" in result.note and "similarity" in result.note


def test_unmatched_name_suggests_closest(matcher):
    with pytest.raises(AreaNameError, match=r"'Ecatepec' matches no area; closest: "):
        matcher.match("Ecatepec")


def test_ambiguous_fuzzy_match_is_refused():
    areas = pd.DataFrame({"area_id": ["a", "b"], "area_name": ["San Juan Norte", "San Juan Sur"]})
    result = AreaNameMatcher(areas).lookup("San Juan")
    assert result.area_id is None
    assert result.method == "ambiguous"
    assert "ambiguous between" in result.note


def test_match_many_keeps_index_and_reports_each(matcher):
    values = pd.Series(["GAM", None, "Xochimilco", "Atlantis"], index=[10, 11, 12, 13])
    out = matcher.match_many(values)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out["area_id"].tolist()[0] == "09005"
    assert out["method"].tolist() == ["alias", "missing", "exact", "unmatched"]
    assert pd.isna(out.loc[13, "area_id"])
    assert "matches no area" in out.loc[13, "note"]


def test_normalize_strips_prefixes_repeatedly():
    assert normalize_name("Alcaldía Del. Tlalpan") == "tlalpan"


def test_the_library_knows_no_city_variants():
    """Without the study's aliases, "GAM" is no known variant: aliases are study data."""
    result = AreaNameMatcher(load_areas()).lookup("GAM")
    assert (result.area_id, result.method) == (None, "unmatched")


def test_alias_of_an_unknown_area_is_left_out_with_a_warning(caplog):
    areas = pd.DataFrame({"area_id": ["1"], "area_name": ["Norte"]})
    m = AreaNameMatcher(areas, aliases={"N": "Norte", "S": "Sur"})
    assert m.match("N").method == "alias"
    assert m.lookup("S").area_id is None
    assert "official name 'Sur' is not an area name" in caplog.text


def test_lookup_equals_scoring_every_candidate():
    """The pruned ranking gives what scoring every candidate with difflib gives."""
    import difflib
    import random

    rng = random.Random(7)
    ids = sorted({f"0900{rng.randrange(2, 18):02d}{rng.randrange(10**4):04d}"
                  f"{rng.choice('0123456789A')}" for _ in range(400)})
    m = AreaNameMatcher(pd.DataFrame({"area_id": ids, "area_name": [f"Zona {i}" for i in ids]}))

    def reference(key):
        scored = sorted(((difflib.SequenceMatcher(None, key, c).ratio(), c)
                         for c in m._candidates), reverse=True)
        best_id = m._lookup[scored[0][1]][0]
        runner = next(((s, c) for s, c in scored[1:] if m._lookup[c][0] != best_id), (0.0, ""))
        closest = tuple(dict.fromkeys(m._names[m._lookup[c][0]] for _, c in scored))[:3]
        return scored[0], runner, closest

    typed = ["zona", "Benito Juarez", "x", *(f"zona {i[:-2]}" for i in ids[:40]),
             *(i[:-1] + "B" for i in ids[:40]), *(i[3:] for i in ids[40:60])]
    for key in typed:
        head = m._ranked(normalize_name(key))
        best, runner, closest = reference(normalize_name(key))
        assert head[0] == best
        assert next(((s, c) for s, c in head[1:] if m._lookup[c][0] != m._lookup[best[1]][0]),
                    (0.0, "")) == runner
        assert tuple(dict.fromkeys(m._names[m._lookup[c][0]] for _, c in head))[:3] == closest
