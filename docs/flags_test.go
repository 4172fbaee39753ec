package docs_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const guidePath = "operations-guide.md"

// usageFlag is one flag as a command's -h output lists it.
type usageFlag struct {
	name string
	env  string // "" when the help text names no environment variable
}

var (
	usageFlagLine = regexp.MustCompile(`^  -([a-z0-9-]+)`)
	usageEnv      = regexp.MustCompile(`\[(NANOMDM_[A-Z0-9_]+)( is set)?\]( \(default .*\))?$`)
)

// buildCommand builds the main package cmd/<name> into a temporary
// directory and returns the binary's path. It skips the test when the
// package does not exist.
func buildCommand(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("..", "cmd", name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no %s package to check: %v", dir, err)
	}
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./"+filepath.ToSlash(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", dir, err, out)
	}
	return bin
}

// usageFlags runs bin -h with an empty environment and returns the flags
// its usage text lists, in order.
func usageFlags(t *testing.T, bin string) []usageFlag {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, "-h")
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running %s -h: %v\n%s", bin, err, stderr.Bytes())
	}

	var flags []usageFlag
	scanner := bufio.NewScanner(&stderr)
	for scanner.Scan() {
		line := scanner.Text()
		if m := usageFlagLine.FindStringSubmatch(line); m != nil {
			flags = append(flags, usageFlag{name: m[1]})
			continue
		}
		if m := usageEnv.FindStringSubmatch(line); m != nil && len(flags) > 0 {
			flags[len(flags)-1].env = m[1]
		}
	}
	if len(flags) == 0 {
		t.Fatalf("got no flags from %s -h:\n%s", bin, stderr.Bytes())
	}
	return flags
}

// guideFlagRows returns the cells of each table row under the guide's
// heading that starts with a flag in backquotes, by flag name.
func guideFlagRows(t *testing.T, heading string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(guidePath)
	if err != nil {
		t.Fatal(err)
	}
	_, section, found := strings.Cut(string(b), "\n"+heading+"\n")
	if !found {
		t.Fatalf("%s has no heading %q", guidePath, heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")

	rows := make(map[string][]string)
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `-") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[strings.Trim(cells[0], "`-")] = cells
	}
	return rows
}

func TestGuideDescribesNanoMDMFlags(t *testing.T) {
	flags := usageFlags(t, buildCommand(t, "nanomdm"))
	rows := guideFlagRows(t, "## nanomdm flags")
	checkFlagRows(t, flags, rows, 4)

	for _, f := range flags {
		row, ok := rows[f.name]
		if !ok {
			continue
		}
		wantEnv := "none"
		if f.env != "" {
			wantEnv = "`" + f.env + "`"
		}
		if row[1] != wantEnv {
			t.Errorf("-%s: got environment variable %s in the guide, want %s", f.name, row[1], wantEnv)
		}
	}
}

func TestGuideDescribesNano2NanoFlags(t *testing.T) {
	flags := usageFlags(t, buildCommand(t, "nano2nano"))
	checkFlagRows(t, flags, guideFlagRows(t, "## nano2nano flags"), 3)
}

// checkFlagRows reports each flag without a guide row of the given number
// of cells and a description in the last one, and each row that names no
// flag of the command.
func checkFlagRows(t *testing.T, flags []usageFlag, rows map[string][]string, cells int) {
	t.Helper()
	known := make(map[string]bool, len(flags))
	for _, f := range flags {
		known[f.name] = true
		row, ok := rows[f.name]
		if !ok {
			t.Errorf("-%s: missing from the guide's flag table", f.name)
			continue
		}
		if len(row) != cells {
			t.Errorf("-%s: got %d cells in the guide row, want %d", f.name, len(row), cells)
			continue
		}
		if row[cells-1] == "" {
			t.Errorf("-%s: got an empty description in the guide", f.name)
		}
	}
	for name := range rows {
		if !known[name] {
			t.Errorf("-%s: described in the guide but not a flag of the command", name)
		}
	}
}
