package gocloudblob

import (
	"context"
	"net/url"

	"cloud.google.com/go/storage"
	"gocloud.dev/blob"
	"gocloud.dev/blob/azureblob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/gcsblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcp"
	"google.golang.org/api/option"
)

// openBucket opens the gocloud bucket a parsed URL names, through each
// backend's own constructor or URL opener (never gocloud's global URL mux).
func openBucket(ctx context.Context, c config) (*blob.Bucket, error) {
	switch c.scheme {
	case "file":
		return fileblob.OpenBucket(c.dir, &fileblob.Options{
			CreateDir: true,
			// Temporary files beside their targets: the rename into place
			// never crosses a mount. List hides them (isTempName).
			NoTempDir: true,
			// No .attrs sidecar files; the contract stores no attributes.
			Metadata: fileblob.MetadataDontWrite,
		})
	case "mem":
		return memblob.OpenBucket(nil), nil
	case "s3":
		return (&s3blob.URLOpener{}).OpenBucketURL(ctx, c.cloudURL())
	case "azblob":
		o := &azureblob.URLOpener{
			MakeClient:        azureblob.NewDefaultClient,
			ServiceURLOptions: *azureblob.NewDefaultServiceURLOptions(),
		}
		return o.OpenBucketURL(ctx, c.cloudURL())
	default: // gs
		o := &gcsblob.URLOpener{}
		if c.gsEndpoint != "" {
			// The JSON API lives under /storage/v1/ of the server; the
			// client derives the upload path from it. Reads go through the
			// JSON API too: the default XML reads address the bucket by
			// host name, which a server on host:port (an emulator) cannot
			// tell from its own name.
			o.Options.ClientOptions = []option.ClientOption{
				option.WithEndpoint(c.gsEndpoint + "/storage/v1/"),
				storage.WithJSONReads(),
			}
		}
		if c.query.Get("anonymous") != "true" {
			creds, err := gcp.DefaultCredentials(ctx)
			if err != nil {
				return nil, err
			}
			o.Client, err = gcp.NewHTTPClient(gcp.DefaultTransport(), gcp.CredentialsTokenSource(creds))
			if err != nil {
				return nil, err
			}
		}
		return o.OpenBucketURL(ctx, c.cloudURL())
	}
}

// cloudURL is the URL handed to a cloud backend's opener.
func (c config) cloudURL() *url.URL {
	return &url.URL{Scheme: c.scheme, Host: c.bucket, RawQuery: c.query.Encode()}
}
