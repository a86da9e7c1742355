"""Training and measuring the two-stage police-item detector (detectors/police_items.py).

data.py      the labelled photos of ../shared/eval and their fixed split
features.py  proposals and crop embeddings per photo, cached
insignia.py  procedurally drawn badges, stars, shields, patches and door decals
head.py      the linear head over crop embeddings, fitted with weak (image-level) labels
measure.py   per-image figures on the held-back part
"""
