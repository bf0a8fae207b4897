"""wordmood: scores English text with two small word lists (a stand-in for a real sentiment model).

score("a great, friendly place") -> {"label": "positive", "score": 1.0, "words": {"great": 1, "friendly": 1}}
"""

import re

__version__ = "1.0"

POSITIVE = {
    "amazing", "best", "delicious", "excellent", "fast", "friendly", "fun", "good", "great", "happy", "helpful",
    "love", "lovely", "nice", "perfect", "recommend", "wonderful",
}
NEGATIVE = {
    "awful", "bad", "broken", "cold", "dirty", "disappointing", "hate", "poor", "rude", "slow", "terrible",
    "worst", "wrong",
}
NEGATORS = {"not", "never", "no", "isn't", "wasn't", "don't", "didn't"}


def score(text):
    """Returns the label, a score in [-1, 1] (positive minus negative hits over all hits) and the words hit.

    A word right after a negator ("not good") counts for the other side.
    """
    words = re.findall(r"[a-z']+", text.lower())
    hits = {}
    total = 0
    for i, word in enumerate(words):
        polarity = 1 if word in POSITIVE else -1 if word in NEGATIVE else 0
        if polarity == 0:
            continue
        if i > 0 and words[i - 1] in NEGATORS:
            polarity = -polarity
            word = words[i - 1] + " " + word
        hits[word] = polarity
        total += polarity
    if not hits:
        return {"label": "neutral", "score": 0.0, "words": {}}
    value = round(total / len(hits), 4)
    label = "positive" if value > 0 else "negative" if value < 0 else "neutral"
    return {"label": label, "score": value, "words": hits}
