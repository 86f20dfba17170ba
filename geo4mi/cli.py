"""Command-line interface: a thin wrapper over :mod:`geo4mi.pipeline` and the writers.

Every error a user can cause is printed as one line (``geo4mi: error: ...``) with exit
status 2 (also an :class:`OSError` such as a read-only folder or a full disk); ``--debug``
shows the traceback instead. Ctrl-C prints one line and exits with status 130. Outputs are
written atomically; ``build`` and ``demo`` swap a whole output set in at once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from geo4mi.errors import Geo4miError, OutputError
from geo4mi.i18n import LANGUAGES

log = logging.getLogger("geo4mi")

LANG_CHOICE = click.Choice(list(LANGUAGES))


# -- shared options -----------------------------------------------------------------------

def study_argument(required: bool = True) -> Callable[[Any], Any]:
    return click.argument("study", required=required,
                          type=click.Path(exists=True, dir_okay=False, path_type=Path))


def out_file_option(help_text: str) -> Callable[[Any], Any]:
    return click.option("-o", "--output", "output", required=True,
                        type=click.Path(dir_okay=False, path_type=Path), help=help_text)


def optional_out_option(help_text: str) -> Callable[[Any], Any]:
    return click.option("-o", "--output", "output", default=None, help=help_text,
                        type=click.Path(dir_okay=False, path_type=Path))


overwrite_option = click.option("--overwrite", is_flag=True,
                                help="Replace the output file when it exists.")
jobs_option = click.option(
    "--jobs", "jobs", type=click.IntRange(min=1), default=None,
    help="Figures drawn at the same time, in worker processes (default: one per CPU; 1: no "
         "workers). The files are the same whatever the number.")
lang_option = click.option("--lang", type=LANG_CHOICE, default=None,
                           help="Language of labels and text (default: the study's).")


def guard(path: Path, overwrite: bool) -> None:
    """Refuse to replace an existing output unless --overwrite was given."""
    from geo4mi.io import refuse_existing

    refuse_existing([path], overwrite)


def echo_written(paths: Sequence[Path]) -> None:
    for p in paths:
        click.echo(f"  wrote {p}")


# -- the group ----------------------------------------------------------------------------

class Interrupted(Exception):
    """Ctrl-C during a command (click would turn KeyboardInterrupt into Abort)."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise Interrupted() from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(package_name="geo4mi")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, quiet: bool) -> None:
    """geo4mi: borough indicators, offline maps and figures from 4Mi-style surveys."""
    levels = (logging.WARNING, logging.INFO, logging.DEBUG)
    level = logging.ERROR if quiet else levels[min(verbose, 2)]
    logging.basicConfig(level=level, format="geo4mi: %(levelname)s: %(message)s")
    # fontTools logs each PDF's font subsetting at INFO (hundreds of lines per figure set):
    # shown with -vv only
    logging.getLogger("fontTools").setLevel(logging.INFO if verbose >= 2 else logging.WARNING)
    ctx.obj = {"debug": debug}
    # Stage names and progress bars on a terminal only: logs, pipes and tests stay clean.
    from geo4mi import progress

    ctx.with_resource(progress.showing(not quiet and _stderr_is_terminal()))


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def _run(study: Path | None) -> Any:
    from geo4mi import pipeline, progress
    from geo4mi.study import bundled_study_path

    return pipeline.run(study or bundled_study_path(),
                        progress=progress.bar("estimation", unit="indicator"))


def _publishable(study: Path | None) -> Any:
    """:func:`_run`, refusing (before anything is written) outputs that would disclose a
    hidden figure (:func:`geo4mi.indicators.audit.refuse_results`)."""
    from geo4mi.indicators.audit import refuse_results

    results = _run(study)
    refuse_results(results)
    return results


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("maps"), show_default=True,
              help="Output folder. geo4mi's previous set in it is replaced as a whole at the "
                   "end (other files stay).")
