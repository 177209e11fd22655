package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
	"github.com/openbackbone/openbackbone/internal/b64"
)

// fileMetadataDTO is a file's metadata on the wire. Modification and
// deletion fields exist for compatibility: files are never modified, and
// deletion removes them.
type fileMetadataDTO struct {
	ID                  string    `json:"id"`
	CreatedAt           wireTime  `json:"createdAt"`
	CreatedBy           string    `json:"createdBy"`
	CreatedByDevice     string    `json:"createdByDevice"`
	ModifiedAt          wireTime  `json:"modifiedAt"`
	ModifiedBy          string    `json:"modifiedBy"`
	ModifiedByDevice    string    `json:"modifiedByDevice"`
	DeletedAt           *wireTime `json:"deletedAt"`
	DeletedBy           *string   `json:"deletedBy"`
	DeletedByDevice     *string   `json:"deletedByDevice"`
	Owner               string    `json:"owner"`
	OwnerSignature      wireBytes `json:"ownerSignature"`
	OwnershipIsLocked   bool      `json:"ownershipIsLocked"`
	CipherSize          int64     `json:"cipherSize"`
	CipherHash          wireBytes `json:"cipherHash"`
	ExpiresAt           wireTime  `json:"expiresAt"`
	EncryptedProperties wireBytes `json:"encryptedProperties"`
}

func toFileMetadataDTO(f backbone.File) fileMetadataDTO {
	return fileMetadataDTO{
		ID: f.ID, CreatedAt: toWireTime(f.CreatedAt), CreatedBy: f.CreatedBy, CreatedByDevice: f.CreatedByDevice,
		ModifiedAt: toWireTime(f.CreatedAt), ModifiedBy: f.CreatedBy, ModifiedByDevice: f.CreatedByDevice,
		Owner: f.Owner, OwnerSignature: f.OwnerSignature, OwnershipIsLocked: f.OwnershipIsLocked, CipherSize: f.CipherSize,
		CipherHash: f.CipherHash, ExpiresAt: toWireTime(f.ExpiresAt), EncryptedProperties: f.EncryptedProperties,
	}
}

// createdFileDTO answers an upload; only here is the ownership token shown
// with the metadata.
type createdFileDTO struct {
	ID              string    `json:"id"`
	CreatedAt       wireTime  `json:"createdAt"`
	CreatedBy       string    `json:"createdBy"`
	CreatedByDevice string    `json:"createdByDevice"`
	ModifiedAt      wireTime  `json:"modifiedAt"`
	ModifiedBy      string    `json:"modifiedBy"`
	DeletedAt       *wireTime `json:"deletedAt"`
	DeletedBy       *string   `json:"deletedBy"`
	Owner           string    `json:"owner"`
	OwnerSignature  wireBytes `json:"ownerSignature"`
	OwnershipToken  string    `json:"ownershipToken"`
	CipherSize      int64     `json:"cipherSize"`
	CipherHash      wireBytes `json:"cipherHash"`
	ExpiresAt       wireTime  `json:"expiresAt"`
}

// rawRequest gives a handler the request body as a stream, for uploads
// that must never be held whole in memory.
type rawRequest struct{ hctx huma.Context }

func (r *rawRequest) Resolve(ctx huma.Context) []error { r.hctx = ctx; return nil }

type uploadFileInput struct {
	rawRequest
}

type createdFileOutput struct {
	Body result[createdFileDTO]
}

type fileIDInput struct {
	ID string `path:"id"`
}

type fileMetadataOutput struct {
	Body result[fileMetadataDTO]
}

type listFilesInput struct {
	paging.Query
	IDs []string `query:"ids,explode" doc:"only these files; repeat the parameter; none: all the caller created"`
}

type filesOutput struct {
	Body paged[fileMetadataDTO]
}

type ownershipTokenInput struct {
	ID   string `path:"id"`
	Body struct {
		OwnershipToken *string `json:"ownershipToken"`
	}
}

// newOwnershipTokenDTO carries a fresh ownership token.
type newOwnershipTokenDTO struct {
	NewOwnershipToken string `json:"newOwnershipToken"`
}

type newOwnershipTokenOutput struct {
	Body result[newOwnershipTokenDTO]
}

