"""The QTI import form: shape only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportForm(FlaskForm):
    file = FileField(
        "QTI package or item file",
        description="A QTI 2.2 or 3.0 content package (.zip with imsmanifest.xml) or a single item (.xml), "
                    "up to 50 MB.",
        validators=[
            FileRequired("Choose a QTI package (.zip) or item (.xml) to import"),
            FileAllowed(["zip", "xml"], "The file must be a .zip package or an .xml item"),
            FileSize(MAX_UPLOAD_BYTES, message="The file must be 50 MB or smaller"),
        ],
    )
