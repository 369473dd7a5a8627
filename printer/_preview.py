"""The ticket as it comes out of the printer, from the same pieces the encoder sends."""

from __future__ import annotations

from PIL import Image, ImageOps

from printer._escpos import TAIL_FEED
from printer._layout import Feed, Piece, Qr, Raster, centred, qr_image


def preview(pieces: list[Piece], width: int) -> Image.Image:
    """Black on white, one pixel per printer dot, down to the cut."""
    images: list[Image.Image] = []
    for piece in pieces:
        if isinstance(piece, Feed):
            images.append(Image.new("1", (width, piece.dots), 0))
        elif isinstance(piece, Raster):
            image = piece.image
            if piece.scale != 1 or piece.wide:
                across = 2 if piece.wide else piece.scale
                size = (image.width * across, image.height * piece.scale)
                image = image.resize(size, Image.Resampling.NEAREST)
            images.append(image)
        elif isinstance(piece, Qr):
            images.append(centred(qr_image(piece.data, piece.module), width))
    images.append(Image.new("1", (width, TAIL_FEED), 0))
    page = Image.new("1", (width, sum(image.height for image in images)), 0)
    y = 0
    for image in images:
        page.paste(image, (0, y))
        y += image.height
    return ImageOps.invert(page.convert("L")).convert("1")
