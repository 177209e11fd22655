package gocloudblob_test

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

// openDir opens a file:// store on a fresh directory and returns both.
func openDir(t *testing.T, opts gocloudblob.Options) (*gocloudblob.Blob, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}
	b, err := gocloudblob.Open(context.Background(), u.String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, dir
}

// files lists the regular files below dir, relative and slash-separated.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func put(t *testing.T, b driver.Blob, key, data string) {
	t.Helper()
	w, err := b.NewWriter(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFileStoresOnlyTheBlobFiles(t *testing.T) {
	b, dir := openDir(t, gocloudblob.Options{})
	put(t, b, "FILabc", "x")
	put(t, b, "a/b/c", "y")
	if got, want := files(t, dir), []string{"FILabc", "a/b/c"}; !slices.Equal(got, want) {
		t.Errorf("files in the directory: %q, want %q (no .attrs sidecars, no temporary files)", got, want)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "a", "b", "c")); string(data) != "y" {
		t.Errorf("a/b/c holds %q", data)
	}
}

func TestFileCreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x", "y")
	b, err := gocloudblob.Open(context.Background(), "file://"+filepath.ToSlash(dir), gocloudblob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("directory not created: %v", err)
	}
}

func TestFileRelativeURL(t *testing.T) {
	t.Chdir(t.TempDir())
	b, err := gocloudblob.Open(context.Background(), "file://./data/blobs", gocloudblob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	put(t, b, "k", "v")
	if data, err := os.ReadFile(filepath.Join("data", "blobs", "k")); err != nil || string(data) != "v" {
		t.Errorf("data/blobs/k: %q, %v", data, err)
	}
}

// TestFileDiscardedWritesLeaveNoFiles checks the file system itself, beyond
// what the conformance suite sees through the port: no key and no
// temporary file remain, in the bucket or in os.TempDir.
func TestFileDiscardedWritesLeaveNoFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // would catch temporary files put in os.TempDir
	for _, tc := range []struct {
		name    string
		discard func(w driver.BlobWriter, cancel context.CancelFunc) error
	}{
		{"Abort", func(w driver.BlobWriter, _ context.CancelFunc) error { return w.Abort() }},
		{"CancelThenClose", func(w driver.BlobWriter, cancel context.CancelFunc) error {
			cancel()
			if err := w.Close(); !errors.Is(err, context.Canceled) {
				t.Errorf("Close after cancel = %v, want context.Canceled", err)
			}
			return nil
		}},
		{"CancelThenAbort", func(w driver.BlobWriter, cancel context.CancelFunc) error {
			cancel()
			return w.Abort()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, dir := openDir(t, gocloudblob.Options{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w, err := b.NewWriter(ctx, "sub/dir/blob")
			if err != nil {
				t.Fatal(err)
			}
			chunk := make([]byte, 32<<10)
			for range 8 {
				if _, err := w.Write(chunk); err != nil {
					t.Fatal(err)
				}
			}
			if got := files(t, dir); len(got) != 1 || !strings.HasPrefix(got[0], "sub/dir/blob.") || !strings.HasSuffix(got[0], ".tmp") {
				t.Fatalf("while writing, the directory holds %q, want one temporary file beside the key", got)
			}
			if err := tc.discard(w, cancel); err != nil {
				t.Fatal(err)
			}
			if got := files(t, dir); len(got) != 0 {
				t.Errorf("after %s the directory holds %q, want nothing", tc.name, got)
			}
			if got := files(t, tmp); len(got) != 0 {
				t.Errorf("after %s os.TempDir holds %q, want nothing", tc.name, got)
			}
			if _, err := b.NewReader(context.Background(), "sub/dir/blob"); !errors.Is(err, driver.ErrNotFound) {
				t.Errorf("NewReader after %s = %v, want ErrNotFound", tc.name, err)
			}
		})
	}
}

func TestFileTemporaryFilesAreInvisible(t *testing.T) {
	b, dir := openDir(t, gocloudblob.Options{})
	ctx := context.Background()
	w, err := b.NewWriter(ctx, "blob")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if _, err := w.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	names := files(t, dir)
	if len(names) != 1 {
		t.Fatalf("directory holds %q, want one temporary file", names)
	}
	temp := names[0]
	var listed []string
	if err := b.List(ctx, "", func(k string) error { listed = append(listed, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 0 {
		t.Errorf("List during a write = %q, want nothing", listed)
	}
	if _, err := b.NewReader(ctx, temp); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("NewReader(%q) of the temporary file = %v, want ErrNotFound", temp, err)
	}
	if err := b.Delete(ctx, temp); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Delete(%q) of the temporary file = %v, want ErrNotFound", temp, err)
	}
	if _, err := b.NewWriter(ctx, "x.1a2b.tmp"); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("NewWriter of a key shaped like a temporary file: %v, want a reserved-key error", err)
	}
	put(t, b, "notes.tmp", "a key ending in .tmp without the hex part is fine")
}

func TestPrefix(t *testing.T) {
	ctx := context.Background()
	b, dir := openDir(t, gocloudblob.Options{Prefix: "tenant/"})
	put(t, b, "k1", "v")
	put(t, b, "sub/k2", "v")
	if got, want := files(t, dir), []string{"tenant/k1", "tenant/sub/k2"}; !slices.Equal(got, want) {
		t.Errorf("files: %q, want %q", got, want)
	}
	var listed []string
	if err := b.List(ctx, "", func(k string) error { listed = append(listed, k); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(listed)
	if want := []string{"k1", "sub/k2"}; !slices.Equal(listed, want) {
		t.Errorf("List = %q, want %q (without the prefix)", listed, want)
	}

	// The prefix parameter overrides Options.Prefix.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(dir), RawQuery: "prefix=other/"}
	o, err := gocloudblob.Open(ctx, u.String(), gocloudblob.Options{Prefix: "tenant/"})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	put(t, o, "k3", "v")
	if _, err := os.Stat(filepath.Join(dir, "other", "k3")); err != nil {
		t.Errorf("prefix parameter not applied: %v", err)
	}
	if _, err := o.NewReader(ctx, "k1"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("a key under another prefix is visible: %v", err)
	}
}

func TestWriterLifecycle(t *testing.T) {
	ctx := context.Background()
	b, _ := openDir(t, gocloudblob.Options{})
	w, err := b.NewWriter(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("Abort after Close: %v", err)
	}
	r, err := b.NewReader(ctx, "k")
	if err != nil {
		t.Fatalf("Abort after Close removed the blob: %v", err)
	}
	r.Close()
	if _, err := w.Write([]byte("x")); !errors.Is(err, gocloudblob.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := w.Close(); !errors.Is(err, gocloudblob.ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if _, err := b.NewWriter(ctx, ""); err == nil {
		t.Error("NewWriter with an empty key succeeded")
	}
}

func TestClosedBlob(t *testing.T) {
	ctx := context.Background()
	b, _ := openDir(t, gocloudblob.Options{})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := b.NewWriter(ctx, "k"); !errors.Is(err, gocloudblob.ErrClosed) {
		t.Errorf("NewWriter after Close = %v, want ErrClosed", err)
	}
	if _, err := b.NewReader(ctx, "k"); !errors.Is(err, gocloudblob.ErrClosed) {
		t.Errorf("NewReader after Close = %v, want ErrClosed", err)
	}
	if err := b.Delete(ctx, "k"); !errors.Is(err, gocloudblob.ErrClosed) {
		t.Errorf("Delete after Close = %v, want ErrClosed", err)
	}
	if err := b.List(ctx, "", func(string) error { return nil }); !errors.Is(err, gocloudblob.ErrClosed) {
		t.Errorf("List after Close = %v, want ErrClosed", err)
	}
}
