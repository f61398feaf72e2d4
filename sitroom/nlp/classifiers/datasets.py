"""Loaders for the shared public data sets, mapped to one labelling scheme.

Every loader returns a list of :class:`Example`. Labels are binary (1 = positive class:
check-worthy, hateful or toxic). ``None`` means "this row carries no usable label for the
task" and is dropped by the loader.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

csv.field_size_limit(sys.maxsize)


@dataclass(slots=True)
class Example:
    text: str
    label: int
    lang: str
    source: str = ""
    target_group: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


def shared_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The shared data root: argument, else ``SITROOM_SHARED_DATA``, else ``../shared/data``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SITROOM_SHARED_DATA")
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[3]
    return (repo_root / ".." / "shared" / "data").resolve()


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _yes(value: str) -> int | None:
    v = value.strip().lower()
    if v in {"yes", "1", "true"}:
        return 1
    if v in {"no", "0", "false"}:
        return 0
    return None


# ---------------------------------------------------------------- check-worthiness

CLEF2024_LANGS = {"en": "english", "ar": "arabic", "nl": "dutch", "es": "spanish"}
CLEF2022_LANGS = {
    "ar": "arabic",
    "bg": "bulgarian",
    "nl": "dutch",
    "en": "english",
    "es": "spanish",
    "tr": "turkish",
}


def _ids(row: dict[str, str]) -> dict[str, str]:
    """A tweet's id (it grows with time: Twitter ids are time-ordered), where the row has one."""
    tid = (row.get("tweet_id") or "").strip()
    return {"id": tid} if tid.isdigit() else {}


def load_clef2024(lang: str, split: str, root: Path | None = None) -> list[Example]:
    path = shared_data_dir(root) / "checkworthiness" / "clef2024"
    path = path / f"CT24_checkworthy_{CLEF2024_LANGS[lang]}_{split}.tsv"
    if not path.exists():
        return []
    out = []
    for row in _read_tsv(path):
        text = row.get("Text") or row.get("tweet_text") or ""
        label = _yes(row.get("class_label", ""))
        if text and label is not None:
            out.append(Example(text, label, lang, f"clef2024-{lang}-{split}", meta=_ids(row)))
    return out


def load_clef2022(lang: str, split: str, root: Path | None = None) -> list[Example]:
    path = shared_data_dir(root) / "checkworthiness" / "clef2022-1a"
    path = path / f"CT22_{CLEF2022_LANGS[lang]}_1A_checkworthy_{split}.tsv"
    if not path.exists():
        return []
    out = []
    for row in _read_tsv(path):
        label = _yes(row.get("class_label", ""))
        text = row.get("tweet_text", "")
        if text and label is not None:
            out.append(Example(text, label, lang, f"clef2022-{lang}-{split}", meta=_ids(row)))
    return out


def load_clef2020(split: str, root: Path | None = None) -> list[Example]:
    base = shared_data_dir(root) / "checkworthiness" / "clef2020"
    name = {"train": "training_v2.tsv", "dev": "dev_v2.tsv", "debates": "task5_train.tsv"}[split]
    out = []
    for row in _read_tsv(base / name):
        if split == "debates":
            text, label = row.get("text", ""), _yes(row.get("label", ""))
        else:
            text, label = row.get("tweet_text", ""), _yes(row.get("check_worthiness", ""))
        if text and label is not None:
            out.append(Example(text, label, "en", f"clef2020-{split}", meta=_ids(row)))
    return out


def load_claimbuster(root: Path | None = None) -> list[Example]:
    path = shared_data_dir(root) / "checkworthiness" / "claimbuster" / "kfold_25ncs.csv"
    out = []
    for row in _read_csv(path):
        label = _yes(row.get("label", ""))
        if row.get("text") and label is not None:
            out.append(Example(row["text"], label, "en", "claimbuster"))
    return out


# ---------------------------------------------------------------- hate speech / toxicity

PROTECTED_GROUPS = {
    "origin",
    "gender",
    "sexual_orientation",
    "religion",
    "disability",
    "race",
    "ethnicity",
    "women",
    "lgbtq",
    "immigrants",
}


# Dataset-specific target names -> one vocabulary (matches functional.TARGET_NAMES).
_CANONICAL_GROUPS = {
    "women": "women",
    "gender": "women",
    "misogyny": "women",
    "sexual_orientation": "gay people",
    "gay": "gay people",
    "lgbtq": "gay people",
    "african_descent": "black people",
    "race": "black people",
    "disability": "disabled people",
    "special_needs": "disabled people",
    "muslims": "muslims",
    "jews": "jews",
    "immigrants": "immigrants",
    "refugees": "immigrants",
    "origin": "immigrants",
    "arabs": "arabs",
    "asians": "asians",
    "hispanics": "hispanics",
    "indian/hindu": "hindus",
    "christian": "christians",
    "religion": "religious groups",
}


