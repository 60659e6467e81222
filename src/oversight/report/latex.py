"""The report as a LaTeX article, compiled to PDF where a TeX engine exists, plus an arXiv bundle.

`write` produces `paper/paper.tex`, `paper/references.bib` and vector figures in
`paper/figures/`; `compile_pdf` runs `latexmk -pdf` (pdflatex + bibtex) there; `bundle` packs
the sources, figures and the `.bbl` with relative paths into `arxiv.tar.gz`, which compiles on
its own with `pdflatex` and `bibtex` and no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import unicodedata
from pathlib import Path

from oversight.report.document import Document, FigureBlock, Table, numeric_column, pieces
from oversight.report.references import BIB

SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}"}
UNICODE = {"±": r"$\pm$", "×": r"$\times$", "−": r"$-$", "–": "--", "—": "---", "≥": r"$\geq$",
           "≤": r"$\leq$", "→": r"$\rightarrow$", "β": r"$\beta$", "ε": r"$\varepsilon$",
           "γ": r"$\gamma$", "τ": r"$\tau$", "φ": r"$\varphi$", "σ": r"$\sigma$", "ρ": r"$\rho$",
           "≈": r"$\approx$", "·": r"$\cdot$", "’": "'", "“": "``", "”": "''", "…": r"\dots{}",
           "√": r"$\surd$", "∞": r"$\infty$", "‖": r"$\|$", "π": r"$\pi$", "α": r"$\alpha$",
           "²": r"$^2$", "½": r"$^{1/2}$", "μ": r"$\mu$", "θ": r"$\theta$", "≠": r"$\neq$"}


def escape(text: str) -> str:
    """LaTeX-safe text: specials escaped, known symbols as math, anything else outside Latin-1
    reduced to its ASCII base letter (combining marks dropped) or '?'."""
    out = []
    for ch in "".join(SPECIALS.get(c, c) for c in text):
        if ch in UNICODE:
            out.append(UNICODE[ch])
        elif ord(ch) < 256:
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(base if base or unicodedata.combining(ch) else "?")
    return "".join(out)


def prose(text: str) -> str:
    """Escape a paragraph and render its `code`, [#ref] and [@citation] marks."""
    out = []
    for kind, content in pieces(text):
        match kind:
            case "text":
                out.append(escape(content))
            case "code":
                out.append(r"\texttt{" + escape(content) + "}")
            case "ref":
                out.append(r"\autoref{" + re.sub(r"[^\w-]", "", content) + "}")
            case _:  # a tie to the word before it, not a space and a tie
                if out:
                    out[-1] = out[-1].rstrip()
                out.append(r"~\citep{" + ",".join(content.split(";")) + "}")
    return "".join(out)


def table(t: Table) -> str:
    """Columns with long text wrap (tabularx X columns); a table of short cells that is too
    wide for the page is scaled down to the text width."""
    n = len(t.header)
    long = [any(len(row[i]) > 30 for row in t.rows) for i in range(n)]
    spec = "".join(r">{\raggedright\arraybackslash}X" if w else
                   ("r" if numeric_column(t, i) else "l") for i, w in enumerate(long))
    body = [r"\toprule", " & ".join(r"\textbf{" + escape(h) + "}" for h in t.header) + r" \\",
            r"\midrule", *(" & ".join(escape(c) for c in row) + r" \\" for row in t.rows),
            r"\bottomrule"]
    width = max(sum(len(c) + 3 for c in row) for row in (t.header, *t.rows))
    if any(long):
        tabular = [r"\footnotesize", r"\begin{tabularx}{\linewidth}{" + spec + "}", *body,
                   r"\end{tabularx}"]
    elif width > 85:
        tabular = [r"\resizebox{\linewidth}{!}{\begin{tabular}{" + spec + "}", *body,
                   r"\end{tabular}}"]
    else:
        tabular = [r"\small", r"\begin{tabular}{" + spec + "}", *body, r"\end{tabular}"]
    label = [r"\label{" + t.name + "}"] if t.name else []
    note = [r"\par\smallskip\footnotesize " + prose(t.note)] if t.note else []
    return "\n".join([r"\begin{table}[htbp]", r"\centering",
                      r"\caption{" + prose(t.caption) + "}", *label, *tabular, *note,
                      r"\end{table}"])


def figure(f: FigureBlock) -> str:
    return "\n".join([r"\begin{figure}[htbp]", r"\centering",
                      r"\includegraphics[width=0.8\linewidth]{figures/" + f.name + ".pdf}",
                      r"\caption{" + prose(f.caption) + "}", r"\label{" + f.name + "}",
                      r"\end{figure}"])


def render(doc: Document) -> str:
    body = []
    for section in doc.sections:
        body.append(r"\section{" + escape(section.title) + "}")
        for block in section.blocks:
            if isinstance(block, Table):
                body.append(table(block))
            elif isinstance(block, FigureBlock):
                body.append(figure(block))
            else:
                body.append(prose(block))
    return "\n\n".join([
        r"\pdfoutput=1",
        r"\documentclass[11pt]{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{mathptmx}",  # Times, from psnfss: vector fonts in any TeX Live
        r"\usepackage[margin=1in]{geometry}",
        r"\usepackage{graphicx,booktabs,tabularx,array}",
        r"\usepackage[numbers,sort]{natbib}",
        r"\usepackage[hidelinks]{hyperref}",
        r"\title{" + escape(doc.title) + r"\\[0.3em]\large " + prose(doc.subtitle) + "}",
        r"\author{Generated by oversight-lab}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        r"\begin{abstract}" + "\n" + "\n\n".join(map(prose, doc.abstract_paragraphs)) + "\n"
        + r"\end{abstract}",
        *body,
        r"\bibliographystyle{plainnat}",
        r"\bibliography{references}",
        r"\end{document}",
    ]) + "\n"


def write(doc: Document, folder: Path) -> Path:
    """paper.tex, references.bib and figures/*.pdf in `folder`."""
    figures = folder / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for block in doc.figures():
        block.figure.savefig(figures / f"{block.name}.pdf")
    (folder / "references.bib").write_text(
        "\n\n".join(BIB[k][1] for k in doc.citations()) + "\n", encoding="utf-8")
    path = folder / "paper.tex"
    path.write_text(render(doc), encoding="utf-8")
    return path


def compile_pdf(folder: Path, timeout: float = 240) -> tuple[bool, str]:
    """Run latexmk where it is installed. Returns (compiled, what happened)."""
    if shutil.which("latexmk") is None or shutil.which("pdflatex") is None:
        return False, "no TeX engine installed (latexmk + pdflatex); the LaTeX source is written"
    try:
        done = subprocess.run(
            ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
            cwd=folder, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"latexmk took longer than {timeout:.0f} s"
    if done.returncode != 0:
        errors = [ln for ln in done.stdout.splitlines() if ln.startswith("!")]
        return False, "latexmk failed: " + ("; ".join(errors[:3]) or done.stdout[-500:])
    return True, str(folder / "paper.pdf")


def bundle(folder: Path, target: Path) -> Path:
    """arXiv's source bundle: paper.tex, references.bib, paper.bbl (when compiled), figures."""
    files = ["paper.tex", "references.bib", "paper.bbl"]
    files += [f"figures/{p.name}" for p in sorted((folder / "figures").glob("*.pdf"))]
    with tarfile.open(target, "w:gz") as tar:
        for name in files:
            if (folder / name).exists():
                tar.add(folder / name, arcname=name)
    return target


def absolute_paths(tex: str) -> list[str]:
    """Paths in \\includegraphics / \\input / \\bibliography that are absolute (arXiv rejects)."""
    return [p for p in re.findall(r"\\(?:includegraphics(?:\[[^]]*\])?|input|bibliography)"
                                  r"\{([^}]*)\}", tex) if p.startswith("/")]
