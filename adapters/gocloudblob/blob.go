package gocloudblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"

	"gocloud.dev/blob"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Options configures Open. Query parameters of the URL override them.
type Options struct {
	// Prefix is put before every key, so that several deployments or
	// modules can share a bucket. It usually ends with "/", e.g. "files/".
	// List takes and returns keys without it. Query parameter: prefix.
	Prefix string
}

// Blob is a driver.Blob on a gocloud.dev/blob bucket. It is safe for
// concurrent use; its writers are not.
type Blob struct {
	bucket *blob.Bucket
	// file: the bucket is a fileblob directory, whose in-flight temporary
	// files must stay invisible.
	file bool

	mu     sync.RWMutex
	closed bool
}

var _ driver.Blob = (*Blob)(nil)

// Open returns a Blob on the storage named by rawURL's scheme; see the
// package documentation for the URL forms and their query parameters.
// Unknown schemes and parameters are errors. file:// creates its directory;
// the cloud backends need their bucket or container to exist and connect on
// first use.
func Open(ctx context.Context, rawURL string, opts Options) (*Blob, error) {
	c, err := parseURL(rawURL, opts)
	if err != nil {
		return nil, err
	}
	b, err := openBucket(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("gocloudblob: open %s: %w", c.where(), err)
	}
	if c.prefix != "" {
		b = blob.PrefixedBucket(b, c.prefix)
	}
	return &Blob{bucket: b, file: c.scheme == "file"}, nil
}

// tempName matches the names fileblob gives its temporary files (key + "." +
// hex nanoseconds + ".tmp").
var tempName = regexp.MustCompile(`\.[0-9a-f]+\.tmp$`)

// hidden reports whether key names no blob: with the file backend, an
// in-flight temporary file.
func (b *Blob) hidden(key string) bool { return b.file && tempName.MatchString(key) }

// check returns ErrClosed once Close has been called.
func (b *Blob) check() error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	return nil
}

// NewWriter starts writing the blob with the key; see driver.Blob. Nothing
// is buffered beyond what the backend's upload needs (a 5 MiB part for S3,
// nothing for file://). The writer must be closed or aborted; it is not safe
// for concurrent use.
func (b *Blob) NewWriter(ctx context.Context, key string) (driver.BlobWriter, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, errors.New("gocloudblob: new writer: empty key")
	}
	if b.hidden(key) {
		return nil, fmt.Errorf("gocloudblob: new writer %q: keys ending in .HEX.tmp are reserved by file:// for temporary files", key)
	}
	ctx, cancel := context.WithCancel(ctx)
	// A content type given skips gocloud's content sniffing, which would
	// hold back the first 512 bytes and open the upload late.
	w, err := b.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		cancel()
		return nil, translate("new writer", key, err)
	}
	return &writer{w: w, cancel: cancel, key: key}, nil
}

// NewReader opens the blob for reading; see driver.Blob. Reading stops with
// an error when ctx is done.
func (b *Blob) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if key == "" || b.hidden(key) {
		return nil, notFound("new reader", key)
	}
	r, err := b.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, translate("new reader", key, err)
	}
	return &reader{r: r, key: key}, nil
}

// Delete removes the blob; see driver.Blob.
func (b *Blob) Delete(ctx context.Context, key string) error {
	if err := b.check(); err != nil {
		return err
	}
	if key == "" || b.hidden(key) {
		return notFound("delete", key)
	}
	if b.file {
		// fileblob would remove an empty directory left by deleted keys
		// below it ("a" of "a/b") or fail on a full one; neither is a blob.
		ok, err := b.bucket.Exists(ctx, key)
		if err != nil {
			return translate("delete", key, err)
		}
		if !ok {
			return notFound("delete", key)
		}
	}
	return translate("delete", key, b.bucket.Delete(ctx, key))
}

// List calls fn with every key that starts with prefix; see driver.Blob.
func (b *Blob) List(ctx context.Context, prefix string, fn func(key string) error) error {
	if err := b.check(); err != nil {
		return err
	}
	it := b.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return translate("list", prefix, err)
		}
		if obj.IsDir || b.hidden(obj.Key) {
			continue
		}
		if err := fn(obj.Key); err != nil {
			return err
		}
	}
}

// Close releases the bucket. Writers and readers still open fail. Closing a
// closed Blob does nothing.
func (b *Blob) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	return translate("close", "", b.bucket.Close())
}

// reader translates the errors of a gocloud reader.
type reader struct {
	r   *blob.Reader
	key string
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err == io.EOF {
		return n, err
	}
	return n, translate("read", r.key, err)
}

// WriteTo lets io.Copy use the backend's own copy (sendfile for files).
func (r *reader) WriteTo(w io.Writer) (int64, error) {
	n, err := r.r.WriteTo(w)
	return n, translate("read", r.key, err)
}

func (r *reader) Close() error { return translate("close reader", r.key, r.r.Close()) }
