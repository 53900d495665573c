"""A small reader of .xlsx files (stdlib only: zipfile + ElementTree) for
the workbook tests: sheet names in order, and per sheet its cells (values
with their number formats), frozen pane, column widths, hyperlinks and
conditional formats.  Written from the Office Open XML (ECMA-376) part
names and elements; nothing here knows how the C code writes them.
"""
import datetime as dt
import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships"}
R_ID = "{%s}id" % NS["r"]

# ECMA-376 18.8.30: the built-in number formats a writer may use by id
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 9: "0%", 10: "0.00%", 14: "mm-dd-yy"}

EXCEL_EPOCH = dt.date(1899, 12, 30)


def col_index(letters):
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def ref_rc(ref):
    """'B12' -> (11, 1), zero-based."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    return int(m.group(2)) - 1, col_index(m.group(1))


def range_rc(sqref):
    """'C3:C9' -> ((2, 2), (8, 2))."""
    a, _, b = sqref.partition(":")
    return ref_rc(a), ref_rc(b or a)


def excel_date(serial):
    return EXCEL_EPOCH + dt.timedelta(days=serial)


class Cell:
    def __init__(self, value, fmt, bold):
        self.value = value      # str, float, or None for a blank
        self.fmt = fmt          # number format code
        self.bold = bold

    def __repr__(self):
        return "Cell(%r, %r)" % (self.value, self.fmt)


class Sheet:
    def __init__(self, name):
        self.name = name
        self.cells = {}         # (row, col) -> Cell
        self.pane = None        # dict of the <pane> attributes
        self.widths = {}        # col -> width
        self.links = {}         # (row, col) -> location
        self.scales = []        # [((r0, c0), (r1, c1)), [(type, val)], [rgb]]

    def value(self, r, c):
        cell = self.cells.get((r, c))
        return None if cell is None else cell.value

    def row(self, r, ncols):
        return [self.value(r, c) for c in range(ncols)]

    def nrows(self):
        return 1 + max((r for r, _ in self.cells), default=-1)


def read(data):
    """{'order': [names], name: Sheet} of the workbook bytes."""
    z = zipfile.ZipFile(io.BytesIO(data))
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.findall("pr:Relationship", NS)}
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            strings.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    numfmts = dict(BUILTIN_FORMATS)
    for nf in styles.findall("m:numFmts/m:numFmt", NS):
        numfmts[int(nf.get("numFmtId"))] = nf.get("formatCode")
    fonts = [f.find("m:b", NS) is not None for f in styles.findall("m:fonts/m:font", NS)]
    xfs = [(numfmts.get(int(x.get("numFmtId", "0")), "?"), fonts[int(x.get("fontId", "0"))])
           for x in styles.findall("m:cellXfs/m:xf", NS)]
    out = {"order": []}
    for s in wb.findall("m:sheets/m:sheet", NS):
        name = s.get("name")
        path = posixpath.normpath(posixpath.join("xl", target[s.get(R_ID)]))
        out["order"].append(name)
        out[name] = parse_sheet(name, z.read(path), strings, xfs)
    out["core"] = z.read("docProps/core.xml").decode("utf-8")
    return out


def parse_sheet(name, xml, strings, xfs):
    root = ET.fromstring(xml)
    sh = Sheet(name)
    pane = root.find("m:sheetViews/m:sheetView/m:pane", NS)
    if pane is not None:
        sh.pane = dict(pane.attrib)
    for col in root.findall("m:cols/m:col", NS):
        for c in range(int(col.get("min")) - 1, int(col.get("max"))):
            sh.widths[c] = float(col.get("width"))
    for c in root.findall("m:sheetData/m:row/m:c", NS):
        r, k = ref_rc(c.get("r"))
        fmt, bold = xfs[int(c.get("s", "0"))]
        v = c.find("m:v", NS)
        t = c.get("t")
        if v is None:
            value = None
            if t == "inlineStr":
                value = "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
        elif t == "s":
            value = strings[int(v.text)]
        elif t == "str":
            value = v.text
        else:
            value = float(v.text)
        sh.cells[(r, k)] = Cell(value, fmt, bold)
    for h in root.findall("m:hyperlinks/m:hyperlink", NS):
        sh.links[ref_rc(h.get("ref"))] = h.get("location")
    for cf in root.findall("m:conditionalFormatting", NS):
        for rule in cf.findall("m:cfRule", NS):
            scale = rule.find("m:colorScale", NS)
            if scale is None:
                continue
            cfvo = [(x.get("type"), float(x.get("val"))) for x in scale.findall("m:cfvo", NS)]
            colors = [x.get("rgb") for x in scale.findall("m:color", NS)]
            sh.scales.append((range_rc(cf.get("sqref")), cfvo, colors))
    return sh