// isValidDTO answers a token validation.
type isValidDTO struct {
	IsValid bool `json:"isValid"`
}

type isValidOutput struct {
	Body result[isValidDTO]
}

// maxFormField bounds the text parts of an upload; the largest,
// encryptedProperties, is 1 MiB before base64.
const maxFormField = 2 << 20

func (h *handlers) registerFiles(api huma.API) {
	tags := []string{"Files"}
	uploadSchema := &huma.Schema{Type: huma.TypeObject, Properties: map[string]*huma.Schema{
		"content":             {Type: huma.TypeString, Format: "binary"},
		"cipherHash":          {Type: huma.TypeString, Description: "base64"},
		"ownerSignature":      {Type: huma.TypeString, Description: "base64"},
		"encryptedProperties": {Type: huma.TypeString, Description: "base64"},
		"expiresAt":           {Type: huma.TypeString, Format: "date-time"},
	}, Required: []string{"content", "cipherHash", "ownerSignature", "encryptedProperties", "expiresAt"}}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "upload-file", Method: http.MethodPost, Path: "/api/v2/Files",
		Summary:     "Upload an encrypted file",
		Description: "multipart/form-data; the content part is streamed to blob storage.",
		Tags:        tags, DefaultStatus: http.StatusCreated,
	}, authRequired), h.uploadFile)
	// Documented after registering: with a request body declared, huma
	// would read the whole body before the handler streams it.
	if item := api.OpenAPI().Paths["/api/v2/Files"]; item != nil && item.Post != nil {
		item.Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"multipart/form-data": {Schema: uploadSchema}}}
	}

	huma.Register(api, h.op(huma.Operation{
		OperationID: "download-file", Method: http.MethodGet, Path: "/api/v2/Files/{id}",
		Summary: "Download a file's content", Description: "Raw bytes, application/octet-stream, no envelope.", Tags: tags,
	}, authRequired), func(ctx context.Context, in *fileIDInput) (*huma.StreamResponse, error) {
		f, r, err := h.b.Files.Download(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			defer r.Close()
			hctx.SetHeader("Content-Type", "application/octet-stream")
			hctx.SetHeader("Content-Length", strconv.FormatInt(f.CipherSize, 10))
			hctx.SetStatus(http.StatusOK)
			_, _ = io.Copy(hctx.BodyWriter(), r)
		}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-file-metadata", Method: http.MethodGet, Path: "/api/v2/Files/{id}/Metadata",
		Summary: "Get a file's metadata", Tags: tags,
	}, authRequired), func(ctx context.Context, in *fileIDInput) (*fileMetadataOutput, error) {
		f, err := h.b.Files.Metadata(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &fileMetadataOutput{Body: result[fileMetadataDTO]{toFileMetadataDTO(f)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-files", Method: http.MethodGet, Path: "/api/v2/Files",
		Summary: "List files the caller created", Tags: tags,
	}, authRequired), func(ctx context.Context, in *listFilesInput) (*filesOutput, error) {
		p, err := h.b.Files.List(ctx, caller(ctx), in.IDs, in.Request())
		if err != nil {
			return nil, err
		}
		return &filesOutput{Body: toPaged(p, toFileMetadataDTO)}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "regenerate-file-ownership-token", Method: http.MethodPatch, Path: "/api/v2/Files/{id}/RegenerateOwnershipToken",
		Summary: "Give the owner a new ownership token", Tags: tags,
	}, authRequired), func(ctx context.Context, in *fileIDInput) (*newOwnershipTokenOutput, error) {
		t, err := h.b.Files.RegenerateOwnershipToken(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &newOwnershipTokenOutput{Body: result[newOwnershipTokenDTO]{newOwnershipTokenDTO{t}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "claim-file-ownership", Method: http.MethodPatch, Path: "/api/v2/Files/{id}/ClaimOwnership",
		Summary: "Become the owner of a file with its ownership token", Tags: tags,
	}, authRequired), func(ctx context.Context, in *ownershipTokenInput) (*newOwnershipTokenOutput, error) {
		if in.Body.OwnershipToken == nil {
			return nil, missing("ownershipToken")
		}
		t, err := h.b.Files.ClaimOwnership(ctx, caller(ctx), in.ID, *in.Body.OwnershipToken)
		if err != nil {
			return nil, err
		}
		return &newOwnershipTokenOutput{Body: result[newOwnershipTokenDTO]{newOwnershipTokenDTO{t}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "validate-file-ownership-token", Method: http.MethodPost, Path: "/api/v2/Files/{id}/ValidateOwnershipToken",
		Summary: "Tell whether a token is a file's ownership token", Tags: tags,
	}, authRequired), func(ctx context.Context, in *ownershipTokenInput) (*isValidOutput, error) {
		if in.Body.OwnershipToken == nil {
			return nil, missing("ownershipToken")
		}
		ok, err := h.b.Files.ValidateOwnershipToken(ctx, caller(ctx), in.ID, *in.Body.OwnershipToken)
		if err != nil {
			return nil, err
		}
		return &isValidOutput{Body: result[isValidDTO]{isValidDTO{ok}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "delete-file", Method: http.MethodDelete, Path: "/api/v2/Files/{id}",
		Summary: "Delete a file the caller created, with its content", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *fileIDInput) (*struct{}, error) {
		return nil, h.b.Files.Delete(ctx, caller(ctx), in.ID)
	})
}

// uploadFile reads the multipart body part by part: the content part goes
// straight into the blob store, the small text parts into memory. Clients
// send the content first, so the metadata is checked at the end, and
// nothing is stored unless everything is valid.
func (h *handlers) uploadFile(ctx context.Context, in *uploadFileInput) (*createdFileOutput, error) {
	mediaType, params, err := mime.ParseMediaType(in.hctx.Header("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, badInput("The request must be multipart/form-data.")
	}
	mr := multipart.NewReader(in.hctx.BodyReader(), params["boundary"])
	var up *backbone.Upload
	defer func() {
		if up != nil {
			up.Abort() // a no-op after Commit
		}
	}()
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badInput("The multipart body cannot be parsed.")
		}
		name := strings.ToLower(part.FormName())
		if name == "content" {
			if up != nil {
				return nil, badInput("'content' must be sent once.")
			}
			if up, err = h.b.Files.BeginUpload(ctx, caller(ctx)); err != nil {
				return nil, err
			}
			if _, err := io.Copy(up, part); err != nil {
				var be *backbone.Error
				if errors.As(err, &be) {
					return nil, err
				}
				return nil, badInput("The upload was interrupted.")
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		if err != nil || len(v) > maxFormField {
			return nil, badInput("'" + name + "' is too large or cannot be read.")
		}
		fields[name] = string(v)
	}
	if up == nil {
		return nil, missing("content")
	}
	var md backbone.FileMetadata
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"ownersignature", &md.OwnerSignature}, {"cipherhash", &md.CipherHash}, {"encryptedproperties", &md.EncryptedProperties}} {
		v, ok := fields[f.name]
		if !ok || v == "" {
			return nil, missing(f.name)
		}
		b, err := b64.Decode(v)
		if err != nil {
			return nil, badInput("'" + f.name + "' is not valid base64.")
		}
		*f.dst = b
	}
	exp, ok := fields["expiresat"]
	if !ok {
		return nil, missing("expiresAt")
	}
	t, err := time.Parse(time.RFC3339Nano, exp)
	if err != nil {
		return nil, badInput("'expiresAt' must be an ISO-8601 date-time.")
	}
	md.ExpiresAt = t
	f, err := up.Commit(ctx, md)
	if err != nil {
		return nil, err
	}
	return &createdFileOutput{Body: result[createdFileDTO]{createdFileDTO{
		ID: f.ID, CreatedAt: toWireTime(f.CreatedAt), CreatedBy: f.CreatedBy, CreatedByDevice: f.CreatedByDevice,
		ModifiedAt: toWireTime(f.CreatedAt), ModifiedBy: f.CreatedBy, Owner: f.Owner, OwnerSignature: f.OwnerSignature,
		OwnershipToken: f.OwnershipToken, CipherSize: f.CipherSize, CipherHash: f.CipherHash, ExpiresAt: toWireTime(f.ExpiresAt),
	}}}, nil
}