@jobs_option
def demo(out_dir: Path, jobs: int | None) -> None:
    """Run the bundled Mexico City study (synthetic sample) and write every output."""
    from geo4mi.build import build_outputs
    from geo4mi.io import check_output_folder

    check_output_folder(out_dir)
    results = _run(None)
    click.echo("geo4mi demo: Mexico City study, SYNTHETIC DEMONSTRATION DATA "
               "(not real survey results)")
    _report_counts(results)
    from geo4mi.report.pdf import INSTALL_HINT, pdf_available

    pdf = pdf_available()
    echo_written(build_outputs(results, out_dir, report=True, pdf=pdf, jobs=jobs))
    if not pdf:
        click.echo(f"  report.pdf not written: {INSTALL_HINT}")


@cli.command()
@study_argument()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True,
              help="Output folder. geo4mi's previous set in it is replaced as a whole at the "
                   "end (other files stay).")
@jobs_option
@click.option("--no-empty", "no_empty", is_flag=True,
              help="Leave the no_data rows (areas and group values without respondents; most "
                   "rows at thousands of areas) out of estimates.csv and estimates.gpkg's "
                   "long layer; default: every row.")
def build(study: Path, out_dir: Path, jobs: int | None, no_empty: bool) -> None:
    """Compute the indicators of STUDY and write tables, maps and figures to --out."""
    from geo4mi.build import build_outputs
    from geo4mi.io import check_output_folder

    check_output_folder(out_dir)
    results = _run(study)
    _report_counts(results)
    echo_written(build_outputs(results, out_dir, jobs=jobs, empty=not no_empty))


@cli.command()
@study_argument()
@optional_out_option("Where to write the report as CSV "
                     "[default: quality_<study>.csv in the current folder].")
@overwrite_option
def check(study: Path, output: Path | None, overwrite: bool) -> None:
    """Validate STUDY; print and write the data-quality report.

    The report accounts for every row of the export: rows read, duplicates, out-of-universe
    rows, placement per borough and method, unknown choices and unmatched names, each
    excluded row with its reason. It holds row-level details: keep it with the raw data.
    Problems that would stop build are listed first, and then exit with status 2.
    """
    from geo4mi import pipeline
    from geo4mi.survey.quality import format_report, write_report

    if output is None:
        output = Path(f"quality_{study.stem}.csv")
    guard(output, overwrite)
    from geo4mi.scaffold import review_notes

    results = pipeline.check(study)  # lists problems that stop build instead of raising
    click.echo(format_report(results.quality))
    for line in review_notes(study):  # what geo4mi init asked to review, still in the files
        click.echo(f"  review: {line}")
    write_report(results.quality, output)
    echo_written([output])
    pipeline.raise_errors(results)  # exit status 2, as build would, once the report is out


@cli.command()
@study_argument()
@optional_out_option("Also write every finding as CSV (it names hidden figures: keep it "
                     "with the raw data).")
@overwrite_option
def audit(study: Path, output: Path | None, overwrite: bool) -> None:
    """Attack the estimates STUDY would publish; exit 2 if a hidden figure can be worked out.

    The intruder reads every published count and the catalogue's relations (areas sum to
    the city, group values to "all", follow-up universes, shared denominators, choices of
    one question) and bounds each hidden numerator; see docs/indicators.md.
    """
    from geo4mi.errors import DisclosureError
    from geo4mi.indicators.audit import audit_results, format_finding
    from geo4mi.io import write_csv

    if output is not None:
        guard(output, overwrite)
    results = _run(study)
    found = audit_results(results)
    for row in found.head(10).itertuples():
        click.echo(f"  {format_finding(row)}")
    counts = ", ".join(f"{k}: {v}" for k, v in found["what"].value_counts().sort_index().items())
    click.echo(f"{study.name}: {len(found)} hidden figures can be worked out"
               + (f" ({counts})" if counts else ""))
    if output is not None:
        write_csv(found, output)
        echo_written([output])
    if len(found):
        raise DisclosureError(f"{study.name}: the estimates disclose {len(found)} hidden "
                              "figures; raise min_n or merge small groups")


