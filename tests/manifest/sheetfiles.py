"""Small spreadsheet files written by hand for tests (openpyxl writes no .ods)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="{name}">{rows}</table:table></office:spreadsheet></office:body>
</office:document-content>"""


def _cell(value: object, repeat: int = 1) -> str:
    attr = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    text = escape(str(value))
    return f'<table:table-cell office:value-type="string"{attr}><text:p>{text}</text:p></table:table-cell>'


def write_ods(
    path: Path, sheet: str, rows: list[list[object]], repeat_last: tuple[int, int] | None = None
) -> None:
    """``repeat_last=(rows, columns)``: the last row's last cell repeated, the row too."""
    xml = []
    for i, row in enumerate(rows):
        last = repeat_last is not None and i == len(rows) - 1
        cells = [
            _cell(v, repeat_last[1] if last and j == len(row) - 1 else 1) for j, v in enumerate(row)
        ]  # type: ignore[index]
        attr = f' table:number-rows-repeated="{repeat_last[0]}"' if last else ""  # type: ignore[index]
        xml.append(f"<table:table-row{attr}>{''.join(cells)}</table:table-row>")
    xml.append(
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        out.writestr("META-INF/manifest.xml", MANIFEST)
        out.writestr("content.xml", CONTENT.format(name=escape(sheet), rows="".join(xml)))