def canonical_group(name: str | None) -> str | None:
    """Map a data set's target label to the shared vocabulary; unknown/political -> None."""
    return _CANONICAL_GROUPS.get(name.strip().lower()) if name else None


def load_davidson(task: str, root: Path | None = None) -> list[Example]:
    """Davidson: 0 hate, 1 offensive, 2 neither.

    For ``hate`` the offensive class is *non-hateful*: it is mostly profanity and
    gendered insults at individuals, which HateCheck-style suites count as not hateful.
    """
    path = shared_data_dir(root) / "hate-speech" / "davidson_en" / "labeled_data.csv"
    out = []
    for row in _read_csv(path):
        cls = row.get("class", "").strip()
        label = (1 if cls == "0" else 0) if task == "hate" else 0 if cls == "2" else 1
        out.append(Example(row["tweet"], label, "en", f"davidson-{cls}"))
    return out


def load_mlma(lang: str, task: str, root: Path | None = None) -> list[Example]:
    path = shared_data_dir(root) / "hate-speech" / "mlma_en_fr_ar" / f"{lang}_dataset.csv"
    out = []
    for row in _read_csv(path):
        sentiment = set(row.get("sentiment", "").split("_"))
        target = row.get("target", "").strip() or None
        group = row.get("group", "").strip() or None
        label: int | None
        if task == "hate":
            if "hateful" in sentiment:
                label = 1
            elif sentiment == {"normal"}:
                label = 0
            else:
                label = None
        else:
            label = 0 if sentiment == {"normal"} else 1
        if label is None:
            continue
        tg = canonical_group(group) if label else None
        if label and tg is None:
            tg = canonical_group(target)
        out.append(Example(row["tweet"], label, lang, f"mlma-{lang}", tg))
    return out


def load_germeval(task: str, split: str = "all", root: Path | None = None) -> list[Example]:
    """GermEval 2018. For ``hate`` only ABUSE (group-directed, identity-based) is hateful;
    INSULT (at individuals) and PROFANITY are not."""
    base = shared_data_dir(root) / "hate-speech" / "germeval2018_de"
    files = {"train": ["germeval2018.training.txt"], "test": ["germeval2018.test.txt"]}
    names = files.get(split, files["train"] + files["test"])
    out = []
    for name in names:
        with (base / name).open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3:
                    continue
                text, coarse, fine = parts[0].replace("|LBR|", " "), parts[1], parts[2]
                if task == "hate":
                    label = 1 if fine == "ABUSE" else 0
                else:
                    label = 1 if coarse == "OFFENSE" else 0
                out.append(Example(text, label, "de", f"germeval-{fine.lower()}"))
    return out


_TOLD_GROUPS = {
    "homophobia": "lgbtq",
    "racism": "race",
    "misogyny": "women",
    "xenophobia": "immigrants",
}


def load_toldbr(task: str, root: Path | None = None) -> list[Example]:
    """ToLD-Br: per-category annotator counts. Hateful = an identity category flagged by
    at least 2 of 3 annotators; obscene/insult alone is not hateful."""
    path = shared_data_dir(root) / "hate-speech" / "toldbr_ptbr" / "ToLD-BR.csv"
    out = []
    for row in _read_csv(path):
        vals = {k: float(row.get(k) or 0) for k in [*_TOLD_GROUPS, "obscene", "insult"]}
        ident = max(vals[k] for k in _TOLD_GROUPS)
        anyv = max(vals.values())
        label: int | None
        tg = None
        if task == "hate":
            if ident >= 2:
                label = 1
                tg = canonical_group(_TOLD_GROUPS[max(_TOLD_GROUPS, key=lambda k: vals[k])])
            elif ident == 0:
                label = 0
            else:
                label = None
        else:
            label = 1 if anyv >= 2 else (0 if anyv == 0 else None)
        if label is not None:
            out.append(Example(row["text"], label, "pt", "toldbr", tg))
    return out


def load_hatebr(root: Path | None = None) -> list[Example]:
    """HateBR 2.0 (CC BY-NC): binary *offensive* labels. Evaluation only."""
    path = shared_data_dir(root) / "hate-speech" / "hatebr" / "HateBR.csv"
    return [
        Example(r["comentario"], int(r["label_final"]), "pt", "hatebr")
        for r in _read_csv(path)
        if r.get("label_final", "").strip() in {"0", "1"}
    ]


# ---------------------------------------------------------------- common file format


class DataFormatError(ValueError):
    pass


def _coerce_label(value: object, where: str) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v in {"1", "yes", "true", "hateful", "toxic", "checkworthy", "positive"}:
            return 1
        if v in {"0", "no", "false", "non-hateful", "non-toxic", "not-checkworthy", "negative"}:
            return 0
    raise DataFormatError(f"{where}: unrecognised label {value!r}")