@cli.command()
@study_argument()
@out_file_option("Output file: .csv (labelled long table), .gpkg (joined to the boundaries) "
                 "or .analysistools.csv (IMPACT analysistools long format).")
@lang_option
@click.option("--no-empty", "no_empty", is_flag=True,
              help="Leave out the no_data rows (area and group values without respondents) "
                   "of a .csv long table or a .gpkg's long layer; default: every row.")
@overwrite_option
def indicators(study: Path, output: Path, lang: str | None, no_empty: bool,
               overwrite: bool) -> None:
    """Compute every indicator of STUDY and write the estimates table to -o FILE."""
    from geo4mi.build import write_indicator_file

    if no_empty and (not output.name.lower().endswith((".csv", ".gpkg"))
                     or output.name.lower().endswith(".analysistools.csv")):
        raise OutputError(f"{output}: --no-empty applies to the .csv long table and the "
                          ".gpkg only (an analysistools table never has no_data rows); "
                          "drop --no-empty")
    guard(output, overwrite)
    results = _publishable(study)
    write_indicator_file(results, output, lang=lang or results.study.language,
                         empty=not no_empty)
    echo_written([output])


@cli.command()
@study_argument()
@click.option("--loa", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="IMPACT list of analyses (CSV: analysis_type, analysis_var, "
                                 "group_var, level); default: every answer option of every "
                                 "catalogued question, city-wide and by area (no groups).")
@out_file_option("Output CSV in IMPACT analysistools' results format.")
@overwrite_option
def analyse(study: Path, loa: Path | None, output: Path, overwrite: bool) -> None:
    """Estimate STUDY as IMPACT analysistools would, every answer option, to -o FILE."""
    from geo4mi.indicators.analysistools import analyse as run_analysis
    from geo4mi.indicators.analysistools import write_table
    from geo4mi.study import load_study

    guard(output, overwrite)
    loaded = load_study(study)
    table = run_analysis(loaded, loa=loa)
    write_table(table, output, synthetic=loaded.synthetic, lang=loaded.language)
    echo_written([output])


@cli.command(name="map")
@study_argument()
@click.option("--kind", type=click.Choice(["choropleth", "sites"]), default="choropleth",
              show_default=True, help="Which map to draw.")
@out_file_option("Output HTML file (one self-contained file that works offline).")
@lang_option
@overwrite_option
def map_cmd(study: Path, kind: str, output: Path, lang: str | None, overwrite: bool) -> None:
    """Draw an interactive offline map of STUDY."""
    from geo4mi.build import write_map, write_map_pages

    guard(output, overwrite)
    results = _publishable(study)
    lang = lang or results.study.language
    echo_written(write_map_pages(results, output, lang=lang, overwrite=overwrite)
                 if kind == "choropleth"
                 else [write_map(results, output, kind=kind, lang=lang)])


# -- command: report --

@cli.command()
@study_argument()
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: report.html (report.<lang>.html for another language) and "
                   "the choropleth page its findings link to.")
@lang_option
@click.option("--pdf", is_flag=True,
              help="Also print the report to A4 as report.pdf (report.<lang>.pdf); needs "
                   "WeasyPrint: pip install 'geo4mi[pdf]'.")
