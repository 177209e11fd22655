package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// uploadBody writes a multipart upload as the official client does:
// content first, then the text parts. content may be any reader, so large
// uploads stream.
func uploadBody(content io.Reader, fields map[string]string) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		if content != nil {
			w, _ := mw.CreateFormFile("content", "cipher.bin")
			if _, err := io.Copy(w, content); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

func fileFields(a account) map[string]string {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	return map[string]string{
		"cipherHash": b64("hash"), "owner": a.Address, "ownerSignature": b64("signature"),
		"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "encryptedProperties": b64("props"),
	}
}

func (s *server) upload(a account, content io.Reader, fields map[string]string) response {
	s.t.Helper()
	body, ct := uploadBody(content, fields)
	req, err := http.NewRequest("POST", s.url+"/api/v2/Files", body)
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	return s.send1(req)
}

func (s *server) send1(req *http.Request) response {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{Status: -1}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	_ = jsonInto(raw, &r.JSON)
	return r
}

func (s *server) blobCount() int {
	n := 0
	require.NoError(s.t, s.env.Blob.List(context.Background(), "", func(string) error { n++; return nil }))
	return n
}

func TestFiles(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		content := bytes.Repeat([]byte("cipher"), 10_000)
		r := s.upload(a, bytes.NewReader(content), fileFields(a))
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		res := r.result()
		id := res["id"].(string)
		assert.Regexp(t, `^FIL[A-Za-z0-9]{17}$`, id)
		assert.Equal(t, a.Address, res["owner"])
		assert.Equal(t, float64(len(content)), res["cipherSize"])
		assert.Len(t, res["ownershipToken"], 20)
		assert.Nil(t, res["deletedAt"])
		token := res["ownershipToken"].(string)

		md := s.do("GET", "/api/v2/Files/"+id+"/metadata", b.Token, nil)
		require.Equal(t, http.StatusOK, md.Status, "any identity that knows the ID may read; paths are case-insensitive")
		assert.Equal(t, base64.RawURLEncoding.EncodeToString([]byte("props")), md.result()["encryptedProperties"])
		assert.Equal(t, false, md.result()["ownershipIsLocked"])
		assert.NotContains(t, md.result(), "ownershipToken")

		dl := s.do("GET", "/api/v2/Files/"+id, b.Token, nil)
		require.Equal(t, http.StatusOK, dl.Status)
		assert.Equal(t, "application/octet-stream", dl.Header.Get("Content-Type"))
		assert.Equal(t, sha256.Sum256(content), sha256.Sum256(dl.Raw))

		s.upload(a, bytes.NewReader([]byte("second")), fileFields(a))
		page := s.do("GET", "/api/v2/Files?pageSize=1", a.Token, nil)
		assert.Equal(t, 2.0, page.JSON["pagination"].(map[string]any)["totalPages"])
		assert.Len(t, s.do("GET", "/api/v2/Files", b.Token, nil).JSON["result"], 0, "only files the caller created")

		// Ownership: a wrong guess locks; the owner unlocks; the right token moves ownership.
		valid := func(who account, tok string) bool {
			r := s.do("POST", "/api/v2/Files/"+id+"/ValidateOwnershipToken", who.Token, map[string]any{"ownershipToken": tok})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
			return r.result()["isValid"].(bool)
		}
		assert.True(t, valid(b, token))
		assert.False(t, valid(b, "wrongwrongwrong"))
		assert.False(t, valid(b, token), "locked")
		expectError(t, s.do("PATCH", "/api/v2/Files/"+id+"/ClaimOwnership", b.Token, map[string]any{"ownershipToken": token}), 403, "error.platform.forbidden")
		expectError(t, s.do("PATCH", "/api/v2/Files/"+id+"/RegenerateOwnershipToken", b.Token, nil), 403, "error.platform.forbidden")
		regen := s.do("PATCH", "/api/v2/Files/"+id+"/RegenerateOwnershipToken", a.Token, nil)
		require.Equal(t, http.StatusOK, regen.Status)
		token = regen.result()["newOwnershipToken"].(string)
		expectError(t, s.do("PATCH", "/api/v2/Files/"+id+"/ClaimOwnership", a.Token, map[string]any{"ownershipToken": token}), 400, "error.platform.validation.file.cannotClaimOwnershipOfOwnFile")
		expectError(t, s.do("PATCH", "/api/v2/Files/"+id+"/ClaimOwnership", b.Token, map[string]any{"ownershipToken": "bad token!"}), 400, "error.platform.validation.invalidPropertyValue")
		claim := s.do("PATCH", "/api/v2/Files/"+id+"/ClaimOwnership", b.Token, map[string]any{"ownershipToken": token})
		require.Equal(t, http.StatusOK, claim.Status, "%s", claim.Raw)
		assert.Equal(t, b.Address, s.do("GET", "/api/v2/Files/"+id+"/Metadata", a.Token, nil).result()["owner"])
		s.waitForEvent(a.Address, "FileOwnershipClaimed")

		// The creator deletes, not the owner; the content goes with it.
		before := s.blobCount()
		expectError(t, s.do("DELETE", "/api/v2/Files/"+id, b.Token, nil), 403, "error.platform.forbidden")
		require.Equal(t, http.StatusNoContent, s.do("DELETE", "/api/v2/Files/"+id, a.Token, nil).Status)
		assert.Equal(t, before-1, s.blobCount())
		_, err := s.env.Blob.NewReader(context.Background(), id)
		assert.ErrorIs(t, err, driver.ErrNotFound)
		expectError(t, s.do("GET", "/api/v2/Files/"+id+"/Metadata", a.Token, nil), 404, "error.platform.recordNotFound")
		expectError(t, s.do("GET", "/api/v2/Files/"+id, a.Token, nil), 404, "error.platform.recordNotFound")
	})
}

func TestFileUploadBadInputStoresNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a := s.createIdentity()
		without := func(k string) map[string]string { f := fileFields(a); delete(f, k); return f }
		with := func(k, v string) map[string]string { f := fileFields(a); f[k] = v; return f }
		cases := []struct {
			name    string
			content io.Reader
			fields  map[string]string
			code    string
		}{
			{"NoContent", nil, fileFields(a), "error.platform.inputCannotBeParsed"},
			{"EmptyContent", bytes.NewReader(nil), fileFields(a), "error.platform.validation.invalidPropertyValue"},
			{"TooLarge", io.LimitReader(zeros{}, 10<<20+1), fileFields(a), "error.platform.validation.invalidPropertyValue"},
			{"NoOwnerSignature", bytes.NewReader([]byte("x")), without("ownerSignature"), "error.platform.inputCannotBeParsed"},
			{"BadBase64", bytes.NewReader([]byte("x")), with("cipherHash", "!!"), "error.platform.inputCannotBeParsed"},
			{"ExpiresInThePast", bytes.NewReader([]byte("x")), with("expiresAt", "2001-01-01T00:00:00Z"), "error.platform.validation.invalidPropertyValue"},
			{"ExpiresAtNotADate", bytes.NewReader([]byte("x")), with("expiresAt", "soon"), "error.platform.inputCannotBeParsed"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				expectError(t, s.upload(a, tc.content, tc.fields), 400, tc.code)
				assert.Equal(t, 0, s.blobCount(), "no blob is left")
				assert.Len(t, s.do("GET", "/api/v2/Files", a.Token, nil).JSON["result"], 0, "no metadata is left")
			})
		}
		expectError(t, s.do("POST", "/api/v2/Files", a.Token, map[string]any{"content": "x"}), 400, "error.platform.inputCannotBeParsed")

		// An upload cut off half way leaves nothing.
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			w, _ := mw.CreateFormFile("content", "cipher.bin")
			_, _ = w.Write(bytes.Repeat([]byte{1}, 1<<20))
			pw.CloseWithError(errors.New("client went away"))
		}()
		req, _ := http.NewRequest("POST", s.url+"/api/v2/Files", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+a.Token)
		s.send1(req)
		require.Eventually(t, func() bool { return s.blobCount() == 0 }, 5*time.Second, 20*time.Millisecond, "the cut-off upload left a blob")
		assert.Len(t, s.do("GET", "/api/v2/Files", a.Token, nil).JSON["result"], 0)
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// The content streams from the request to the blob store: uploading the
// largest allowed file allocates far less than its size in the whole
// process (client and server). Nothing else may run meanwhile, so this
// test runs on SQLite alone and not in parallel.
func TestFileUploadStreams(t *testing.T) {
	func(t *testing.T, s *server) {
		a := s.createIdentity()
		const size = 10 << 20
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r := s.upload(a, io.LimitReader(zeros{}, size), fileFields(a))
		runtime.ReadMemStats(&after)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("uploading %d MiB allocated %d KiB in the test process", size>>20, allocated>>10)
		assert.Less(t, allocated, uint64(size/2), "the upload must not be buffered whole")

		// A 20 MiB attempt streams until the 10 MiB limit and is refused.
		runtime.GC()
		runtime.ReadMemStats(&before)
		r = s.upload(a, io.LimitReader(zeros{}, 2*size), fileFields(a))
		runtime.ReadMemStats(&after)
		expectError(t, r, http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
		allocated = after.TotalAlloc - before.TotalAlloc
		t.Logf("a refused %d MiB upload allocated %d KiB in the test process", 2*size>>20, allocated>>10)
		assert.Less(t, allocated, uint64(size/2))
	}(t, newServer(t, "sqlite"))
}
