"""Draws the synthetic specimen portrait used by the built-in virtual documents.

It is a drawing, not a photograph of anyone. Run once; the JPEG is committed.
"""
from PIL import Image, ImageDraw, ImageFilter
import random

W, H = 420, 525
img = Image.new("RGB", (W, H), (214, 222, 230))
d = ImageDraw.Draw(img)
rnd = random.Random(9303)
# background texture so the JPEG has realistic entropy
for _ in range(5000):
    x, y = rnd.randrange(W), rnd.randrange(H)
    c = 200 + rnd.randrange(40)
    d.point((x, y), fill=(c, c + 5, c + 10))
d.rectangle([60, 400, 360, 525], fill=(40, 55, 90))            # shoulders
d.ellipse([150, 330, 270, 440], fill=(226, 190, 160))           # neck
d.ellipse([110, 110, 310, 380], fill=(236, 200, 170))           # face
d.pieslice([100, 70, 320, 300], 180, 360, fill=(90, 60, 40))    # hair
for ex in (160, 235):
    d.ellipse([ex, 215, ex + 30, 232], fill=(250, 250, 250))
    d.ellipse([ex + 9, 217, ex + 22, 230], fill=(60, 90, 130))
d.line([210, 240, 200, 290, 215, 292], fill=(190, 150, 120), width=3)
d.arc([175, 300, 245, 340], 20, 160, fill=(170, 80, 80), width=4)
img = img.filter(ImageFilter.GaussianBlur(1.2))
img.save("specimen-face.jpg", quality=95, optimize=True)