@click.option("--overwrite", is_flag=True, help="Replace the report's files when they exist.")
def report(study: Path, out_dir: Path, lang: str | None, pdf: bool, overwrite: bool) -> None:
    """Write the findings report of STUDY: one offline HTML file (print it for A4)."""
    from geo4mi.build import write_map_pages
    from geo4mi.io import check_output_folder
    from geo4mi.report import write_report
    from geo4mi.report.document import map_page_name
    from geo4mi.report.pdf import pdf_engine
    from geo4mi.study import load_study

    check_output_folder(out_dir)
    if pdf:
        pdf_engine()  # a missing engine: one line, before the run and before any file
    study_lang = load_study(study).language
    lang = lang or study_lang
    page = map_page_name(study_lang, lang)
    stem = "report" if lang == study_lang else f"report.{lang}"
    pdf_path = out_dir / f"{stem}.pdf" if pdf else None
    for name in (f"{stem}.html", page, *([f"{stem}.pdf"] if pdf else [])):
        guard(out_dir / name, overwrite)  # before the run: a refusal touches nothing
    results = _publishable(study)
    # the map first: above SPLIT_ABOVE it is several pages, each checked before any is
    # written, so an existing group page stops the command before the report is written
    pages = write_map_pages(results, out_dir / page, lang=lang, overwrite=overwrite)
    path, counts = write_report(results, out_dir / f"{stem}.html", lang=lang, map_page=page,
                                pdf=pdf_path)
    echo_written([*pages, path, *([pdf_path] if pdf_path else [])])
    click.echo(f"  {counts['findings']} findings stated; the tested-difference rule rejected "
               f"{counts['rejected']} of {counts['tested']} candidate comparisons")


# -- command: compare --

