package gocloudblob

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	abs := "/srv/blobs"
	if runtime.GOOS == "windows" {
		t.Skip("paths below are POSIX")
	}
	for _, tc := range []struct {
		url  string
		opts Options
		want config
		open string // the URL handed to gocloud's opener
	}{
		{url: "file://" + abs, want: config{scheme: "file", dir: abs}},
		{url: "file://" + abs + "?prefix=files/", opts: Options{Prefix: "x/"}, want: config{scheme: "file", dir: abs, prefix: "files/"}},
		{url: "file://./rel/dir", want: config{scheme: "file", dir: filepath.FromSlash("rel/dir")}},
		{url: "file://.", want: config{scheme: "file", dir: "."}},
		{url: "mem://", opts: Options{Prefix: "p/"}, want: config{scheme: "mem", prefix: "p/"}},
		{
			url:  "s3://bucket?region=eu-central-1&endpoint=https://s3.example&use_path_style=true&prefix=files/",
			want: config{scheme: "s3", bucket: "bucket", prefix: "files/"},
			open: "s3://bucket?endpoint=https%3A%2F%2Fs3.example&region=eu-central-1&use_path_style=true",
		},
		{
			url:  "azblob://container?localemu=true&protocol=http&domain=127.0.0.1:10000&storage_account=devstoreaccount1",
			want: config{scheme: "azblob", bucket: "container"},
			open: "azblob://container?domain=127.0.0.1%3A10000&localemu=true&protocol=http&storage_account=devstoreaccount1",
		},
		{url: "gs://bucket/", want: config{scheme: "gs", bucket: "bucket"}, open: "gs://bucket"},
		{
			url:  "gs://bucket?endpoint=http://127.0.0.1:4443/&anonymous=true",
			want: config{scheme: "gs", bucket: "bucket", gsEndpoint: "http://127.0.0.1:4443"},
			open: "gs://bucket?anonymous=true",
		},
	} {
		t.Run(tc.url, func(t *testing.T) {
			got, err := parseURL(tc.url, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			open := ""
			if got.query != nil {
				open = got.cloudURL().String()
				got.query = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseURL = %+v, want %+v", got, tc.want)
			}
			if open != tc.open {
				t.Errorf("opener URL = %q, want %q", open, tc.open)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"ftp://host/dir", `unknown scheme "ftp": known schemes are azblob, file, gs, mem, s3`},
		{"/srv/blobs", `unknown scheme "": known schemes are azblob, file, gs, mem, s3`},
		{"file:///srv?create_dir=1", `unknown query parameter "create_dir" for file://: known parameters are prefix`},
		{"mem://?region=x", `unknown query parameter "region" for mem://`},
		{"s3://b?bogus=1", `known parameters are anonymous, disable_https, endpoint, hostname_immutable, kmskeyid, prefix, profile, region, request_checksum_calculation, response_checksum_validation, ssetype, use_path_style`},
		{"azblob://c?region=x", `known parameters are cdn, domain, localemu, prefix, protocol, storage_account`},
		{"gs://b?access_id=x", `known parameters are anonymous, endpoint, prefix, universe_domain`},
		{"gs://b?endpoint=127.0.0.1:4443", `endpoint "127.0.0.1:4443": want http(s)://host[:port][/path]`},
		{"gs://b?endpoint=ftp://h", `want http(s)://host[:port][/path]`},
		{"s3://?region=x", "must name the bucket"},
		{"s3://b/folder", "use the prefix parameter"},
		{"file://host/srv", `has host "host"`},
		{"file://", "want file:///absolute/dir"},
		{"mem://x", "must have no host or path"},
		{"mem://?prefix=a&prefix=b", `"prefix" given 2 times`},
		{"s3://user:secret@b", "must have no user"},
	} {
		_, err := parseURL(tc.url, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseURL(%q) = %v, want an error containing %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("parseURL(%q) error shows the password: %v", tc.url, err)
		}
	}
}

func TestParamsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for scheme, ps := range params {
		section := string(doc)[strings.Index(string(doc), "// "+scheme+":"):]
		for _, p := range ps {
			if p == "prefix" { // documented for every scheme at once
				continue
			}
			if !regexp.MustCompile(`\b` + p + `\b`).MatchString(section) {
				t.Errorf("parameter %s of %s:// is not documented in doc.go", p, scheme)
			}
		}
	}
}
