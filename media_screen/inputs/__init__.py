"""What a scan reads: the files it screens (walk.py), each input read once (source.py), stills decoded
(still.py), the layout of HEIF files (heif_layout.py) and the caption a file is posted with (caption.py)."""
