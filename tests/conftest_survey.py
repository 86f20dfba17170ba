"""Helpers for the survey tests: a canonical respondents frame and writers for every layout.

Each writer turns canonical respondents back into one export layout (KoboToolbox with or
without group paths, ODK Central, labels exports, select_multiple as summary / split
columns, geopoints as parts or raw text), so tests can check that reading any layout gives
the same canonical frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo4mi.survey.xlsform import Form


def canonical_example(form: Form, n: int = 40, seed: int = 7) -> pd.DataFrame:
    """Canonical respondents for the example form (what read_export must return)."""
    rng = np.random.default_rng(seed)
    boroughs = form.choices_of("borough")
    cols: dict[str, object] = {}
    cols["gps_lat"] = pd.array(np.round(rng.uniform(19.30, 19.50, n), 6), dtype="Float64")
    cols["gps_lon"] = pd.array(np.round(rng.uniform(-99.20, -99.05, n), 6), dtype="Float64")
    no_gps = rng.random(n) < 0.25
    cols["gps_lat"][no_gps] = pd.NA
    cols["gps_lon"][no_gps] = pd.NA
    cols["borough"] = pd.array(rng.choice(boroughs, n), dtype="string")
    cols["age"] = pd.array(rng.integers(18, 70, n), dtype="Int64")
    cols["age"][3] = pd.NA
    cols["gender"] = pd.array(rng.choice(form.choices_of("gender"), n), dtype="string")
    cols["time_in_city"] = pd.array(rng.choice(["3_12m", "1_5y"], n), dtype="string")
    reasons = form.choices_of("leave_reasons")
    picks = rng.random((n, len(reasons))) < 0.4
    picks[np.arange(n), rng.integers(0, len(reasons), n)] = True
    asked = rng.random(n) > 0.2
    summary = np.array([" ".join(c for c, p in zip(reasons, row,
                                                   strict=True) if p) for row in picks],
                       dtype=object)
    summary[~asked] = pd.NA
    cols["leave_reasons"] = pd.arrays.StringArray(summary)
    for j, c in enumerate(reasons):
        arr = pd.array(picks[:, j], dtype="boolean")
        arr[~asked] = pd.NA
        cols[f"leave_reasons/{c}"] = arr
    victim = rng.choice(["yes", "no"], n)
    cols["discriminated"] = pd.array(rng.choice(["yes", "no"], n), dtype="string")
    cols["crime_victim"] = pd.array(victim, dtype="string")
    complaint = np.where(victim == "yes", rng.choice(["yes", "no"], n), None).astype(object)
    complaint[complaint == None] = pd.NA  # noqa: E711
    cols["complaint_filed"] = pd.arrays.StringArray(complaint)
    income = np.round(rng.uniform(1000, 20000, n), 2)
    cols["income"] = pd.array(income, dtype="Float64")
    cols["income"][5] = pd.NA
    comments = np.array([pd.NA] * n, dtype=object)
    comments[1] = 'dijo "hola", y luego; adiós'
    comments[2] = "Niño de año y medio, señora Peña"
    comments[4] = "línea uno\nlínea dos"
    cols["comments"] = pd.arrays.StringArray(comments)
    frame = pd.DataFrame(cols)
    frame["_id"] = pd.array(np.arange(1000, 1000 + n), dtype="Int64")
    frame["_uuid"] = pd.array([f"uuid-{i:04d}" for i in range(n)], dtype="string")
    frame["_row"] = np.arange(1, n + 1)
    return frame


def _fmt_number(value: object, decimal_comma: bool) -> str:
    if pd.isna(value):
        return ""
    text = repr(float(value)) if isinstance(value, float) else str(value)
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",") if decimal_comma else text


def to_layout(canon: pd.DataFrame, form: Form, *, groups: str | None = "/",
              multi: str = "both", split_sep: str = "/", geo: str = "kobo",
              labels: str | None = None, odk: bool = False,
              decimal_comma: bool = False) -> pd.DataFrame:
    """Canonical respondents as an export table of strings in the given layout.

    groups: group separator in headers, or None to leave groups out.
    multi: "both", "summary" or "split" for select_multiple.
    geo: "kobo" (_q_latitude...), "odk" (q-Latitude...) or "raw" ("lat lon alt acc").
    labels: a language code to write labels instead of names (headers and values).
    odk: ODK Central conventions (0-filled split columns, KEY instead of _uuid).
    """
    out: dict[str, list[str]] = {}
    n = len(canon)
    for q in form.data_questions().to_dict("records"):
        name, kind = q["name"], q["type"]
        path = name if groups is None or not q["group"] else \
            groups.join([*q["group"].split("/"), name])
        header = (q[f"label::{labels}"] or path) if labels else path
        if kind == "geopoint":
            lat, lon = canon[f"{name}_lat"], canon[f"{name}_lon"]
            if geo == "raw":
                out[header] = ["" if pd.isna(a) else f"{_fmt_number(a, False)} "
                               f"{_fmt_number(b, False)} 2240.5 4.9" for a, b in zip(lat, lon,
                                                                                     strict=True)]
            elif geo == "odk":
                for part, values in (("Latitude", lat), ("Longitude", lon),
                                     ("Altitude", [2240.5] * n), ("Accuracy", [4.9] * n)):
                    out[f"{path}-{part}"] = [_fmt_number(v, decimal_comma) if not pd.isna(a)
                                             else "" for v, a in zip(values, lat, strict=True)]
            else:
                out[header] = ["" if pd.isna(a) else f"{_fmt_number(a, False)} "
                               f"{_fmt_number(b, False)} 2240.5 4.9" for a, b in zip(lat, lon,
                                                                                     strict=True)]
                for part, values in (("latitude", lat), ("longitude", lon),
                                     ("altitude", [2240.5] * n), ("precision", [4.9] * n)):
                    out[f"_{header}_{part}"] = [_fmt_number(v, decimal_comma) if not pd.isna(a)
                                                else "" for v, a in zip(values, lat, strict=True)]
        elif kind == "select_one":
            values = canon[name]
            if labels:
                values = values.map(lambda v, q=q: form.choice_label(q["list_name"], v, labels),
                                    na_action="ignore")
            out[header] = values.fillna("").tolist()
        elif kind == "select_multiple":
            choices = form.choices_of(name)
            if multi in ("both", "summary"):
                values = canon[name]
                if labels:
                    values = values.map(lambda v, q=q: " ".join(
                        form.choice_label(q["list_name"], c, labels) for c in v.split()),
                        na_action="ignore")
                out[header] = values.fillna("").tolist()
            if multi in ("both", "split"):
                for c in choices:
                    col = canon[f"{name}/{c}"]
                    head = (f"{header}/{form.choice_label(q['list_name'], c, labels)}"
                            if labels else f"{path}{split_sep}{c}")
                    out[head] = ["0" if pd.isna(v) and odk else "" if pd.isna(v)
                                 else str(int(bool(v))) for v in col]
        elif kind in ("integer", "decimal"):
            out[header] = [_fmt_number(v, decimal_comma) for v in canon[name]]
        else:
            out[header] = canon[name].fillna("").tolist()
    if odk:
        out["KEY"] = ["uuid:" + v for v in canon["_uuid"]]
    else:
        out["_id"] = [str(v) for v in canon["_id"]]
        out["_uuid"] = canon["_uuid"].tolist()
        out["_submission_time"] = ["2021-06-01T10:00:00"] * n
        out["_index"] = [str(i + 1) for i in range(n)]
    return pd.DataFrame(out, dtype=object)


def write_csv(table: pd.DataFrame, path: Path, *, sep: str = ",", encoding: str = "utf-8",
              bom: bool = False, crlf: bool = False) -> Path:
    text = table.to_csv(sep=sep, index=False, lineterminator="\r\n" if crlf else "\n")
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_xlsx(table: pd.DataFrame, path: Path, *, sheet: str = "Sheet1",
               first_sheet: str | None = None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    if first_sheet:
        book.create_sheet(first_sheet).append(["nothing", "here"])
    ws = book.create_sheet(sheet)
    ws.append(list(table.columns))
    def cell(v):  # numbers as Excel stores them (age 34 -> 34, 0/1 split columns -> 0/1)
        if v == "":
            return None
        try:
            number = float(v)
        except (TypeError, ValueError):
            return v
        return int(number) if number.is_integer() and "." not in v else number

    for row in table.itertuples(index=False):
        ws.append([cell(v) for v in row])
    book.save(path)
    return path


def bundled_study_text(export: Path | None = None) -> str:
    """The bundled study file's text with absolute paths to the bundled files (and to
    ``export`` instead of the bundled sample, when given)."""
    from geo4mi.study import bundled_study_path

    data = bundled_study_path().parent
    text = bundled_study_path().read_text(encoding="utf-8")
    text = text.replace('path = "../boundaries/', f'path = "{data.parent}/boundaries/')
    if export is not None:
        text = text.replace('"sample_kobo.csv"', f'"{export}"')
    for name in ("sample_kobo.csv", "questionnaire.xlsx", "indicators.toml", "sites.csv",
                 "context_metro_lines.geojson", "context_metro_stations.geojson",
                 "context_metrobus_lines.geojson", "context_landmarks.geojson",
                 "census2020_population.csv"):
        text = text.replace(f'"{name}"', f'"{data / name}"')
    return text


def copy_bundled_study(folder: Path, extra: str = "") -> Path:
    """A copy of the bundled study in ``folder`` whose paths still point at the bundled
    files, with ``extra`` TOML appended (new sections)."""
    path = Path(folder) / "study.toml"
    path.write_text(bundled_study_text() + extra, encoding="utf-8")
    return path