@cli.command()
@click.argument("studies", nargs=-1,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: comparison.csv and comparison.html.")
@click.option("--lang", type=LANG_CHOICE, default=None,
              help="Language of the page and notes (default: the first study's).")
@click.option("--overwrite", is_flag=True, help="Replace comparison.csv and comparison.html "
              "when they exist.")
def compare(studies: tuple[Path, ...], out_dir: Path, lang: str | None,
            overwrite: bool) -> None:
    """Compare STUDY files side by side on the indicators they share by id."""
    from geo4mi.io import check_output_folder
    from geo4mi.report.compare import require_studies, write_comparison

    require_studies(studies)
    check_output_folder(out_dir)
    for name in ("comparison.csv", "comparison.html"):
        guard(out_dir / name, overwrite)  # before the runs: a refusal touches nothing
    echo_written(write_comparison([_publishable(s) for s in studies], out_dir, lang=lang))


# -- commands: sites / plan --

def _study_areas_sites(study_path: Path | None) -> tuple[Any, Any, Any]:
    """Load a study (default: the bundled one), its areas and its sites (None without [sites])."""
    from geo4mi.boundaries import load_areas
    from geo4mi.sites import read_sites
    from geo4mi.study import bundled_study_path, load_study

    study = load_study(study_path or bundled_study_path())
    b = study.boundaries
    areas = load_areas(b.path, layer=b.layer, id_field=b.id_field, name_field=b.name_field)
    sites = read_sites(study.sites.path, areas) if study.sites is not None else None
    return study, areas, sites


@cli.group()
def sites() -> None:
    """Candidate data-collection sites (public places only: never shelters or homes)."""


@sites.command(name="import")
@click.argument("geojson", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--study", "study_path", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None,
              help="Study whose [sites] file the candidates join (default: the bundled one).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the merged sites CSV here (the study's own sites file "
              "is never modified). Without it, only validate and report.")
@click.option("--radius", "duplicate_radius_m", type=click.FloatRange(min=0), default=50.0,
              show_default=True, help="Candidates closer than this (metres) to a site are "
              "reported as duplicates and not added.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write one line per feature (added, duplicate, refused "
              "or invalid, and why) to this text file.")
@overwrite_option
def sites_import(geojson: Path, study_path: Path | None, output: Path | None,
                 duplicate_radius_m: float, report_path: Path | None, overwrite: bool) -> None:
    """Validate a workshop GEOJSON (from the site map) and merge it into the study's sites.

    Shelters and homes are refused; duplicates (within --radius of a site) and invalid
    features are not added. Each is counted, with the first few shown; --report lists all.
    At most [sites] max_import features are read (default 10,000).
    """
    from geo4mi.errors import StudyError
    from geo4mi.io import atomic_write
    from geo4mi.sites import import_lines, import_sites, import_summary, write_sites_csv

    for path in (output, report_path):
        if path is not None:
            guard(path, overwrite)
    study, areas, existing = _study_areas_sites(study_path)
    if existing is None:
        raise StudyError(f"{study.path}: no [sites] section; add one (path = \"sites.csv\") "
                         "to merge workshop sites")
    merged, report = import_sites(geojson, existing, areas=areas,
                                  duplicate_radius_m=duplicate_radius_m,
                                  max_features=study.sites.max_import)
    names = dict(zip(areas["area_id"], areas["area_name"], strict=True))
    more = f" (all in {report_path})" if report_path else " (--report FILE lists them all)"
    lines = import_summary(report, area_names=names, more=more)
    lines[-1] = f"{geojson.name}: {lines[-1]}; {len(merged):,} sites in all"
    click.echo("\n".join(lines))
    written = []
    if output is not None:
        written.append(write_sites_csv(merged, output, overwrite=True))
    else:
        click.echo("  (nothing written: pass -o FILE.csv to write the merged sites)")
    if report_path is not None:
        with atomic_write(report_path, overwrite=True) as tmp:
            text = "".join(line + "\n" for line in import_lines(report, area_names=names))
            tmp.write_bytes(text.encode("utf-8"))
        written.append(report_path)
    echo_written(written)


@cli.command()
@study_argument()
@click.option("--total", type=click.IntRange(min=1), required=True,
              help="Interviews to allocate.")
@out_file_option("Plan CSV: area_id, area_name, eligible, measure, share, target.")
@click.option("--measure", default=None, metavar="census|csv:PATH|raster:PATH",
              help="What interviews are proportional to (default: the study's [plan] raster "
              "when set, else its census population).")
@click.option("--min-per-area", type=click.IntRange(min=0), default=None,
              help="Minimum interviews per selected borough (default: [plan] min_per_area).")
@overwrite_option
def plan(study: Path, total: int, output: Path, measure: str | None,
         min_per_area: int | None, overwrite: bool) -> None:
    """Allocate --total interviews to the boroughs of STUDY that have a site."""
    from geo4mi.sites.plan import plan_for_study, write_plan_csv

    guard(output, overwrite)
    loaded, areas, site_table = _study_areas_sites(study)
    table = plan_for_study(loaded, areas, site_table, total=total, measure=measure,
                           min_per_area=min_per_area)
    for row in table[table["eligible"]].itertuples():
        click.echo(f"  {row.area_name:<26} {row.target:>5}")
    click.echo(f"{int(table['target'].sum())} interviews in {int(table['eligible'].sum())} "
               "boroughs with a site")
    write_plan_csv(table, output, overwrite=True)
    echo_written([output])

# -- end: sites --

@cli.command()
@study_argument()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Output folder.")
@click.option("--format", "formats", default="png", show_default=True,
              help="Comma-separated file formats: png (300 dpi), svg, pdf "
                   "(e.g. png,svg,pdf for print; build and demo write all three).")
@click.option("--indicators", "indicators", multiple=True,
              help="Indicator ids (comma-separated or repeated); default: all.")
@click.option("--groups", "group_vars", multiple=True,
              help="Also draw small multiples across this grouping variable.")
@click.option("--scheme", type=click.Choice(["fixed", "quantiles", "natural_breaks"]),
              default="fixed", show_default=True, help="Classification of the maps.")
@jobs_option
@lang_option
@overwrite_option
def figures(study: Path, out_dir: Path, formats: str, indicators: tuple[str, ...],
            group_vars: tuple[str, ...], scheme: str, jobs: int | None, lang: str | None,
            overwrite: bool) -> None:
    """Draw print-quality maps and charts of STUDY into --out."""
    from geo4mi import progress
    from geo4mi.figures import write_figures
    from geo4mi.figures.inputs import parse_formats
    from geo4mi.outputs import FigureOptions, figure_inputs

    ids = tuple(i for item in indicators for i in item.split(",") if i) or None
    results = _publishable(study)
    progress.stage("drawing figures")
    options = FigureOptions(formats=parse_formats(formats), indicators=ids,
                            kinds=("map", "bars", "groups") if group_vars else ("map", "bars"),
                            group_vars=tuple(group_vars) or None, lang=lang, scheme=scheme)
    data, settings = figure_inputs(results, options)  # audited by _publishable
    written = write_figures(data, out_dir, settings, overwrite=overwrite,
                            progress=progress.bar("figures", unit="figure"), jobs=jobs)
    echo_written(written)


@cli.command()
@click.option("--boundaries", required=True, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="The areas: GeoPackage, GeoJSON or shapefile.")
@click.option("--layer", default=None, help="Layer of a multi-layer boundary file.")
@click.option("--form", "form", required=True, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="The XLSForm of the survey.")
@click.option("--export", "export", default=None, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="The survey export (CSV or Excel), if you have one.")
@click.option("--catalogue", default=None, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Your indicator catalogue (default: write a starter "
              "indicators.toml next to the study file).")
@click.option("--language", default=None, help="Main language of the outputs (default: the "
              "form's).")
@click.option("-o", "--output", "output", default=Path("study.toml"), show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="The study file to write.")
@overwrite_option
def init(boundaries: Path, layer: str | None, form: Path, export: Path | None,
         catalogue: Path | None, language: str | None, output: Path, overwrite: bool) -> None:
    """Write a study file for a new city from its boundaries, XLSForm and export."""
    from geo4mi.scaffold import scaffold_study, write_scaffold

    scaffold = scaffold_study(boundaries, form, export=export, catalogue=catalogue, layer=layer,
                              language=language, study_path=output)
    written = write_scaffold(scaffold, overwrite=overwrite)
    for line in scaffold.decisions:
        click.echo(f"  {line}")
    here = Path.cwd().resolve()
    echo_written([p.relative_to(here) if p.is_relative_to(here) else p for p in written])
    for line in scaffold.todo:
        click.echo(f"  to do: {line}")
    click.echo(f"next: geo4mi check {output}")


def _report_counts(results: Any) -> None:
    per_area = results.interviews_per_area()
    placed = int(per_area.sum())
    click.echo(f"  {len(results.respondents)} respondents analysed, {placed} placed in "
               f"{int((per_area > 0).sum())} of {len(per_area)} areas; "
               f"{len(results.estimates)} estimates")
    protection = getattr(results, "protection", None)
    if protection is not None:
        click.echo(f"  disclosure control: {len(protection)} more figures hidden "
                   f"({int((protection['what'] == 'n').sum())} whole cells) so that none "
                   "hidden can be worked out from what is published (geo4mi audit)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geo4mi`` command; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="geo4mi", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (Interrupted, KeyboardInterrupt):
        if debug:
            raise
        click.echo("geo4mi: interrupted; outputs are written atomically, so nothing was "
                   "half-written", err=True)
        return 130
    except click.exceptions.Abort:
        click.echo("geo4mi: aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except Geo4miError as exc:
        if debug:
            raise
        click.echo(f"geo4mi: error: {exc}", err=True)
        return 2
    except OSError as exc:  # a file the writers did not name themselves
        if debug:
            raise
        click.echo(f"geo4mi: error: {exc.filename or 'file'}: {exc.strerror or exc}; check "
                   "that the path exists, is a folder you can write to and the disk has space",
                   err=True)
        return 2
    except Exception as exc:  # an unexpected failure: one line, traceback with --debug
        if debug:
            raise
        click.echo(f"geo4mi: internal error: {type(exc).__name__}: {exc} "
                   "(run again with --debug for the traceback and report it)", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
