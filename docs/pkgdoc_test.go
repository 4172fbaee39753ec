package docs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// goPackage is the parsed non-test Go files of one directory.
type goPackage struct {
	dir   string // relative to the module root
	name  string
	files []*ast.File
}

// modulePackages parses every non-test Go file of the module, which is
// the parent of this directory, skipping testdata and hidden directories.
func modulePackages(t *testing.T, fset *token.FileSet) []*goPackage {
	t.Helper()
	root := ".."
	byDir := make(map[string]*goPackage)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		dir, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		if byDir[dir] == nil {
			byDir[dir] = &goPackage{dir: filepath.ToSlash(dir), name: f.Name.Name}
		}
		byDir[dir].files = append(byDir[dir].files, f)
		return nil
	})
	if err != nil {
		t.Fatalf("reading the module's Go files: %v", err)
	}
	if len(byDir) == 0 {
		t.Fatal("found no Go packages under the module root")
	}
	pkgs := make([]*goPackage, 0, len(byDir))
	for _, pkg := range byDir {
		pkgs = append(pkgs, pkg)
	}
	slices.SortFunc(pkgs, func(a, b *goPackage) int { return strings.Compare(a.dir, b.dir) })
	return pkgs
}

// TestPackageDocs checks that every package of the module has a package
// comment: "Package x ..." for a library and "Command x ..." for a main
// package, where x is the directory name.
func TestPackageDocs(t *testing.T) {
	t.Parallel()
	for _, pkg := range modulePackages(t, token.NewFileSet()) {
		want := "Package " + pkg.name + " "
		if pkg.name == "main" {
			want = "Command " + filepath.Base(pkg.dir) + " "
		}
		var docs []string
		for _, f := range pkg.files {
			if f.Doc != nil {
				docs = append(docs, f.Doc.Text())
			}
		}
		switch {
		case len(docs) == 0:
			t.Errorf("%s: no package comment, want one starting %q", pkg.dir, want)
		case !slices.ContainsFunc(docs, func(doc string) bool { return strings.HasPrefix(doc, want) }):
			t.Errorf("%s: package comment %q does not start with %q", pkg.dir, firstLine(docs[0]), want)
		}
	}
}

// TestExportedDocs checks that every exported name of a library package
// has a doc comment. The comment of a function, method or type, and of a
// const or var declared on its own, starts with the name. Names declared
// in a const or var group may share the group's comment or have a line
// comment instead. Methods count only on exported types, and struct
// fields and interface methods are not checked.
func TestExportedDocs(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	for _, pkg := range modulePackages(t, fset) {
		if pkg.name == "main" {
			continue
		}
		for _, f := range pkg.files {
			for _, d := range f.Decls {
				for _, problem := range declProblems(d) {
					t.Errorf("%s: %s", fset.Position(problem.pos), problem.text)
				}
			}
		}
	}
}

// docProblem is a missing or misworded doc comment.
type docProblem struct {
	pos  token.Pos
	text string
}

// declProblems returns the doc comment problems of one declaration.
func declProblems(decl ast.Decl) []docProblem {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		recv := receiverName(d)
		if recv != "" && !ast.IsExported(recv) {
			return nil
		}
		name := d.Name.Name
		if recv != "" {
			name = recv + "." + name
		}
		return checkDoc(d.Name, name, d.Doc)
	case *ast.GenDecl:
		var problems []docProblem
		for _, spec := range d.Specs {
			problems = append(problems, specProblems(d, spec)...)
		}
		return problems
	}
	return nil
}

// specProblems returns the doc comment problems of one type, const or var
// spec of d.
func specProblems(d *ast.GenDecl, spec ast.Spec) []docProblem {
	grouped := d.Lparen.IsValid()
	switch s := spec.(type) {
	case *ast.TypeSpec:
		doc := s.Doc
		if doc == nil && !grouped {
			doc = d.Doc
		}
		return checkDoc(s.Name, s.Name.Name, doc)
	case *ast.ValueSpec:
		if !grouped {
			return checkDoc(s.Names[0], s.Names[0].Name, d.Doc)
		}
		if d.Doc != nil || s.Doc != nil || s.Comment != nil {
			return nil
		}
		for _, ident := range s.Names {
			if ident.IsExported() {
				return []docProblem{{ident.Pos(), ident.Name + " has no doc comment and its group has none"}}
			}
		}
	}
	return nil
}

// checkDoc reports a missing doc comment for an exported ident, or one that
// does not start with the part of name after any dot. The article "A",
// "An" or "The" may come first.
func checkDoc(ident *ast.Ident, name string, doc *ast.CommentGroup) []docProblem {
	if !ident.IsExported() {
		return nil
	}
	if doc == nil {
		return []docProblem{{ident.Pos(), name + " has no doc comment"}}
	}
	text := doc.Text()
	short := name[strings.LastIndex(name, ".")+1:]
	for _, prefix := range []string{"", "A ", "An ", "The "} {
		rest, ok := strings.CutPrefix(text, prefix+short)
		if ok && (rest == "" || !isIdentRune(rest[0])) {
			return nil
		}
	}
	return []docProblem{{ident.Pos(), name + ": doc comment " + `"` + firstLine(text) + `" does not start with ` + short}}
}

// receiverName returns the type name of a method's receiver, or "" for a
// function.
func receiverName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return ""
	}
	expr := d.Recv.List[0].Type
	for {
		switch e := expr.(type) {
		case *ast.StarExpr:
			expr = e.X
		case *ast.IndexExpr:
			expr = e.X
		case *ast.IndexListExpr:
			expr = e.X
		case *ast.Ident:
			return e.Name
		default:
			return ""
		}
	}
}

// isIdentRune reports whether b can continue a Go identifier.
func isIdentRune(b byte) bool {
	return b == '_' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// firstLine returns the first line of a comment's text.
func firstLine(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	return line
}

func TestDeclProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "documented func", src: "// Run runs.\nfunc Run() {}"},
		{name: "undocumented func", src: "func Run() {}", want: []string{"Run has no doc comment"}},
		{name: "unexported func", src: "func run() {}"},
		{
			name: "doc of another name",
			src:  "// Runner runs.\nfunc Run() {}",
			want: []string{`Run: doc comment "Runner runs." does not start with Run`},
		},
		{name: "article before name", src: "// A Config is a setting.\ntype Config struct{}"},
		{
			name: "undocumented method",
			src:  "// T is a type.\ntype T struct{}\nfunc (t *T) Do() {}",
			want: []string{"T.Do has no doc comment"},
		},
		{name: "method of unexported type", src: "type t struct{}\nfunc (x t) Do() {}"},
		{name: "generic receiver", src: "// L is a list.\ntype L[E any] []E\n// Len counts.\nfunc (l L[E]) Len() int { return 0 }"},
		{name: "group comment", src: "// Modes.\nconst (\n\tA = 1\n\tB = 2\n)"},
		{name: "line comment in group", src: "const (\n\tA = 1 // first\n)"},
		{
			name: "undocumented group",
			src:  "var (\n\tA = 1\n\tb = 2\n)",
			want: []string{"A has no doc comment and its group has none"},
		},
		{
			name: "single var",
			src:  "// Default is the default.\nvar Default = 1\nvar Other = 2",
			want: []string{"Other has no doc comment"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\n"+tt.src, parser.ParseComments)
			if err != nil {
				t.Fatalf("parsing: %v", err)
			}
			var got []string
			for _, d := range f.Decls {
				for _, p := range declProblems(d) {
					got = append(got, p.text)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got problems %q, want %q", got, tt.want)
			}
		})
	}
}
