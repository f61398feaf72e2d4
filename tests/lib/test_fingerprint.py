from sitroom.lib.fingerprint import (
    exact_key,
    is_near_duplicate,
    lsh_keys,
    minhash,
    signature_from_bytes,
    signature_to_bytes,
    similarity,
)

ORIGINAL = (
    "URGENT: polling stations in the north will close at noon on Saturday, "
    "the commission has moved voting to the police station. Share with everyone!"
)


def test_exact_key_ignores_case_accents_urls_mentions_and_retweet_marker():
    a = exact_key("Le vote est REPORTÉ à mardi!! https://t.co/x @cen_ci")
    b = exact_key("RT: le vote est reporte a mardi")
    assert a == b
    assert exact_key("le vote est reporté à mercredi") != a


def test_near_duplicates_are_close_and_unrelated_texts_are_far():
    edited = ORIGINAL.replace("Share with everyone!", "Please share with everyone!!")
    unrelated = "The football final will be played on Sunday evening in the national stadium."
    assert similarity(minhash(ORIGINAL), minhash(ORIGINAL + " http://x.co/1")) == 1.0
    assert is_near_duplicate(minhash(ORIGINAL), minhash(edited))
    assert not is_near_duplicate(minhash(ORIGINAL), minhash(unrelated))
    assert set(lsh_keys(minhash(ORIGINAL))) & set(lsh_keys(minhash(edited)))
    assert not set(lsh_keys(minhash(ORIGINAL))) & set(lsh_keys(minhash(unrelated)))


def test_works_without_spaces_and_in_other_scripts():
    ar = "تم تأجيل الانتخابات إلى الأسبوع المقبل بسبب الأمطار"
    assert is_near_duplicate(minhash(ar), minhash(ar + "!!"))
    assert similarity(minhash("短文本"), minhash("短文本")) == 1.0


def test_signature_round_trip_and_keys_fit_bigint():
    sig = minhash(ORIGINAL)
    assert (signature_from_bytes(signature_to_bytes(sig)) == sig).all()
    assert all(0 <= k < (1 << 63) for k in lsh_keys(sig))


def test_signatures_stay_comparable_with_stored_ones_when_digests_are_cached():
    # Stored signatures are compared with new ones: the cached shingle digests must give
    # exactly the signature of the plain definition, on the first call and on later ones.
    import hashlib

    import numpy as np

    from sitroom.lib import fingerprint

    text = "Les bulletins pré-cochés sont arrivés à Korhogo #CENI @someone https://x.y/z"
    norm = fingerprint.normalise_for_dedup(text)
    grams = {norm[i : i + fingerprint.SHINGLE] for i in range(len(norm) - fingerprint.SHINGLE + 1)}
    digests = b"".join(hashlib.blake2b(g.encode(), digest_size=8).digest() for g in grams)
    hashes = np.frombuffer(digests, dtype=">u8").astype(np.uint64) & fingerprint._PRIME
    expected = ((np.outer(hashes, fingerprint._A) + fingerprint._B) % fingerprint._PRIME).min(
        axis=0
    )
    assert (fingerprint.minhash(text) == expected.astype(np.uint32)).all()
    assert (fingerprint.minhash(text) == expected.astype(np.uint32)).all()  # digests cached
