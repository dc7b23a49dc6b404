"""Prints one closing line over all TRX files: 'N passed, N failed, N skipped', plus skip reasons."""
import glob
import sys
import xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
reasons = {}
for path in glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True):
    root = ET.parse(path).getroot()
    for r in root.iterfind(".//t:UnitTestResult", ns):
        outcome = r.get("outcome")
        if outcome == "Passed":
            passed += 1
        elif outcome in ("Failed", "Error", "Timeout", "Aborted"):
            failed += 1
        else:
            skipped += 1
            msg = r.find(".//t:Output/t:ErrorInfo/t:Message", ns)
            text = (msg.text or "").strip().splitlines()[0] if msg is not None and msg.text else r.get("testName")
            reasons[text] = reasons.get(text, 0) + 1
for text, count in sorted(reasons.items()):
    print(f"skipped x{count}: {text}")
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
