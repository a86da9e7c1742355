"""Training and measuring the weapons detector (detectors/weapons.py).

data.py      the labelled photos of ../shared/eval, weapons and their look-alikes, split by file hash
features.py  crop embeddings per photo (the police-item crops plus tiles), cached
composite.py weapons cut from box-labelled training photos and tools cut from look-alike photos, pasted small
fit.py       the head over crop features, learned from image-level labels, and its operating point
measure.py   per-photo figures on the held-back part
run.py       `media-screen train --weapons` end to end
card.py      the model card
"""
