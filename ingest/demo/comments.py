"""Survey comments as patients write them, some with their own name, phone, email or MRN."""

from __future__ import annotations

import numpy as np

from ingest.demo.writer import STR

PROMOTER = (
    "{doc} was wonderful, explained everything and never rushed me.",
    "Quick visit, friendly front desk. Love my new glasses!",
    "Best eye exam I've had in years. {doc} is great with kids.",
    "The opticians at {loc} helped me pick frames for almost an hour, so patient.",
    "In and out in under an hour and my contacts were ready the same day",
    "everyone was so nice. thank you {doc}!!",
    "Very professional. The retinal imaging was explained clearly.",
    "I've been coming to the {loc} office for 10 years and it just keeps getting better.",
    "Great experience from check-in to check-out.",
    "{doc} found the problem my last eye doctor missed. Grateful.",
)
PASSIVE = (
    "Good exam but the wait was a bit long.",
    "Fine overall. Parking at {loc} is a pain.",
    "Nice staff, frames are pricey though.",
    "Exam was ok, felt a little rushed at the end",
    "Glasses took longer than promised but they fit well.",
    "Decent. Online booking was confusing.",
)
DETRACTOR = (
    "Waited over 40 minutes past my appointment time. Not acceptable.",
    "Nobody told me my insurance wouldn't cover the retinal photos until I got the bill.",
    "My frames were backordered and no one called me. Very frustrating.",
    "the wait at {loc} was ridiculous today, I almost left",
    "Front desk was rude when I asked about my bill.",
    "I never got a reminder text and then got charged a no-show fee.",
    "Sat in the waiting room for 45 min, {doc} seemed stressed and rushed.",
)
IDENTITY_PREFIXES = (  # {first} {last} {title}
    "This is {first} {last}. ",
    "{first} {last} here - ",
    "My name is {first} {last} and ",
    "{title} {last} (that's me) says: ",
)
CONTACT_SUFFIXES = (  # {phone} {email} {mrn}
    " Please call me back at {phone}.",
    " You can reach me at {phone} if you have questions.",
    " Email me at {email} about the refund.",
    " my chart number is {mrn}",
    " (account {mrn}, please check)",
    " Text {phone} when my glasses are in.",
)


def _fill(template: np.ndarray, key: str, values: np.ndarray) -> np.ndarray:
    return np.strings.replace(template, "{" + key + "}", values.astype(STR))


def make_comments(
    rng: np.random.Generator,
    score: np.ndarray,
    long_wait: np.ndarray,
    doc: np.ndarray,
    loc: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    title: np.ndarray,
    phone: np.ndarray,
    email: np.ndarray,
    mrn: np.ndarray,
) -> np.ndarray:
    """A comment per survey (None for most); all arrays are aligned with ``score``."""
    n = len(score)
    banks = [np.array(b, dtype=STR) for b in (DETRACTOR, PASSIVE, PROMOTER)]
    band = np.select([score <= 6, score <= 8], [0, 1], 2)
    text = np.empty(n, dtype=STR)
    for b, bank in enumerate(banks):  # one step per score band
        m = band == b
        text[m] = bank[rng.integers(0, len(bank), m.sum())]
    wait_text = np.array(DETRACTOR, dtype=STR)[np.array([0, 3, 6])]
    waited = long_wait & (band < 2)
    text[waited] = wait_text[rng.integers(0, 3, waited.sum())]
    text = _fill(_fill(text, "doc", doc), "loc", loc)

    named = rng.random(n) < 0.07
    prefix = np.array(IDENTITY_PREFIXES, dtype=STR)[rng.integers(0, len(IDENTITY_PREFIXES), n)]
    prefix = _fill(_fill(_fill(prefix, "first", first), "last", last), "title", title)
    text = np.where(named, np.strings.add(prefix, text), text)
    contact = rng.random(n) < 0.06
    suffix = np.array(CONTACT_SUFFIXES, dtype=STR)[rng.integers(0, len(CONTACT_SUFFIXES), n)]
    no_email = np.strings.find(suffix, "{email}") >= 0
    suffix = _fill(
        _fill(_fill(suffix, "phone", phone), "email", np.where(email == "", phone, email)), "mrn", mrn
    )
    suffix = np.where(
        no_email & (email == ""), np.strings.add(" Call ", np.strings.add(phone.astype(STR), ".")), suffix
    )
    text = np.where(contact, np.strings.add(text, suffix), text)
    has = rng.random(n) < np.select([band == 0, band == 1], [0.75, 0.35], 0.4)
    has |= named | contact
    out = text.astype(STR)
    out[~has] = None
    return out
