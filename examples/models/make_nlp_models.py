#!/usr/bin/python3
"""Builds the small BERT-style NLP test models committed under examples/models/.

Run with Debian's interpreter (torch 1.13, numpy; no `transformers`, no `tokenizers`, no network):

    /usr/bin/python3 examples/models/make_nlp_models.py [OUTPUT_DIR]

OUTPUT_DIR defaults to the folder of this script. Everything is deterministic.

There are no pretrained weights on this machine, so these are not trained language models. Each one is a
real TorchScript module with the input and output signature of its Hugging Face task, whose only weights
are small lookup tables written by hand below, and each folder carries a real `tokenizer.json`: a cased
BERT WordPiece tokenizer (the format the Hugging Face `tokenizers` library reads) over a 90-word vocabulary.
The Java tests send text through DJL's real tokenizer and translators to these models and compare the
answers with `nlp-data/expected.json`, which this script computes with its own WordPiece implementation
and torch, independently of DJL.

Outputs (each model folder is ready to serve in Java mode on PyTorch):
  bert-qa/         question answering: (input_ids, attention_mask, token_type_ids) -> (start_logits,
                   end_logits), each [batch, seq]. A token's start/end logits come from a per-word table
                   (weather words, cities) and only paragraph tokens (token type 1) can be picked, so
                   "How is the weather" over "The weather is nice, it is beautiful day" answers "nice",
                   and other paragraphs give other answers ("sunny", "very cold", "Paris").
                   QuestionAnsweringTranslatorFactory, includeTokenTypes=True (the seed's NLP example).
  bert-sentiment/  text classification: (input_ids, attention_mask) -> logits [batch, 2], the mean over
                   the sentence of per-word (NEGATIVE, POSITIVE) scores; config.json names the labels.
  bert-embedding/  text embedding: (input_ids, attention_mask) -> last_hidden_state [batch, seq, 8], a
                   seeded random embedding table; DJL mean-pools and normalises it.
  bert-fill-mask/  fill mask: (input_ids, attention_mask) -> logits [batch, seq, vocab]; a bigram table
                   predicts each token from the one before ("The weather is [MASK]." -> nice, cold, warm).
  bert-ner/        token classification: (input_ids, attention_mask) -> logits [batch, seq, 5] over
                   O, B-PER, I-PER, B-LOC, I-LOC from a per-word table (Alice -> B-PER, New York -> LOC).
  nlp-data/        expected.json: for each sample text, the token ids this script's WordPiece gives and
                   the answer each model must produce through DJL's translators; vocab.txt.
"""

import json
import os
import shutil
import sys
import unicodedata

import torch
from torch import nn

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [
    ",", ".", "?", "!", "'",
    "How", "What", "Where", "Who", "does", "is", "was", "are", "the", "The", "a", "and", "but", "of", "in",
    "it", "It", "I", "this", "today", "Today", "yesterday", "Yesterday", "weather", "like", "day", "city",
    "nice", "beautiful", "good", "great", "love", "warm", "cold", "very", "bad", "terrible", "hate",
    "sun", "rain", "snow", "##ny", "##y", "##s", "##ing", "##ed",
    "live", "lives", "work", "works", "visit", "visited", "movie", "food", "capital",
    "Alice", "Bob", "Carol", "Paris", "London", "Berlin", "France", "Germany", "New", "York",
    "people", "man", "woman", "there", "here", "not", "so", "too", "my", "your", "his", "her", "we",
]
VOCAB = SPECIALS + WORDS
IDS = {token: i for i, token in enumerate(VOCAB)}
assert len(IDS) == len(VOCAB), "duplicate vocabulary entry"

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


# --- tokenizer.json ------------------------------------------------------------------------------------

