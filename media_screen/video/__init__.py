"""Video: which frames are looked at (sampling), the stream and its bounds, frames turned upright,
samples unchanged since the last analysed one (frame_change), detections linked over time (tracking),
and the screen of a whole video (screen).

Nothing is imported here, so a module that needs only tracking does not load the decoder.
"""
