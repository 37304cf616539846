"""The token pipeline under threads: gunicorn's gthread workers index and search in several at once."""
import sys
import threading

import snowballstemmer

from integration.search import tokens

WORDS = [f"{root}{ending}" for root in ("griev", "breath", "harbor", "lighten", "wander", "settl", "remember",
                                         "forgiv", "notic", "connect", "sooth", "carri")
         for ending in ("ing", "ed", "s", "ness", "fulness", "ings", "ation", "ly", "ment", "ers")] * 40


def test_threads_stem_their_own_words_and_never_each_others():
    expected = [snowballstemmer.stemmer("english").stemWord(word) for word in WORDS]
    stem = tokens.stem  # past the cache, so that every call runs the stemmer
    results: dict[int, list[str]] = {}
    failures: list[BaseException] = []

    def work(number: int):
        try:
            results[number] = [stem(word) for word in WORDS]
        except BaseException as failure:  # an IndexError is how a shared stemmer once failed
            failures.append(failure)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: a shared stemmer shows at once
    try:
        threads = [threading.Thread(target=work, args=(number,)) for number in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert all(result == expected for result in results.values()) and len(results) == 8