def tokenizer_json():
    """A cased BERT tokenizer in the Hugging Face tokenizers JSON format (as bert-base-cased ships it)."""
    def special(token):
        return {"id": IDS[token], "content": token, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}

    def template(pieces):
        out = []
        for kind, name, type_id in pieces:
            out.append({kind: {"id": name, "type_id": type_id}})
        return out

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(t) for t in SPECIALS],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": False},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": template([("SpecialToken", "[CLS]", 0), ("Sequence", "A", 0), ("SpecialToken", "[SEP]", 0)]),
            "pair": template([("SpecialToken", "[CLS]", 0), ("Sequence", "A", 0), ("SpecialToken", "[SEP]", 0),
                              ("Sequence", "B", 1), ("SpecialToken", "[SEP]", 1)]),
            "special_tokens": {t: {"id": t, "ids": [IDS[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": IDS},
    }


# --- an independent WordPiece, for the expected answers ------------------------------------------------

def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_words(text):
    """BERT's basic tokenisation (cased): whitespace, then punctuation split; with character offsets."""
    words = []
    start = None
    for i, ch in enumerate(text + " "):
        if ch.isspace() or is_punctuation(ch):
            if start is not None:
                words.append((text[start:i], start, i))
                start = None
            if is_punctuation(ch):
                words.append((ch, i, i + 1))
        elif start is None:
            start = i
    return words


def wordpiece(text):
    """Tokens with (start, end) character offsets: special tokens first, as added tokens, then each word
    greedy longest match first, as BERT does."""
    pieces = []
    at = 0
    while at < len(text):
        hits = [(text.find(t, at), t) for t in SPECIALS if text.find(t, at) >= 0]
        if not hits:
            pieces.extend(wordpiece_words(text, at, len(text)))
            break
        begin, token = min(hits)
        pieces.extend(wordpiece_words(text, at, begin))
        pieces.append((token, begin, begin + len(token)))
        at = begin + len(token)
    return pieces


def wordpiece_words(text, begin_at, end_at):
    pieces = []
    for word, begin, _ in basic_words(text[begin_at:end_at]):
        begin += begin_at
        pos = 0
        sub = []
        while pos < len(word):
            end = len(word)
            found = None
            while end > pos:
                candidate = word[pos:end] if pos == 0 else "##" + word[pos:end]
                if candidate in IDS:
                    found = candidate
                    break
                end -= 1
            if found is None:
                sub = [("[UNK]", begin, begin + len(word))]
                break
            sub.append((found, begin + pos, begin + end))
            pos = end
        pieces.extend(sub)
    return pieces


def encode(text, pair=None):
    """(ids, type_ids, pieces of text A, pieces of text B) with [CLS] A [SEP] (B [SEP])."""
    a = wordpiece(text)
    ids = [IDS["[CLS]"]] + [IDS[t] for t, _, _ in a] + [IDS["[SEP]"]]
    types = [0] * len(ids)
    b = []
    if pair is not None:
        b = wordpiece(pair)
        ids += [IDS[t] for t, _, _ in b] + [IDS["[SEP]"]]
        types += [1] * (len(b) + 1)
    return ids, types, a, b


def decode(tokens):
    """The WordPiece decoder: join with spaces, glue '##' pieces, tidy spaces before punctuation."""
    text = " ".join(tokens).replace(" ##", "").replace("##", "")
    for p in (" .", " ?", " !", " ,", " ' ", " n't", " 'm", " 's", " 've", " 're"):
        text = text.replace(p, p.lstrip() if p != " ' " else "'")
    return text.strip()


# --- the models ----------------------------------------------------------------------------------------

def table(columns, entries, default=None):
    """A [vocab, columns] float table: zeros (or `default` per column) with `entries` {token: [values]}."""
    weight = torch.zeros(len(VOCAB), columns)
    if default is not None:
        weight[:] = torch.tensor(default, dtype=torch.float32)
    for token, values in entries.items():
        weight[IDS[token]] = torch.tensor(values, dtype=torch.float32)
    return weight


class TinyQa(nn.Module):
    """Start/end logits from a per-token table; only attended paragraph tokens (type 1) can be picked."""

    def __init__(self, scores):
        super().__init__()
        self.scores = nn.Embedding.from_pretrained(scores, freeze=True)

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = self.scores(input_ids)
        keep = (attention_mask * token_type_ids).unsqueeze(-1) > 0
        s = torch.where(keep, s, torch.full_like(s, -10000.0))
        return s[:, :, 0], s[:, :, 1]


class TinySentiment(nn.Module):
    """Logits [batch, 2]: the masked mean of per-token (NEGATIVE, POSITIVE) scores."""

    def __init__(self, scores):
        super().__init__()
        self.scores = nn.Embedding.from_pretrained(scores, freeze=True)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).to(torch.float32)
        return (self.scores(input_ids) * mask).sum(1) / mask.sum(1)


class TinyEncoder(nn.Module):
    """last_hidden_state [batch, seq, dim]: an embedding table (the pooling is the translator's)."""

    def __init__(self, weight):
        super().__init__()
        self.embeddings = nn.Embedding.from_pretrained(weight, freeze=True)

    def forward(self, input_ids, attention_mask):
        return self.embeddings(input_ids) * attention_mask.unsqueeze(-1).to(torch.float32)


class TinyMaskedLm(nn.Module):
    """Logits [batch, seq, vocab]: a bigram table predicts each position from the token before it."""

    def __init__(self, bigram):
        super().__init__()
        self.bigram = nn.Embedding.from_pretrained(bigram, freeze=True)

    def forward(self, input_ids, attention_mask):
        previous = torch.cat([input_ids[:, :1], input_ids[:, :-1]], dim=1)
        return self.bigram(previous)


class TinyTagger(nn.Module):
    """Logits [batch, seq, labels] from a per-token table."""

    def __init__(self, scores):
        super().__init__()
        self.scores = nn.Embedding.from_pretrained(scores, freeze=True)

    def forward(self, input_ids, attention_mask):
        return self.scores(input_ids)


QA_SCORES = table(2, {
    "nice": [5, 5], "cold": [5, 5], "warm": [5, 5], "beautiful": [3, 3], "very": [6, 0],
    "sun": [5, 0], "rain": [5, 0], "snow": [5, 0], "##ny": [0, 5], "##y": [0, 5],
    "Paris": [4, 4], "London": [4, 4], "Berlin": [4, 4],
})
SENTIMENT_SCORES = table(2, {
    "nice": [0, 3], "beautiful": [0, 3], "good": [0, 2], "great": [0, 3], "love": [0, 3], "warm": [0, 1],
    "sun": [0, 1], "bad": [2, 0], "terrible": [3, 0], "hate": [3, 0], "cold": [1, 0], "rain": [1, 0],
    "not": [1, 0],
})
NER_SCORES = table(len(LABELS), {
    "Alice": [0, 5, 0, 0, 0], "Bob": [0, 5, 0, 0, 0], "Carol": [0, 5, 0, 0, 0],
    "Paris": [0, 0, 0, 5, 0], "London": [0, 0, 0, 5, 0], "Berlin": [0, 0, 0, 5, 0],
    "France": [0, 0, 0, 5, 0], "Germany": [0, 0, 0, 5, 0], "New": [0, 0, 0, 4, 0], "York": [0, 0, 0, 0, 4],
}, default=[2, 0, 0, 0, 0])


def bigram_table():
    nexts = {
        "is": {"nice": 4, "cold": 3, "warm": 2},
        "The": {"weather": 5, "movie": 3, "food": 2},
        "very": {"cold": 4, "nice": 3, "good": 2},
        "I": {"love": 4, "hate": 3, "visited": 2},
        "in": {"Paris": 4, "London": 3, "Berlin": 2},
    }
    weight = torch.zeros(len(VOCAB), len(VOCAB))
    for token, follow in nexts.items():
        for nxt, value in follow.items():
            weight[IDS[token], IDS[nxt]] = value
    return weight


def embedding_table():
    generator = torch.Generator().manual_seed(20261125)
    return torch.randn(len(VOCAB), 8, generator=generator)


# --- samples and their expected answers ----------------------------------------------------------------

QA_SAMPLES = [
    ("How is the weather", "The weather is nice, it is beautiful day", "nice"),
    ("How is the weather", "Today the weather is sunny", "sunny"),
    ("What was the weather like yesterday", "Yesterday it was very cold", "very cold"),
    ("Where does Alice live", "Alice lives in Paris", "Paris"),
]
SENTIMENT_SAMPLES = ["The food is nice and the day is beautiful", "I hate this terrible movie", "The weather is cold"]
EMBEDDING_SAMPLES = ["The weather is nice", "Alice lives in Paris", "rainy"]
FILL_MASK_SAMPLES = ["The weather is [MASK].", "Alice lives in [MASK].", "It was very [MASK] yesterday"]
NER_SAMPLES = ["Alice visited Paris", "Bob lives in New York", "The weather is nice"]


def expected_answers(qa, sentiment, encoder, masked_lm, tagger):
    out = {"vocab_size": len(VOCAB), "labels": LABELS}
    with torch.no_grad():
        rows = []
        for question, paragraph, answer in QA_SAMPLES:
            ids, types, _, _ = encode(question, paragraph)
            t = torch.tensor([ids])
            start, end = qa(t, torch.ones_like(t), torch.tensor([types]))
            start[0, 0] = end[0, 0] = -100000.0  # DJL never picks [CLS]
            s, e = int(start[0].argmax()), int(end[0].argmax())
            s, e = min(s, e), max(s, e)
            got = decode([VOCAB[i] for i in ids[s:e + 1]])
            assert got == answer, (paragraph, got, answer)
            rows.append({"question": question, "paragraph": paragraph, "ids": ids, "type_ids": types,
                         "answer": answer})
        out["question_answering"] = rows

        rows = []
        for text in SENTIMENT_SAMPLES:
            ids, _, _, _ = encode(text)
            t = torch.tensor([ids])
            probs = torch.softmax(sentiment(t, torch.ones_like(t))[0], 0)
            order = sorted(range(2), key=lambda i: -float(probs[i]))
            rows.append({"text": text, "ids": ids,
                         "classes": [{"className": ["NEGATIVE", "POSITIVE"][i], "probability": float(probs[i])}
                                     for i in order]})
        out["text_classification"] = rows

        rows = []
        for text in EMBEDDING_SAMPLES:
            ids, _, _, _ = encode(text)
            t = torch.tensor([ids])
            hidden = encoder(t, torch.ones_like(t))[0]
            pooled = hidden.mean(0)
            pooled = pooled / pooled.norm()
            rows.append({"text": text, "ids": ids, "embedding": [float(v) for v in pooled]})
        out["text_embedding"] = rows

        rows = []
        for text in FILL_MASK_SAMPLES:
            ids, _, _, _ = encode(text)
            t = torch.tensor([ids])
            logits = masked_lm(t, torch.ones_like(t))[0]
            mask_at = ids.index(IDS["[MASK]"])
            probs = torch.softmax(logits[mask_at], 0)
            top = torch.argsort(probs, descending=True)[:3]
            rows.append({"text": text, "ids": ids,
                         "classes": [{"className": VOCAB[int(i)], "probability": float(probs[int(i)])}
                                     for i in top]})
        out["fill_mask"] = rows

        rows = []
        for text in NER_SAMPLES:
            ids, _, pieces, _ = encode(text)
            t = torch.tensor([ids])
            probs = torch.softmax(tagger(t, torch.ones_like(t))[0], 1)
            entities = []
            for i in range(1, len(ids) - 1):
                label = int(probs[i].argmax())
                if LABELS[label] != "O":
                    token, start, end = pieces[i - 1]
                    entities.append({"entity": LABELS[label], "score": float(probs[i, label]), "index": i,
                                     "word": token, "start": start, "end": end})
            rows.append({"text": text, "ids": ids, "entities": entities})
        out["token_classification"] = rows
    return out


# --- writing -------------------------------------------------------------------------------------------

def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_json(path, value):
    write_text(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def model_folder(out, name, module, properties, config=None):
    folder = os.path.join(out, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    torch.jit.script(module.eval()).save(os.path.join(folder, name + ".pt"))
    write_json(os.path.join(folder, "tokenizer.json"), tokenizer_json())
    write_text(os.path.join(folder, "serving.properties"), "\n".join(properties) + "\n")
    if config is not None:
        write_json(os.path.join(folder, "config.json"), config)


def label_config(architecture, labels):
    return {"architectures": [architecture], "model_type": "bert",
            "id2label": {str(i): label for i, label in enumerate(labels)},
            "label2id": {label: i for i, label in enumerate(labels)}}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    torch.manual_seed(0)
    torch.set_num_threads(1)

    qa = TinyQa(QA_SCORES)
    sentiment = TinySentiment(SENTIMENT_SCORES)
    encoder = TinyEncoder(embedding_table())
    masked_lm = TinyMaskedLm(bigram_table())
    tagger = TinyTagger(NER_SCORES)

    model_folder(out, "bert-qa", qa, [
        "# the seed's NLP example: a BERT question-answering model behind DJL's QuestionAnsweringTranslatorFactory",
        "engine=PyTorch",
        "option.modelName=bert-qa",
        "option.mapLocation=true",
        "translatorFactory=ai.djl.huggingface.translator.QuestionAnsweringTranslatorFactory",
        "includeTokenTypes=True",
    ], config={"architectures": ["BertForQuestionAnswering"], "model_type": "bert"})
    model_folder(out, "bert-sentiment", sentiment, [
        "# text classification: DJL's TextClassificationTranslatorFactory reads the labels from config.json",
        "engine=PyTorch",
        "option.modelName=bert-sentiment",
        "application=nlp/text_classification",
    ], config=label_config("BertForSequenceClassification", ["NEGATIVE", "POSITIVE"]))
    model_folder(out, "bert-embedding", encoder, [
        "# text embedding: DJL's TextEmbeddingTranslatorFactory mean-pools and normalises last_hidden_state",
        "engine=PyTorch",
        "option.modelName=bert-embedding",
        "task=text_embedding",
    ])
    model_folder(out, "bert-fill-mask", masked_lm, [
        "# fill mask: DJL's FillMaskTranslatorFactory, the three most likely tokens for [MASK]",
        "engine=PyTorch",
        "option.modelName=bert-fill-mask",
        "application=nlp/fill_mask",
        "topK=3",
    ])
    model_folder(out, "bert-ner", tagger, [
        "# token classification: DJL's TokenClassificationTranslatorFactory, labels from config.json",
        "engine=PyTorch",
        "option.modelName=bert-ner",
        "task=token_classification",
    ], config=label_config("BertForTokenClassification", LABELS))

    data = os.path.join(out, "nlp-data")
    os.makedirs(data, exist_ok=True)
    write_json(os.path.join(data, "expected.json"), expected_answers(qa, sentiment, encoder, masked_lm, tagger))
    write_text(os.path.join(data, "vocab.txt"), "\n".join(VOCAB) + "\n")
    print("wrote bert-qa, bert-sentiment, bert-embedding, bert-fill-mask, bert-ner and nlp-data under", out)


if __name__ == "__main__":
    main()
