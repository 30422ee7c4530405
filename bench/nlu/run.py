"""NLU benchmark: train on the project's own data/nlu, score on text the project never trained on.

    python bench/nlu/run.py [--rasa PATH_TO_RASA_BIN] [--json FILE] [--model MODEL.tar.gz]

Run it with the app venv's python. The Rasa engine lives in its own venv, so everything Rasa does
happens in subprocesses: `rasa train nlu` (or a full `rasa train` when rules/stories exist), then
`bench/nlu/rasa_parse.py` executed by the Rasa venv's interpreter, which loads the model once and
parses every evaluation text in-process (faster and sturdier than HTTP against `rasa run`).

Figures:
  (a) Bitext sample, mapped to our intents (BITEXT_TO_SHOP): intent accuracy and macro-F1 on the
      held-out half of its seeded split (bitext_split.py; the other half is the pool that
      data/nlu/bitext_half.yml trains on). A FallbackClassifier `nlu_fallback` counts as wrong.
      Bitext intents without a clear counterpart in our domain (accounts, invoices, newsletters...)
      are left out.
  (b) CLINC150 test split: out-of-scope precision/recall. A prediction is "out of scope" if the
      intent is `out_of_scope` or `nlu_fallback`. Gold out-of-scope = CLINC `oos_test` plus a
      sample of the general CLINC intents (weather, banking, travel... are out of scope for a shop);
      gold in-scope = the CLINC intents we map (CLINC_TO_SHOP) plus the mapped Bitext set.
      The in-scope cost is Bitext accuracy with nlu_fallback counted wrong vs with the fallback
      ignored (next intent in the ranking), and vs ignoring out_of_scope too.
  (c) the noisy shopper set `bench/nlu/noisy.yml` (hand-written, never trained on; see noisy.py):
      in-scope intent accuracy, out-of-scope recall, per-intent precision/recall, top confusions.
  (d) wall-clock training time, and parse latency per message (p50/p95, in-process).

Goals (issue "Understanding"): Bitext accuracy >= 0.90, OOS recall >= 0.70 at <= 3 points of
in-scope accuracy, training < 5 minutes on 2 cores. Issue 13 (real shoppers' language): noisy set
in-scope accuracy >= 0.90 and OOS recall >= 0.80, CLINC150 OOS recall >= 0.85, parse p95 <= 1.3x.

The pipeline's NearestExampleSearch reads the MiniLM model exported to var/nlu-encoder; training here
exports it first (as scripts/lib.sh does). `rasa_latency.py` compares two models' parse times interleaved
(the p50/p95 printed here drift with the machine's load).

`--only-noisy` scores the noisy set alone (a quick loop while editing data/nlu); `--cross-validate 5`
runs a 5-fold cross-validation of data/nlu instead (five trainings: slow).

The evaluation sets are for measuring only: never copy their sentences into data/nlu.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import bitext_split
import noisy

REPO = Path(__file__).resolve().parents[2]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
DEFAULT_WORK_DIR = Path.home() / ".cache" / "shopdesk" / "bench-nlu"

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"

# Bitext intent -> our intent. Decisions (see shared/eval/SOURCES.md):
# - track_order is "where is my order / track my order": order_status (not tracking_info, which is
#   about the tracking number/link itself).
# - get_refund ("I want my money back") and track_refund both go to refund_status: we have no
#   separate "request refund" intent; refunds start from a return or a cancellation.
# - check_refund_policy, delivery_options, check_payment_methods and check_cancellation_fee are
#   general questions: policy_question.
# - set_up_shipping_address ("set up a new/different shipping address") -> change_address.
# - contact_human_agent and contact_customer_service -> human_handoff.
BITEXT_TO_SHOP = {
    "track_order": "order_status",
    "get_refund": "refund_status",
    "track_refund": "refund_status",
    "check_refund_policy": "policy_question",
    "delivery_options": "policy_question",
    "check_payment_methods": "policy_question",
    "check_cancellation_fee": "policy_question",
    "cancel_order": "cancel_order",
    "change_shipping_address": "change_address",
    "set_up_shipping_address": "change_address",
    "contact_human_agent": "human_handoff",
    "contact_customer_service": "human_handoff",
}
# delivery_period mixes "when will my parcel arrive" (order_status), "it is late" (shipping_delay)
# and "how long does delivery take" (policy_question); it is scored on its own, leniently.
BITEXT_LENIENT = {
    "delivery_period": {"order_status", "shipping_delay", "policy_question", "tracking_info"},
}
# Left out: account (create/delete/edit/switch/recover_password/registration_problems),
# invoices, payment_issue, place_order, change_order, complaint, review, newsletter_subscription.

# CLINC150 intent -> our intent. Every other CLINC intent is out of scope for a shop assistant,
# except the ambiguous ones in CLINC_EXCLUDED (CLINC `cancel` means "stop that", `order` means
# "buy something", `card_declined` is a payment problem a shop would hand to a person).
CLINC_TO_SHOP = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "thank_you": "thank",
    "yes": "affirm",
    "no": "deny",
    "are_you_a_bot": "bot_challenge",
    "order_status": "order_status",
}
CLINC_EXCLUDED = {"cancel", "maybe", "repeat", "order", "card_declined", "what_can_i_ask_you"}

# Our own probes for entity extraction (not eval data): text -> {entity: expected value}.
ENTITY_PROBES: list[tuple[str, dict[str, str]]] = [
    ("where is SD-41234", {"order_number": "SD-41234"}),
    ("status of sd41234 please", {"order_number": "sd41234"}),
    ("order 41234 is late", {"order_number": "41234"}),
    ("my email is pat.q@example.com", {"email": "pat.q@example.com"}),
    ("please send it to NW1 6XE instead", {"postcode": "NW1 6XE"}),
    ("the most recent one", {"order_pointer": "latest"}),
    ("I want to return the red trainers", {"product": "red trainers"}),
]


def rasa_python(rasa_bin: str) -> str:
    """The interpreter of the Rasa venv: from the rasa script's shebang, else its sibling."""
    path = Path(rasa_bin)
    try:
        first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        if first.startswith("#!") and "python" in first:
            return first[2:].strip().split()[0]
    except (OSError, IndexError):
        pass
    return str(path.parent / "python")