def load_labelled_file(path: str | os.PathLike[str]) -> list[Example]:
    """Read a deployment's labels: JSON lines ``{"text","label","lang"}`` or a CSV with
    ``text,label[,lang]`` columns. Labels may be 0/1, yes/no, hateful/non-hateful."""
    p = Path(path)
    out: list[Example] = []
    if p.suffix.lower() in {".csv", ".tsv"}:
        delim = "\t" if p.suffix.lower() == ".tsv" else ","
        with p.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh, delimiter=delim), start=2):
                if "text" not in row or "label" not in row:
                    raise DataFormatError(f"{p.name}:{n}: needs 'text' and 'label' columns")
                lab = _coerce_label(row["label"], f"{p.name}:{n}")
                out.append(Example(row["text"], lab, row.get("lang") or "", p.name))
        return out
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError(f"{p.name}:{n}: invalid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise DataFormatError(f"{p.name}:{n}: expected an object with a 'text' string")
            if "label" not in obj:
                raise DataFormatError(f"{p.name}:{n}: missing 'label'")
            lab = _coerce_label(obj["label"], f"{p.name}:{n}")
            out.append(Example(obj["text"], lab, str(obj.get("lang") or ""), p.name))
    return out


def save_jsonl(examples: Iterable[Example], path: str | os.PathLike[str]) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps({"text": ex.text, "label": ex.label, "lang": ex.lang}) + "\n")


Loader = Callable[[], list[Example]]


# ---------------------------------------------------------------- combined hate corpus


@dataclass(slots=True)
class HateRow:
    text: str
    lang: str
    hate: int | None
    toxic: int | None
    source: str
    target_group: str | None = None


def _merge(hate: list[Example], tox: list[Example]) -> list[HateRow]:
    rows: dict[str, HateRow] = {}
    for e in tox:
        rows.setdefault(e.text, HateRow(e.text, e.lang, None, e.label, e.source))
    for e in hate:
        r = rows.setdefault(e.text, HateRow(e.text, e.lang, None, None, e.source))
        r.hate = e.label
        r.target_group = e.target_group
    return list(rows.values())


# Caps keep the embedding bill (the dominant cost) bounded; every positive is kept.
HATE_CAPS = {
    "davidson_en": 5000,
    "mlma_en": 2200,
    "mlma_fr": 2200,
    "mlma_ar": 2200,
    "germeval2018_de": 4500,
    "toldbr_pt": 4500,
}


def _sample(rows: list[HateRow], cap: int, seed: int = 13) -> list[HateRow]:
    import random

    if len(rows) <= cap:
        return rows
    rng = random.Random(seed)
    pos = [r for r in rows if r.hate == 1]
    zeros = [r for r in rows if r.hate == 0]
    unl = [r for r in rows if r.hate is None]
    rng.shuffle(zeros)
    rng.shuffle(unl)
    rest = zeros + unl
    keep = pos[: cap // 2] + rest[: cap - min(len(pos), cap // 2)]
    rng.shuffle(keep)
    return keep


def load_hate_corpus(root: Path | None = None, capped: bool = True) -> dict[str, list[HateRow]]:
    """All licence-permitted hate/toxicity training sets, per set, with both labels."""
    sets = {
        "davidson_en": _merge(load_davidson("hate", root), load_davidson("toxicity", root)),
        "mlma_en": _merge(load_mlma("en", "hate", root), load_mlma("en", "toxicity", root)),
        "mlma_fr": _merge(load_mlma("fr", "hate", root), load_mlma("fr", "toxicity", root)),
        "mlma_ar": _merge(load_mlma("ar", "hate", root), load_mlma("ar", "toxicity", root)),
        "germeval2018_de": _merge(
            load_germeval("hate", "all", root), load_germeval("toxicity", "all", root)
        ),
        "toldbr_pt": _merge(load_toldbr("hate", root), load_toldbr("toxicity", root)),
    }
    if capped:
        sets = {k: _sample(v, HATE_CAPS[k]) for k, v in sets.items()}
    return sets


def load_hatebr_sample(root: Path | None = None, n: int = 2000, seed: int = 7) -> list[Example]:
    """A fixed random sample of HateBR for evaluation (embedding all 7,000 is slow)."""
    import random

    rows = load_hatebr(root)
    random.Random(seed).shuffle(rows)
    return rows[:n]


def hash_sample(examples: list[Example], n: int | None, salt: str = "emb") -> list[Example]:
    """A deterministic sample of at most ``n`` examples, nested: the first ``n`` of a
    larger sample are the same rows, so a bigger budget only adds texts."""
    import hashlib

    if n is None or len(examples) <= n:
        return list(examples)

    def key(ex: Example) -> bytes:
        return hashlib.blake2b((salt + ex.text).encode("utf-8"), digest_size=8).digest()

    return sorted(examples, key=key)[:n]
