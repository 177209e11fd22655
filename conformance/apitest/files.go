package apitest

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"
	"time"
)

// upload posts a multipart file as the official client does: the content
// part first, then the text parts.
func (c *client) upload(t testing.TB, a account, content []byte, withContent bool) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if withContent {
		w, err := mw.CreateFormFile("content", "cipher.bin")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(content)
	}
	for k, v := range map[string]string{
		"cipherHash": b64("hash"), "owner": a.Address, "ownerSignature": b64("signature"),
		"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "encryptedProperties": b64("props"),
	} {
		_ = mw.WriteField(k, v)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", c.cfg.BaseURL+"/api/v2/Files", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.Token)
	return c.roundTrip(t, req)
}

// testFiles covers multipart upload, metadata, download and deletion.
func testFiles(t *testing.T, c *client) {
	a, b := c.createAccount(t), c.createAccount(t)
	content := bytes.Repeat([]byte{0, 1, 2, 0xff}, 4096)

	t.Run("UploadMetadataDownloadDelete", func(t *testing.T) {
		r := c.upload(t, a, content, true)
		expectStatus(t, r, http.StatusCreated)
		id, _ := r.result()["id"].(string)
		if id == "" {
			t.Fatalf("upload without id: %s", r)
		}
		md := c.do(t, "GET", "/api/v2/Files/"+id+"/metadata", b.Token, nil)
		expectStatus(t, md, http.StatusOK)
		if md.result()["cipherSize"] != float64(len(content)) || md.result()["owner"] != a.Address {
			t.Errorf("metadata: %s", md)
		}
		dl := c.do(t, "GET", "/api/v2/Files/"+id, b.Token, nil)
		expectStatus(t, dl, http.StatusOK)
		if !bytes.Equal(dl.Raw, content) {
			t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(dl.Raw), len(content))
		}
		expectError(t, c.do(t, "DELETE", "/api/v2/Files/"+id, b.Token, nil), http.StatusForbidden, "error.platform.forbidden")
		expectStatus(t, c.do(t, "DELETE", "/api/v2/Files/"+id, a.Token, nil), http.StatusNoContent)
		expectError(t, c.do(t, "GET", "/api/v2/Files/"+id+"/Metadata", a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})

	t.Run("UploadWithoutContentIsRefused", func(t *testing.T) {
		r := c.upload(t, a, nil, false)
		if r.Status != http.StatusBadRequest || r.JSON["error"] == nil {
			t.Fatalf("want 400 with an error envelope, got %s", r)
		}
	})

	t.Run("UploadAsJSONIsInputCannotBeParsed", func(t *testing.T) {
		expectError(t, c.do(t, "POST", "/api/v2/Files", a.Token, map[string]any{"content": "x"}), http.StatusBadRequest, "error.platform.inputCannotBeParsed")
	})

	t.Run("UnknownFileIsRecordNotFound", func(t *testing.T) {
		expectError(t, c.do(t, "GET", "/api/v2/Files/FILaaaaaaaaaaaaaaaaa", a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})
}