def rasa_environ() -> dict[str, str]:
    """Rasa's environment: quiet TensorFlow, and the repository importable (the pipeline's
    `shopper_text` component) although Rasa runs in the work dir."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=path)


def load_bitext(eval_dir: Path) -> tuple[list[tuple[str, str]], list[tuple[str, set[str]]]]:
    """(held-out half of the mapped intents, delivery_period items): the other half of the mapped intents
    is the training pool of data/nlu/bitext_half.yml (bitext_split.py), so it is never scored."""
    path = eval_dir / "bitext-customer-service" / bitext_split.CSV_NAME
    scored = bitext_split.held_out(path, BITEXT_TO_SHOP)
    strict, lenient = [], []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            text, intent = row["utterance"].strip(), row["intent"].strip()
            if intent in BITEXT_TO_SHOP and text in scored:
                strict.append((text, BITEXT_TO_SHOP[intent]))
            elif intent in BITEXT_LENIENT:
                lenient.append((text, BITEXT_LENIENT[intent]))
    return strict, lenient


def load_clinc(eval_dir: Path, per_intent: int, seed: int) -> tuple[list, list, list]:
    """(mapped in-scope items, general items sample, oos_test items) as (text, gold, clinc_intent)."""
    with open(eval_dir / "clinc150" / "data_full.json", encoding="utf-8") as f:
        data = json.load(f)
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in data["test"]:
        by_intent[intent].append(text)
    rng = random.Random(seed)
    mapped, general = [], []
    for intent in sorted(by_intent):
        texts = by_intent[intent]
        if intent in CLINC_TO_SHOP:
            mapped += [(t, CLINC_TO_SHOP[intent], intent) for t in texts]
        elif intent not in CLINC_EXCLUDED:
            sample = texts if per_intent >= len(texts) else rng.sample(texts, per_intent)
            general += [(t, OUT_OF_SCOPE, intent) for t in sample]
    oos = [(t, OUT_OF_SCOPE, "oos") for t, _ in data["oos_test"]]
    return mapped, general, oos


def has_dialogue_data() -> bool:
    return any(
        p.stat().st_size > 0 for d in ("data/rules", "data/stories") for p in (REPO / d).glob("**/*.yml")
    )


def export_encoder() -> None:
    """The pipeline's sentence encoder (var/nlu-encoder), exported by this environment as scripts/lib.sh does
    before `rasa train`: the Rasa engine's environment has no torch."""
    sys.path.insert(0, str(REPO))
    from knowledge.onnx_export import export_encoder as export

    export(REPO / "var" / "nlu-encoder", Path.home() / ".cache" / "shopdesk" / "onnx")


