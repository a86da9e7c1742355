#!/usr/bin/env python3
"""Make real signed Content Credentials (C2PA) test files with c2pa-python, into a folder.

c2pa-python ships no test certificates, so each run makes an ephemeral test CA and an ES256
(P-256) signing certificate under it with `cryptography` (the keys live only in memory and the
signer is "media-screen test signer", organisation "media-screen tests": untrusted anywhere, which
the reader reports and does not mind). The files are signed by the same package the tool reads
them with; nothing is fetched (no time-stamp authority).

Files written (a 160 x 120 synthetic picture each, no people, no text):
  c2pa_creator.{jpg,png,webp,heic,avif,mp4}  a manifest with a schema.org CreativeWork assertion naming
                      the creator "Det. Jane Roe" (Person) and "Concord PD Narcotics" (Organization),
                      an edit history (c2pa.created, c2pa.cropped) and, for the stills, an ingredient
                      "original" (parentOf) with its thumbnail;
  c2pa_plain.jpg      a manifest with a claim generator and an edit history only: no identity;
  c2pa_edited.jpg     c2pa_creator.jpg opened and re-signed without an identity: the creator's earlier
                      manifest travels inside the new store;
  c2pa_remote.jpg     no manifest in the file, only XMP dcterms:provenance naming a remote one
                      (http://127.0.0.1:9/, a closed local port: a reader that fetched it would show);
  c2pa_damaged.jpg    c2pa_creator.jpg with its CreativeWork assertion's bytes broken (fail-closed test).

Usage: python scripts/make_c2pa_samples.py OUT_DIR [--only NAME ...]
(sample_media/metadata/c2pa_creator.jpg is made with `--only c2pa_creator.jpg`; a new run signs
anew, so the bytes differ each time while the findings do not.)
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = (160, 120)
CREATOR, ORGANISATION = "Det. Jane Roe", "Concord PD Narcotics"
REMOTE_URL = "http://127.0.0.1:9/manifest.c2pa"
GENERATOR = [{"name": "media-screen make_c2pa_samples", "version": "1.0"}]
CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
ACTIONS = {"label": "c2pa.actions", "data": {"actions": [
    {"action": "c2pa.created", "digitalSourceType": CAPTURE}, {"action": "c2pa.cropped"},
]}}
CREATIVE_WORK = {"label": "stds.schema-org.CreativeWork", "data": {
    "@context": "https://schema.org", "@type": "CreativeWork",
    "author": [{"@type": "Person", "name": CREATOR}, {"@type": "Organization", "name": ORGANISATION}],
}}
STILLS = {  # file suffix -> (Pillow format, MIME type)
    "jpg": ("JPEG", "image/jpeg"), "png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp"),
    "heic": ("HEIF", "image/heic"), "avif": ("AVIF", "image/avif"),
}


def test_signer():
    """A c2pa Signer with a fresh ES256 certificate issued by a fresh test CA (both in memory only)."""
    import c2pa
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    later = now + datetime.timedelta(days=3650)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "media-screen tests")])

    def usage(signs_certificates: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=not signs_certificates, content_commitment=False,
                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                             key_cert_sign=signs_certificates, crl_sign=signs_certificates, encipher_only=False,
                             decipher_only=False)

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("media-screen test CA")).issuer_name(name("media-screen test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(later)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(usage(True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name("media-screen test signer")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private, None))


def scene(seed: int = 7) -> Image.Image:
    """Sky, a hill and a sun: no people, no text."""
    width, height = SIZE
    y = np.linspace(0, 1, height)[:, None, None]
    pixels = np.broadcast_to(np.array([235, 190, 120]) * (1 - y) + np.array([250, 225, 200]) * y,
                             (height, width, 3)).copy()
    xs = np.arange(width)
    hill = (height * 0.65 + 10 * np.sin(xs / 17 + seed)).astype(int)
    for x in xs:
        pixels[hill[x]:, x] = (60, 140, 70)
    yy, xx = np.ogrid[:height, :width]
    pixels[(yy - 30) ** 2 + (xx - 120) ** 2 < 12 ** 2] = (250, 240, 120)
    return Image.fromarray(pixels.astype(np.uint8)[:, :, ::-1].copy())


def encoded(image: Image.Image, pil_format: str) -> bytes:
    if pil_format in ("HEIF", "AVIF"):
        from pillow_heif import register_heif_opener

        register_heif_opener()  # HEIF; AVIF is Pillow's own
    buffer = io.BytesIO()
    image.save(buffer, pil_format, **({"quality": 90} if pil_format != "PNG" else {}))
    return buffer.getvalue()


def clip() -> bytes:
    """A 1 s, 8 fps H.264 MP4 of the scene."""
    import av

    buffer = io.BytesIO()
    frame_pixels = np.asarray(scene())
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        for index in range(8):
            frame = av.VideoFrame.from_ndarray(np.roll(frame_pixels, index, axis=1), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def signed(signer, mime: str, asset: bytes, assertions: list, ingredient: tuple[bytes, str, str] | None = None,
           remote: bool = False) -> bytes:
    """`asset` with a manifest holding `assertions` (and an ingredient: bytes, MIME type, title)."""
    import c2pa

    builder = c2pa.Builder({"claim_generator_info": GENERATOR, "title": "street scene", "assertions": assertions})
    if ingredient is not None:
        data, ingredient_mime, title = ingredient
        builder.add_ingredient({"title": title, "relationship": "parentOf", "label": "parent"}, ingredient_mime,
                               io.BytesIO(data))
    if remote:
        builder.set_no_embed()
        builder.set_remote_url(REMOTE_URL)
    output = io.BytesIO()
    builder.sign(signer, mime, io.BytesIO(asset), output)
    return output.getvalue()


def damaged(data: bytes) -> bytes:
    """The CreativeWork assertion's JSON made invalid UTF-8 (the manifest store's structure is intact)."""
    at = data.index(b'"author"')
    return data[:at + 5] + b"\xff" + data[at + 6:]


def make_all(out: Path, only: set[str] | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    signer = test_signer()
    picture = scene()
    original = scene(seed=3).resize((200, 150))  # the "original" the crop was made from
    files: dict[str, bytes] = {}
    for suffix, (pil_format, mime) in STILLS.items():
        name = f"c2pa_creator.{suffix}"
        if only and name not in only and not (suffix == "jpg" and only & {"c2pa_edited.jpg", "c2pa_damaged.jpg"}):
            continue
        ingredient = (encoded(original, pil_format), mime, f"original.{suffix}")
        files[name] = signed(signer, mime, encoded(picture, pil_format), [ACTIONS, CREATIVE_WORK], ingredient)
    if not only or "c2pa_creator.mp4" in only:
        files["c2pa_creator.mp4"] = signed(signer, "video/mp4", clip(), [ACTIONS, CREATIVE_WORK])
    jpeg = encoded(picture, "JPEG")
    if not only or "c2pa_plain.jpg" in only:
        files["c2pa_plain.jpg"] = signed(signer, "image/jpeg", jpeg, [ACTIONS])
    if not only or "c2pa_remote.jpg" in only:
        files["c2pa_remote.jpg"] = signed(signer, "image/jpeg", jpeg, [ACTIONS], remote=True)
    if "c2pa_creator.jpg" in files:
        opened = {"label": "c2pa.actions", "data": {"actions": [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}}, {"action": "c2pa.resized"},
        ]}}
        edit_source = encoded(picture.resize((120, 90)), "JPEG")
        files["c2pa_edited.jpg"] = signed(signer, "image/jpeg", edit_source, [opened],
                                          (files["c2pa_creator.jpg"], "image/jpeg", "c2pa_creator.jpg"))
        files["c2pa_damaged.jpg"] = damaged(files["c2pa_creator.jpg"])
    written = []
    for name, data in files.items():
        if only and name not in only:
            continue
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the files into")
    parser.add_argument("--only", nargs="+", help="write only these file names")
    arguments = parser.parse_args(argv)
    for path in make_all(arguments.out, set(arguments.only) if arguments.only else None):
        print(f"{path} ({path.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
