// Package apicheck lists the exported API of the module's public packages,
// one declaration a line, so that a change to what embedders and adapter
// authors see shows up in review as a diff of the checked-in api.txt.
//
// A public package is one a program outside the module can import: not
// under internal/, not a main package, not testdata. The listing reads the
// source files with go/parser (the files the host's build would compile, as
// go/build selects them), so it needs no type checking and no build.
//
// Methods promoted from an embedded unexported type are not listed; the
// embedding of an exported type is.
//
// The format follows Go's own api/go1.*.txt:
//
//	pkg github.com/…/backbone, func New(cfg Config, d Drivers) (*Backbone, error)
//	pkg github.com/…/backbone, method (*Backbone) Run(ctx context.Context) error
//	pkg github.com/…/backbone, type Drivers struct
//	pkg github.com/…/backbone, type Drivers struct, Store driver.Store
//	pkg github.com/…/backbone/driver, type Blob interface, Close() error
//	pkg github.com/…/backbone, const CodeX = "error.platform.x"
package apicheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// List returns the API of every public package of the module rooted at
// root, as sorted, unique lines ending in a newline.
func List(root string) (string, error) {
	module, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	var lines []string
	err = filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if dir != root && (name == "internal" || name == "testdata" || name == "vendor" || name == "node_modules" ||
			strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if dir != root {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		importPath := module
		if rel != "." {
			importPath = path.Join(module, filepath.ToSlash(rel))
		}
		pkgLines, err := listPackage(dir, importPath)
		if err != nil {
			return err
		}
		lines = append(lines, pkgLines...)
		return nil
	})
	if err != nil {
		return "", err
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)
	if len(lines) == 0 {
		return "", nil
	}
	return strings.Join(lines, "\n") + "\n", nil
}

func modulePath(goMod string) (string, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return "", fmt.Errorf("apicheck: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if m, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(m), `"`), nil
		}
	}
	return "", fmt.Errorf("apicheck: no module line in %s", goMod)
}

// listPackage lists one directory's package; nothing for a directory
// without Go files or with a main package.
func listPackage(dir, importPath string) ([]string, error) {
	bp, err := build.ImportDir(dir, 0)
	var noGo *build.NoGoError
	if errors.As(err, &noGo) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("apicheck: %s: %w", dir, err)
	}
	if bp.Name == "main" {
		return nil, nil
	}
	l := &lister{fset: token.NewFileSet(), prefix: "pkg " + importPath + ", "}
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(l.fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("apicheck: %w", err)
		}
		for _, decl := range f.Decls {
			l.decl(decl)
		}
	}
	return l.lines, nil
}

type lister struct {
	fset   *token.FileSet
	prefix string
	lines  []string
}

func (l *lister) add(format string, args ...any) {
	l.lines = append(l.lines, l.prefix+fmt.Sprintf(format, args...))
}

var space = regexp.MustCompile(`\s*\n\s*`)

// src prints a node of the syntax tree on one line.
func (l *lister) src(n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, l.fset, n); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return space.ReplaceAllString(b.String(), "; ")
}

func (l *lister) decl(decl ast.Decl) {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		l.funcDecl(d)
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				l.typeSpec(s)
			case *ast.ValueSpec:
				l.valueSpec(d.Tok, s)
			}
		}
	}
}

func (l *lister) funcDecl(d *ast.FuncDecl) {
	if !d.Name.IsExported() {
		return
	}
	sig := strings.TrimPrefix(l.src(d.Type), "func")
	if d.Recv == nil {
		l.add("func %s%s", d.Name.Name, sig)
		return
	}
	recv := d.Recv.List[0].Type
	if !ast.IsExported(baseTypeName(recv)) {
		return
	}
	l.add("method (%s) %s%s", l.src(recv), d.Name.Name, sig)
}

// baseTypeName is T of T, *T, T[P], *T[P] and pkg.T.
func baseTypeName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.SelectorExpr:
			return t.Sel.Name
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

func (l *lister) typeSpec(s *ast.TypeSpec) {
	if !s.Name.IsExported() {
		return
	}
	name := s.Name.Name
	if s.TypeParams != nil {
		var params []string
		for _, f := range s.TypeParams.List {
			var names []string
			for _, n := range f.Names {
				names = append(names, n.Name)
			}
			params = append(params, strings.Join(names, ", ")+" "+l.src(f.Type))
		}
		name += "[" + strings.Join(params, ", ") + "]"
	}
	if s.Assign.IsValid() {
		l.add("type %s = %s", name, l.src(s.Type))
		return
	}
	switch t := s.Type.(type) {
	case *ast.StructType:
		l.add("type %s struct", name)
		for _, f := range t.Fields.List {
			typ := l.src(f.Type)
			if len(f.Names) == 0 {
				if ast.IsExported(baseTypeName(f.Type)) {
					l.add("type %s struct, embedded %s", name, typ)
				}
				continue
			}
			for _, n := range f.Names {
				if n.IsExported() {
					l.add("type %s struct, %s %s", name, n.Name, typ)
				}
			}
		}
	case *ast.InterfaceType:
		l.add("type %s interface", name)
		for _, m := range t.Methods.List {
			if len(m.Names) == 0 {
				l.add("type %s interface, embedded %s", name, l.src(m.Type))
				continue
			}
			for _, n := range m.Names {
				if n.IsExported() {
					l.add("type %s interface, %s%s", name, n.Name, strings.TrimPrefix(l.src(m.Type), "func"))
				} else {
					// Other packages cannot implement it: part of the API.
					l.add("type %s interface, unexported methods", name)
				}
			}
		}
	default:
		l.add("type %s %s", name, l.src(s.Type))
	}
}

func (l *lister) valueSpec(tok token.Token, s *ast.ValueSpec) {
	for i, n := range s.Names {
		if !n.IsExported() {
			continue
		}
		line := tok.String() + " " + n.Name
		if s.Type != nil {
			line += " " + l.src(s.Type)
		}
		// Values that read as one short expression are part of the API
		// (wire codes, sentinel messages); long literals are not listed.
		if i < len(s.Values) {
			if v := l.src(s.Values[i]); len(v) <= 120 {
				line += " = " + v
			}
		}
		l.add("%s", line)
	}
}