def train(rasa_bin: str, work: Path, mode: str) -> tuple[Path, float, str]:
    """Train into `work` with a fresh Rasa cache (so the time is a cold-start time)."""
    export_encoder()
    out = work / "models"
    env = dict(rasa_environ(), RASA_CACHE_DIRECTORY=str(work / "rasa-cache"))
    common = [
        "--domain",
        str(REPO / "domain.yml"),
        "-c",
        str(REPO / "config.yml"),
        "--out",
        str(out),
        "--fixed-model-name",
        "shopdesk-bench",
    ]
    if mode == "full":
        data = [str(REPO / "data" / d) for d in ("nlu", "rules", "stories")]
        cmd = [rasa_bin, "train", "--data", *data, *common]
    else:
        cmd = [rasa_bin, "train", "nlu", "--nlu", str(REPO / "data" / "nlu"), *common]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    (work / f"train-{mode}.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    model = out / "shopdesk-bench.tar.gz"
    if proc.returncode != 0 or not model.exists():
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"rasa train {mode} failed (log: {work / f'train-{mode}.log'})")
    return model, seconds, mode


def parse(rasa_bin: str, model: Path, texts: list[str], work: Path) -> tuple[list[dict], float]:
    in_path, out_path = work / "parse-in.json", work / "parse-out.json"
    in_path.write_text(json.dumps(texts), encoding="utf-8")
    env = rasa_environ()
    cmd = [
        rasa_python(rasa_bin),
        str(Path(__file__).with_name("rasa_parse.py")),
        str(model),
        str(in_path),
        str(out_path),
    ]
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit("parsing failed")
    payload = json.loads(out_path.read_text(encoding="utf-8"))
    return payload["results"], payload["seconds"]


def best_without(pred: dict, excluded: set[str]) -> str:
    for name, _ in pred["ranking"]:
        if name not in excluded:
            return name
    return pred["intent"]


def macro_f1(gold: list[str], pred: list[str]) -> tuple[float, dict[str, float]]:
    labels = sorted(set(gold))
    per = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=False))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=False))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=False))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per[label] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return sum(per.values()) / len(per), per


def accuracy(gold: list[str], pred: list[str]) -> float:
    return sum(g == p for g, p in zip(gold, pred, strict=False)) / len(gold) if gold else 0.0


def is_oos(intent: str) -> bool:
    return intent in (OUT_OF_SCOPE, FALLBACK)


def cross_validate(rasa_bin: str, work: Path, folds: int) -> dict:
    """`rasa test nlu --cross-validation` on data/nlu: the intent report averaged over the test folds."""
    export_encoder()
    out = work / "cross-validation"
    cmd = [
        rasa_bin,
        "test",
        "nlu",
        "--nlu",
        str(REPO / "data" / "nlu"),
        "--config",
        str(REPO / "config.yml"),
        "--cross-validation",
        "--folds",
        str(folds),
        "--out",
        str(out),
    ]
    env = dict(rasa_environ(), RASA_CACHE_DIRECTORY=str(work / "rasa-cache"))
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    (work / "cross-validation.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    report_path = out / "intent_report.json"
    if proc.returncode != 0 or not report_path.exists():
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"cross-validation failed (log: {work / 'cross-validation.log'})")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return {"folds": folds, "report": report, "out": str(out)}


def print_cross_validation(result: dict) -> None:
    report = result["report"]
    print(f"{result['folds']}-fold cross-validation of data/nlu (test folds; details in {result['out']})")
    print(f"  accuracy {report.get('accuracy', 0):.4f}, macro-F1 {report['macro avg']['f1-score']:.4f}")
    print(f"  {'intent':20} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}")
    averages = ("macro avg", "weighted avg", "micro avg")
    for name, row in sorted(report.items()):
        if isinstance(row, dict) and "support" in row and name not in averages:
            print(
                f"  {name:20} {row['precision']:6.3f} {row['recall']:6.3f} {row['f1-score']:6.3f} "
                f"{row['support']:5}"
            )


def latency(preds: list[dict]) -> dict[str, float]:
    """Per-message parse time in milliseconds (p50, p95), as rasa_parse.py measured it."""
    times = sorted(1000 * p["seconds"] for p in preds)
    if not times:
        return {}
    at = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    return {"parse_ms_p50": round(at(0.50), 2), "parse_ms_p95": round(at(0.95), 2)}


def print_latency(figures: dict[str, float]) -> None:
    print("parse latency per message (ms): " + ", ".join(f"{k[9:]} {v}" for k, v in figures.items()))


