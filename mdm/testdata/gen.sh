#!/bin/sh
# Regenerates the binary plist fixtures (*.bplist) from the XML fixtures of
# the same name with Python's plistlib. Run it from the mdm/testdata folder.
set -eu
for name in Authenticate.2 TokenUpdate.1 DeviceInformation.1; do
	python3 -c '
import plistlib, sys
with open(sys.argv[1], "rb") as src:
    value = plistlib.load(src)
with open(sys.argv[2], "wb") as dst:
    plistlib.dump(value, dst, fmt=plistlib.FMT_BINARY)
' "$name.plist" "$name.bplist"
done
