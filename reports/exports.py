"""Markdown, LaTeX and CSV of the same tables the HTML shows, from the same cells.

Every format carries the seed markers (``n=2/3``) and the scale line, so a table
pasted into a paper or an issue stays as honest as the report it came from.
Text from records (method, suite and task names) is escaped for the target format: no
live Markdown link, image or HTML, no spreadsheet formula in a CSV cell or header.
File names come from the table slug, shortened with a hash when a long suite name
would make them too long for the filesystem.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from pathlib import Path

from benchmark.atomic import atomic_write_text, remove_stale_temp_files
from benchmark.filenames import file_stem
from reports.annotate import Annotated, DerivedRow, derived_frame
from reports.table_model import OPTIMISTIC_NOTE, Table

_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "†": r"\dag{}",
}


_MD_SYNTAX = re.compile(r"([\\`\[\]!|])")
"""Backslash-escaped: link and image brackets, ``!``, code spans, cell breaks and the
backslash itself. Without ``[`` no link or image can form, so parentheses stay as they are."""


def markdown_escape(text: str) -> str:
    """Record text as Markdown that renders literally: no link, image, raw HTML (``<``, ``>``
    and ``&`` become entities) or code span, no cell or line break."""
    text = _MD_SYNTAX.sub(r"\\\1", html.escape(text, quote=False))
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")



def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in text taken from records."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def _row_header(table: Table) -> str:
    return "Train fraction" if table.kind == "adaptation" else "Method"


_SELF_EVIDENT = {"no run", "not run", "task not in this method's runs"}
"""Why a cell is "—" when nothing was run there: in the tooltip, not worth a footnote."""


def footnotes(table: Table) -> list[str]:
    """One line per partial or missing cell; one per row when every cell says the same."""
    notes = list(table.notes)
    for row in table.rows:
        label = table.row_labels[row]
        whys = [table.cell(row, c.key).footnote() for c in table.columns]
        whys = ["" if w in _SELF_EVIDENT else w for w in whys]
        if whys and whys[0] and len(set(whys)) == 1:
            notes.append(f"{label}: {whys[0]}")
            continue
        pairs = zip(table.columns, whys, strict=True)
        notes += [f"{label} / {c.label}: {w}" for c, w in pairs if w]
    return notes


def to_markdown(table: Table) -> str:
    """A GitHub-flavoured Markdown table with its scale and a note per missing or partial cell."""
    shown = table.display()
    header = [_row_header(table), *shown.columns]
    lines = [f"### {markdown_escape(table.title)}", "", markdown_escape(table.caption), "",
             f"Scale: {markdown_escape(table.scale.describe())}", ""]
    lines.append("| " + " | ".join(markdown_escape(h) for h in header) + " |")
    lines.append("|---" + "|---:" * (len(header) - 1) + "|")
    for label, values in shown.iterrows():
        lines.append("| " + " | ".join(markdown_escape(str(v)) for v in [label, *values]) + " |")
    notes = footnotes(table)
    if notes:
        lines += ["", "Notes:", *[f"- {markdown_escape(n)}" for n in notes]]
    return "\n".join(lines) + "\n"


def to_latex(table: Table) -> str:
    """A booktabs ``table`` environment; ``n=k/K`` markers become footnote-size superscripts."""
    columns = table.columns
    head = " & ".join(latex_escape(c.label) for c in columns)
    lines = [
        r"\begin{table}[t]", r"\centering", r"\small",
        r"\begin{tabular}{l" + "r" * len(columns) + "}", r"\toprule",
        f"{_row_header(table)} & {head} \\\\",
        r"\midrule",
    ]
    for row in table.rows:
        cells = []
        for column in columns:
            cell = table.cell(row, column.key)
            text = latex_escape(cell.value_text()).replace("±", r"$\pm$").replace("×", r"$\times$")
            text = text.replace("—", "---")
            if cell.marker:
                text += r"\textsuperscript{\footnotesize " + latex_escape(cell.marker) + "}"
            cells.append(text)
        lines.append(latex_escape(table.row_labels[row]) + " & " + " & ".join(cells) + r" \\")
    caption = f"{table.title}. {table.caption} Scale: {table.scale.describe()}."
    lines += [r"\bottomrule", r"\end{tabular}", r"\caption{" + latex_escape(caption) + "}",
              r"\label{tab:" + table.slug + "}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def neutralise_csv_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab,
    carriage return first) gets a leading ``'``; numbers, negative ones included, pass as
    they are."""
    if isinstance(value, str) and value.startswith(_CSV_FORMULA):
        return "'" + value
    return value


def _csv_number(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


def _selection(table: Table) -> str:
    """How the table's checkpoints were selected, with the optimistic label where it applies
    (a CSV line travels without the table's caption)."""
    chosen = str(table.scale.budget.get("model_selection") or "")
    return f"{chosen}: {OPTIMISTIC_NOTE}" if table.scale.optimistic else chosen


def to_csv(table: Table) -> str:
    """Tidy CSV, one line per cell: mean, std, n, expected seeds, the displayed text, and
    the checkpoint selection (``best-dev`` lines say "optimistic")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "label", "column", "mean", "std", "n", "n_expected",
                     "complete", "display", "note", "ci_low", "ci_high", "at_baseline",
                     "selection"])
    selection = neutralise_csv_cell(_selection(table))
    for row in table.rows:
        for column in table.columns:
            cell = table.cell(row, column.key)
            texts = [neutralise_csv_cell(v) for v in (
                table.slug, row, table.row_labels[row], column.label, cell.text(),
                cell.explanation(),
            )]
            numbers = [_csv_number(cell.mean), _csv_number(cell.std), cell.n, cell.expected,
                       cell.complete]
            interval = cell.interval
            bounds = ["", ""] if interval is None else [_csv_number(interval.low),
                                                        _csv_number(interval.high)]
            writer.writerow([*texts[:4], *numbers, *texts[4:], *bounds, cell.at_baseline,
                             selection])
    return out.getvalue()


def per_seed_csv(table: Table) -> str:
    """The per-seed rows behind the table: one line per (row, seed) with the run ids and
    the checkpoint selection."""
    frame = table.per_seed.reset_index()
    frame["selection"] = _selection(table)
    frame.columns = [
        next((c.label for c in table.columns if c.key == name), name) for name in frame.columns
    ]
    frame = frame.map(neutralise_csv_cell)
    frame.columns = [neutralise_csv_cell(name) for name in frame.columns]
    return frame.to_csv(index=False, lineterminator="\n")


FORMATS = {"md": to_markdown, "tex": to_latex, "csv": to_csv}


def write_tables(tables: list[Table], folder: str | Path, formats: list[str]) -> list[Path]:
    """Write each table in each format (plus per-seed CSV); return the paths written.

    File names are the table's slug, cut with a hash suffix when long (``file_stem``).
    """
    folder = Path(folder)
    remove_stale_temp_files(folder)
    written = []
    for table in tables:
        stem = file_stem(table.slug)
        for fmt in formats:
            written.append(atomic_write_text(folder / f"{stem}.{fmt}", FORMATS[fmt](table)))
        if "csv" in formats:
            written.append(atomic_write_text(folder / f"{stem}.per_seed.csv", per_seed_csv(table)))
    return written


def _derived_markdown(rows: list[DerivedRow], annotated: Annotated, corner: str) -> list[str]:
    frame = derived_frame(rows, annotated.table)
    header = f"| {corner} | " + " | ".join(markdown_escape(str(c)) for c in frame.columns) + " |"
    lines = [header, "|" + "---|" * (len(frame.columns) + 1)]
    lines += ["| " + " | ".join(markdown_escape(str(v)) for v in (label, *row)) + " |"
              for label, row in zip(frame.index, frame.to_numpy().tolist(), strict=True)]
    return lines


def evidence_markdown(annotated: Annotated) -> str:
    """The trivial predictor's row and the paired differences of an annotated table, as
    Markdown (empty when it has neither)."""
    parts: list[str] = []
    if annotated.baseline is not None:
        parts += [f"**{markdown_escape(annotated.table.title)}, trivial baseline** (score "
                  f"\\[95% interval\\] on the same examples)", "",
                  *_derived_markdown([annotated.baseline], annotated, "Baseline"), ""]
    if annotated.differences:
        against = (f"against {annotated.reference}" if annotated.reference
                   else "of each row and its pair")
        caption = (f"Paired differences {against}: Δ [95% interval] in points. "
                   f"{annotated.method_note}.")
        parts += [f"**{markdown_escape(annotated.table.title)}, differences**", "",
                  markdown_escape(caption), "",
                  *_derived_markdown(annotated.differences, annotated, "Difference"), ""]
    return "\n".join(parts)


def write_annotated(pairs: list[tuple[Table, Annotated | None]], folder: str | Path,
                    formats: list[str]) -> list[Path]:
    """``write_tables`` of the tables with intervals, plus ``<slug>.evidence.md`` (trivial
    baseline and paired differences) for each table that has them."""
    tables = [a.table if a else t for t, a in pairs]
    written = write_tables(tables, folder, formats)
    for _, extra in pairs:
        text = evidence_markdown(extra) if extra else ""
        if text and "md" in formats:
            path = Path(folder) / f"{file_stem(extra.table.slug)}.evidence.md"
            written.append(atomic_write_text(path, text))
    return written