def print_noisy(figures: dict) -> None:
    w = print
    w("-" * 56)
    n_in, n_oos = figures["noisy_n_in_scope_oos"]
    w(f"noisy shopper set ({figures['noisy_n']} messages: {n_in} in scope, {n_oos} out of scope)")
    w(f"{'  in-scope intent accuracy':44} {figures['noisy_in_scope_accuracy']}")
    w(f"{'  out-of-scope recall':44} {figures['noisy_oos_recall']}")
    w(f"{'  fallback rate':44} {figures['noisy_fallback_rate']}")
    w(
        f"{'  same, on the ' + str(figures['noisy_unseen_n']) + ' lines not in data/nlu':44} "
        f"{figures['noisy_unseen_in_scope_accuracy']} / {figures['noisy_unseen_oos_recall']}"
    )
    w(f"{'  noisy intent':20} {'prec':>6} {'recall':>6} {'n':>4}")
    for lab, v in figures["noisy_per_intent"].items():
        w(f"  {lab:18} {v['precision']:6.3f} {v['recall']:6.3f} {v['n']:4}")
    w(
        "  top noisy confusions (gold -> predicted): "
        + ", ".join(f"{g}->{p}:{n}" for g, p, n in figures["noisy_top_confusions"])
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--rasa",
        default=os.environ.get("SHOPDESK_RASA_BIN") or shutil.which("rasa"),
        help="rasa executable (default: $SHOPDESK_RASA_BIN or `rasa` on PATH)",
    )
    ap.add_argument(
        "--eval-dir", type=Path, default=Path(os.environ.get("SHOPDESK_EVAL_DIR", DEFAULT_EVAL_DIR))
    )
    ap.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help=f"where models and logs go (default: a new dir under {DEFAULT_WORK_DIR})",
    )
    ap.add_argument("--model", type=Path, help="score this model instead of training one")
    ap.add_argument(
        "--train",
        choices=("auto", "nlu", "full"),
        default="auto",
        help="auto: full `rasa train` when data/rules or data/stories hold YAML",
    )
    ap.add_argument(
        "--clinc-per-intent",
        type=int,
        default=10,
        help="general CLINC test items sampled per intent (30 = all)",
    )
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--noisy", type=Path, default=Path(__file__).with_name("noisy.yml"))
    ap.add_argument("--only-noisy", action="store_true", help="score the noisy set only (fast)")
    ap.add_argument(
        "--cross-validate",
        type=int,
        metavar="FOLDS",
        help="only cross-validate data/nlu with `rasa test nlu --cross-validation` (5 is usual; slow)",
    )
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--errors", action="store_true", help="write misparsed items to the work dir")
    args = ap.parse_args()
    if not args.rasa:
        raise SystemExit("no rasa executable: pass --rasa or set SHOPDESK_RASA_BIN")

    DEFAULT_WORK_DIR.mkdir(parents=True, exist_ok=True)
    work = args.work_dir or Path(
        tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=DEFAULT_WORK_DIR)
    )
    work.mkdir(parents=True, exist_ok=True)

    if args.cross_validate:
        print_cross_validation(cross_validate(args.rasa, work, args.cross_validate))
        return

    train_seconds, train_mode = None, None
    if args.model:
        model = args.model
    else:
        mode = args.train if args.train != "auto" else ("full" if has_dialogue_data() else "nlu")
        try:
            model, train_seconds, train_mode = train(args.rasa, work, mode)
        except SystemExit as exc:
            if args.train != "auto" or mode != "full":
                raise
            # Rules/stories are someone else's work in progress: still measure the NLU.
            print(f"full `rasa train` failed ({exc}); falling back to `rasa train nlu`")
            model, train_seconds, train_mode = train(args.rasa, work, "nlu")
            train_mode = "nlu (full failed)"

    noisy_items = noisy.load(args.noisy)
    if args.only_noisy:
        preds, _ = parse(args.rasa, model, [t for t, _ in noisy_items], work)
        noisy_figures = noisy.score(noisy_items, preds, noisy.training_texts(REPO / "data" / "nlu"))
        print(f"work dir: {work}")
        print_noisy(noisy_figures)
        print_latency(latency(preds))
        if args.errors:
            errs = noisy.errors(noisy_items, preds)
            (work / "errors.json").write_text(json.dumps(errs, indent=1), encoding="utf-8")
            print(f"errors: {work / 'errors.json'}")
        if args.json:
            args.json.write_text(json.dumps({**noisy_figures, **latency(preds)}, indent=2), encoding="utf-8")
        return

    bitext, lenient = load_bitext(args.eval_dir)
    clinc_mapped, clinc_general, clinc_oos = load_clinc(args.eval_dir, args.clinc_per_intent, args.seed)
    probes = [t for t, _ in ENTITY_PROBES]
    texts = (
        [t for t, _ in bitext]
        + [t for t, _ in lenient]
        + [t for t, _, _ in clinc_mapped + clinc_general + clinc_oos]
        + probes
        + [t for t, _ in noisy_items]
    )
    preds, parse_seconds = parse(args.rasa, model, texts, work)
    it = iter(preds)
    p_bitext = [next(it) for _ in bitext]
    p_lenient = [next(it) for _ in lenient]
    p_mapped = [next(it) for _ in clinc_mapped]
    p_general = [next(it) for _ in clinc_general]
    p_oos = [next(it) for _ in clinc_oos]
    p_probes = [next(it) for _ in probes]
    p_noisy = [next(it) for _ in noisy_items]
    noisy_figures = noisy.score(noisy_items, p_noisy, noisy.training_texts(REPO / "data" / "nlu"))

    # (a) Bitext
    gold = [g for _, g in bitext]
    strict = [p["intent"] for p in p_bitext]
    no_fb = [best_without(p, {FALLBACK}) for p in p_bitext]
    no_oos = [best_without(p, {FALLBACK, OUT_OF_SCOPE}) for p in p_bitext]
    acc, acc_no_fb, acc_no_oos = accuracy(gold, strict), accuracy(gold, no_fb), accuracy(gold, no_oos)
    f1, per_f1 = macro_f1(gold, strict)
    per_acc = {
        lab: accuracy(
            [g for g in gold if g == lab], [p for g, p in zip(gold, strict, strict=False) if g == lab]
        )
        for lab in per_f1
    }
    confusions = Counter((g, p) for g, p in zip(gold, strict, strict=False) if g != p)
    lenient_acc = (
        sum(p["intent"] in ok for p, (_, ok) in zip(p_lenient, lenient, strict=False)) / len(lenient)
        if lenient
        else None
    )
    lenient_dist = Counter(p["intent"] for p in p_lenient)

    # (b) out-of-scope detection
    pool_gold = [True] * (len(clinc_general) + len(clinc_oos)) + [False] * (len(clinc_mapped) + len(bitext))
    pool_pred = [is_oos(p["intent"]) for p in p_general + p_oos + p_mapped + p_bitext]
    tp = sum(g and p for g, p in zip(pool_gold, pool_pred, strict=False))
    fp = sum((not g) and p for g, p in zip(pool_gold, pool_pred, strict=False))
    fn = sum(g and not p for g, p in zip(pool_gold, pool_pred, strict=False))
    oos_precision = tp / (tp + fp) if tp + fp else 0.0
    oos_recall = tp / (tp + fn) if tp + fn else 0.0
    recall_oos_test = sum(is_oos(p["intent"]) for p in p_oos) / len(p_oos)
    recall_general = sum(is_oos(p["intent"]) for p in p_general) / len(p_general)
    clinc_mapped_acc = accuracy([g for _, g, _ in clinc_mapped], [p["intent"] for p in p_mapped])
    bitext_flagged_oos = sum(is_oos(i) for i in strict) / len(strict)
    oos_fp_intents = Counter(p["intent"] for p in p_general + p_oos if not is_oos(p["intent"]))

    # entity probes (our own sentences)
    probe_ok = 0
    probe_fail = []
    for (text, expected), pred in zip(ENTITY_PROBES, p_probes, strict=False):
        got = {e["entity"]: e["value"] for e in pred["entities"]}
        if all(got.get(k) == v for k, v in expected.items()):
            probe_ok += 1
        else:
            probe_fail.append({"text": text, "expected": expected, "got": pred["entities"]})

    figures = {
        "bitext_n": len(bitext),
        "bitext_accuracy": round(acc, 4),
        "bitext_macro_f1": round(f1, 4),
        "bitext_accuracy_fallback_ignored": round(acc_no_fb, 4),
        "bitext_accuracy_oos_ignored": round(acc_no_oos, 4),
        "in_scope_cost_of_fallback_pts": round(100 * (acc_no_fb - acc), 2),
        "in_scope_cost_of_oos_detection_pts": round(100 * (acc_no_oos - acc), 2),
        "bitext_flagged_oos_rate": round(bitext_flagged_oos, 4),
        "bitext_per_intent_accuracy": {k: round(v, 4) for k, v in per_acc.items()},
        "bitext_per_intent_f1": {k: round(v, 4) for k, v in per_f1.items()},
        "bitext_delivery_period_lenient_accuracy": None if lenient_acc is None else round(lenient_acc, 4),
        "oos_precision": round(oos_precision, 4),
        "oos_recall": round(oos_recall, 4),
        "oos_recall_clinc_oos_test": round(recall_oos_test, 4),
        "oos_recall_clinc_general": round(recall_general, 4),
        "clinc_mapped_in_scope_accuracy": round(clinc_mapped_acc, 4),
        "clinc_n": {"oos_test": len(clinc_oos), "general": len(clinc_general), "mapped": len(clinc_mapped)},
        "entity_probes_passed": f"{probe_ok}/{len(ENTITY_PROBES)}",
        "train_mode": train_mode,
        "train_seconds": None if train_seconds is None else round(train_seconds, 1),
        "parse_ms_per_text": round(1000 * parse_seconds / len(texts), 2),
        **latency(preds),
        **noisy_figures,
        "model": str(model),
    }
    goals = {
        "bitext_accuracy>=0.90": acc >= 0.90,
        "oos_recall>=0.70": oos_recall >= 0.70,
        "oos_cost<=3pts": 100 * (acc_no_oos - acc) <= 3.0,
        "train<300s": train_seconds is None or train_seconds < 300,
        "noisy_in_scope_accuracy>=0.90": noisy_figures["noisy_in_scope_accuracy"] >= 0.90,
        "noisy_oos_recall>=0.80": noisy_figures["noisy_oos_recall"] >= 0.80,
        "clinc_oos_recall>=0.85": oos_recall >= 0.85,
    }
    figures["goals"] = goals

    w = print
    w(f"work dir: {work}")
    w(f"{'figure':44} value")
    w("-" * 56)
    for key in (
        "bitext_n",
        "bitext_accuracy",
        "bitext_macro_f1",
        "bitext_accuracy_fallback_ignored",
        "bitext_accuracy_oos_ignored",
        "in_scope_cost_of_fallback_pts",
        "in_scope_cost_of_oos_detection_pts",
        "bitext_delivery_period_lenient_accuracy",
        "oos_precision",
        "oos_recall",
        "oos_recall_clinc_oos_test",
        "oos_recall_clinc_general",
        "clinc_mapped_in_scope_accuracy",
        "entity_probes_passed",
        "train_mode",
        "train_seconds",
        "parse_ms_per_text",
    ):
        w(f"{key:44} {figures[key]}")
    w("-" * 56)
    w(f"{'bitext intent':20} {'acc':>6} {'f1':>6}")
    for lab in per_f1:
        w(f"{lab:20} {per_acc[lab]:6.3f} {per_f1[lab]:6.3f}")
    w(
        "top bitext confusions (gold -> predicted): "
        + ", ".join(f"{g}->{p}:{n}" for (g, p), n in confusions.most_common(8))
    )
    w("delivery_period predicted as: " + ", ".join(f"{k}:{v}" for k, v in lenient_dist.most_common()))
    w(
        "CLINC out-of-scope items taken as in-scope, by predicted intent: "
        + ", ".join(f"{k}:{v}" for k, v in oos_fp_intents.most_common(8))
    )
    for fail in probe_fail:
        w(f"entity probe failed: {fail}")
    print_noisy(noisy_figures)
    print_latency(latency(preds))
    w("goals: " + ", ".join(f"{k} {'OK' if v else 'MISSED'}" for k, v in goals.items()))

    if args.errors:
        errs = [
            {"set": "bitext", "text": t, "gold": g, "pred": p["intent"], "ranking": p["ranking"]}
            for (t, g), p in zip(bitext, p_bitext, strict=False)
            if p["intent"] != g
        ]
        errs += [
            {"set": "clinc", "text": t, "gold": g, "clinc": c, "pred": p["intent"]}
            for (t, g, c), p in zip(
                clinc_mapped + clinc_general + clinc_oos, p_mapped + p_general + p_oos, strict=False
            )
            if (g == OUT_OF_SCOPE) != is_oos(p["intent"]) or (g != OUT_OF_SCOPE and p["intent"] != g)
        ]
        errs += noisy.errors(noisy_items, p_noisy)
        (work / "errors.json").write_text(json.dumps(errs, indent=1), encoding="utf-8")
        w(f"errors: {work / 'errors.json'}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    w(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
