"""Face recognition for protected people: alignment + embedding (embedder), matching, enrolment.

dlib's types stay inside `embedder`; everything else sees numpy vectors and `Box`es.
"""
