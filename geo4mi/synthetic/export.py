"""The synthetic sample as a KoboToolbox CSV export, and ``python -m geo4mi.synthetic``.

:func:`to_kobo_export` lays canonical respondents out as KoboToolbox lays out a CSV export
of the form (group paths, select_multiple choice columns, the split geopoint, metadata
columns); :func:`write_sample` writes it the way Kobo does (``;``-separated, every cell
quoted, UTF-8), atomically and with the same bytes every run; :func:`main` is the command
that regenerates the bundled ``data/sample_kobo.csv``.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo4mi.errors import FormError
from geo4mi.io import atomic_write
from geo4mi.synthetic.form import FORM_PATH, REPO, form_layout
from geo4mi.synthetic.respondents import generate_respondents

log = logging.getLogger(__name__)

#: The bundled sample, as :func:`write_sample` writes it by default.
SAMPLE_PATH = REPO / "data" / "sample_kobo.csv"
_NONE = np.array(None, dtype=object)  # a missing cell for np.where (typed as an array)


def to_kobo_export(respondents: pd.DataFrame,
                   form_path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Lay out canonical respondents as a KoboToolbox CSV export of ``form_path``.

    Headers are XML names with ``/`` group paths (``profile/age``); top-level questions have
    no prefix. A select_multiple gives its summary column (space-separated names) and one
    ``group/q/choice`` column of ``1``/``0``, empty when the question was not asked. A
    geopoint gives ``gps`` (``"lat lon altitude precision"``) and ``_gps_latitude``,
    ``_gps_longitude``, ``_gps_altitude``, ``_gps_precision``. Kobo's metadata columns
    (``_id``, ``_uuid``, ``_submission_time``, ... ``_index``) close the table.

    Parameters
    ----------
    respondents : DataFrame
        Canonical respondents, e.g. from :func:`generate_respondents`.
    form_path : path-like, optional
        The XLSForm. Default: the bundled questionnaire.

    Returns
    -------
    DataFrame
        All cells as strings (``"string"`` dtype), NA where the CSV cell is empty.

    Examples
    --------
    >>> export = to_kobo_export(generate_respondents(20, seed=3))
    >>> list(export.columns[:4]), "profile/age" in export, "_gps_latitude" in export
    (['start', 'end', 'interview_site', 'enumerator'], True, True)
    """
    questions, lists = form_layout(FORM_PATH if form_path is None else form_path)
    n = len(respondents)
    out: dict[str, Any] = {}

    def text(values: Any) -> pd.arrays.StringArray:
        return pd.array(np.asarray(values, dtype=object), dtype="string")

    def need(column: str) -> pd.Series:
        if column not in respondents.columns:
            raise FormError(f"respondents: column {column!r} of the form is missing; pass "
                            "respondents made for this form")
        return respondents[column]

    for q in questions:
        path = f"{q.group}/{q.name}" if q.group else q.name
        if q.type == "geopoint":
            lat = need(f"{q.name}_lat").astype("Float64")
            lon = need(f"{q.name}_lon").astype("Float64")
            missing = lat.isna().to_numpy() | lon.isna().to_numpy()
            ids = respondents["_id"].fillna(0).to_numpy(dtype=np.int64) if "_id" in \
                respondents else np.arange(n, dtype=np.int64)
            alt = 2230.0 + ((ids * 40503) % 251) / 5.0          # stable per respondent
            prec = 3.0 + ((ids * 2654435761) % 4096) / 4096 * 17.0
            fields = {"latitude": np.char.mod("%.5f", lat.fillna(0).to_numpy(float)),
                      "longitude": np.char.mod("%.5f", lon.fillna(0).to_numpy(float)),
                      "altitude": np.char.mod("%.1f", alt), "precision": np.char.mod("%.1f", prec)}
            raw = fields["latitude"].astype(object)
            for key in ("longitude", "altitude", "precision"):
                raw = raw + " " + fields[key].astype(object)
            prefix = f"{q.group}/_" if q.group else "_"
            out[path] = text(np.where(missing, _NONE, raw))
            for key, values in fields.items():
                out[f"{prefix}{q.name}_{key}"] = text(np.where(missing, _NONE,
                                                               values.astype(object)))
        elif q.type == "select_multiple":
            out[path] = text(need(q.name).to_numpy(dtype=object, na_value=None))
            for choice in lists[q.list_name]:
                flags = need(f"{q.name}/{choice}").astype("boolean")
                out[f"{path}/{choice}"] = text(flags.map({True: "1", False: "0"},
                                                         na_action="ignore")
                                               .to_numpy(dtype=object, na_value=None))
        else:
            column = need(q.name)
            if pd.api.types.is_integer_dtype(column.dtype):
                values = column.astype("Int64").astype("string")
            else:
                values = column.astype("string")
            out[path] = text(values.to_numpy(dtype=object, na_value=None))
    meta = {"_id": respondents["_id"].astype("string") if "_id" in respondents
            else pd.Series(np.arange(1, n + 1)).astype("string"),
            "_uuid": respondents.get("_uuid"), "_submission_time": respondents.get(
                "_submission_time"), "_validation_status": None, "_notes": None,
            "_status": "submitted_via_web", "_submitted_by": None,
            "__version__": "v4MiCdmxDemo2021", "_tags": None,
            "_index": np.arange(1, n + 1).astype(str)}
    for key, value in meta.items():
        if value is None or isinstance(value, str):
            out[key] = text(np.full(n, value, dtype=object))
        else:
            out[key] = text(np.asarray(value, dtype=object))
    return pd.DataFrame(out)


def write_sample(path: str | os.PathLike[str] = SAMPLE_PATH, *, n: int = 301,
                 seed: int = 4) -> Path:
    """Write the synthetic sample as a KoboToolbox CSV export (atomically, same bytes each run).

    Like KoboToolbox's CSV exports: ``;``-separated, every cell quoted, UTF-8, XML names with
    ``/`` group paths.

    Parameters
    ----------
    path : path-like, default ``data/sample_kobo.csv``
    n : int, default 301
    seed : int, default 4

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_sample(pathlib.Path(tempfile.mkdtemp()) / "s.csv", n=12, seed=1)
    >>> out.read_text(encoding="utf-8").splitlines()[0][:32]
    '"start";"end";"interview_site";"'
    """
    export = to_kobo_export(generate_respondents(n, seed=seed))
    with atomic_write(path) as tmp:
        export.to_csv(tmp, sep=";", index=False, quoting=csv.QUOTE_ALL, na_rep="",
                      lineterminator="\n", encoding="utf-8")
    log.info("wrote %d synthetic respondents to %s", n, path)
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    """``python -m geo4mi.synthetic``: regenerate ``data/sample_kobo.csv``."""
    parser = argparse.ArgumentParser(
        prog="python -m geo4mi.synthetic",
        description="Write the SYNTHETIC demonstration sample as a KoboToolbox CSV export.")
    parser.add_argument("--output", type=Path, default=SAMPLE_PATH)
    parser.add_argument("-n", type=int, default=301, help="respondents (default 301)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (default 4)")
    args = parser.parse_args(argv)
    print(write_sample(args.output, n=args.n, seed=args.seed))
    return 0
