#!/usr/bin/env python3
"""Trivial SQuAD baselines on the evaluation side of the article split that `dcft train --task squad` uses
(the last 10 articles of dev-v1.1.json; optionally only the first N questions, as --eval-limit does):
the first sentence of the context, and the first 5 words of it. Scored with the official v1.1 definitions.
    python3 scripts/squad-baseline.py ../shared/data/squad/v1.1/dev.json 500
"""
import collections
import json
import re
import string
import sys


def normalize_answer(s):
    s = s.lower()
    s = ''.join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r'\b(a|an|the)\b', ' ', s)
    return ' '.join(s.split())


def f1(pred, gold):
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    same = sum((collections.Counter(p) & collections.Counter(g)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


data = json.load(open(sys.argv[1]))['data']
limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
questions = [(p['context'], [a['text'] for a in q['answers']]) for art in data[-10:] for p in art['paragraphs'] for q in p['qas']]
questions = questions[:limit] if limit else questions
for name, guess in (("first sentence", lambda c: re.split(r'(?<=[.!?])\s', c, maxsplit=1)[0]),
                    ("first 5 words", lambda c: ' '.join(c.split()[:5]))):
    em = sum(max(float(normalize_answer(guess(c)) == normalize_answer(a)) for a in golds) for c, golds in questions)
    fs = sum(max(f1(guess(c), a) for a in golds) for c, golds in questions)
    print(f"{name}: exact_match {100 * em / len(questions):.2f}, f1 {100 * fs / len(questions):.2f} ({len(questions)} questions)")
