package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// signedChallengeDTO is a challenge JSON string and the signature over it.
type signedChallengeDTO struct {
	Challenge *string    `json:"challenge" doc:"the challenge JSON exactly as signed"`
	Signature *wireBytes `json:"signature" doc:"base64 of the signature wrapper JSON {\"sig\":…,\"alg\":…}"`
}

func (s *signedChallengeDTO) toDomain(property string) (backbone.SignedChallenge, error) {
	if s == nil {
		return backbone.SignedChallenge{}, missing(property)
	}
	if s.Challenge == nil {
		return backbone.SignedChallenge{}, missing(property + ".challenge")
	}
	if s.Signature == nil {
		return backbone.SignedChallenge{}, missing(property + ".signature")
	}
	return backbone.SignedChallenge{Challenge: *s.Challenge, Signature: *s.Signature}, nil
}

type createIdentityInput struct {
	Body struct {
		ClientID                    *string             `json:"clientId"`
		ClientSecret                *string             `json:"clientSecret"`
		IdentityPublicKey           *wireBytes          `json:"identityPublicKey" doc:"base64 of the public key wrapper JSON {\"pub\":…,\"alg\":…}"`
		DevicePassword              *string             `json:"devicePassword"`
		IdentityVersion             *wireInt            `json:"identityVersion" minimum:"0" maximum:"255"`
		SignedChallenge             *signedChallengeDTO `json:"signedChallenge"`
		DeviceCommunicationLanguage string              `json:"deviceCommunicationLanguage,omitempty" doc:"ISO 639-1, default en"`
	}
}

// createdIdentityDTO is the answer to identity creation.
type createdIdentityDTO struct {
	Address   string   `json:"address"`
	CreatedAt wireTime `json:"createdAt"`
	Device    struct {
		ID        string   `json:"id"`
		Username  string   `json:"username"`
		CreatedAt wireTime `json:"createdAt"`
	} `json:"device"`
}

type createIdentityOutput struct {
	Body result[createdIdentityDTO]
}

// identityDTO is the caller's own identity.
type identityDTO struct {
	Address                   string    `json:"address"`
	CreatedAt                 wireTime  `json:"createdAt"`
	IdentityVersion           int       `json:"identityVersion"`
	TierID                    string    `json:"tierId"`
	Status                    string    `json:"status" enum:"Active,ToBeDeleted,Deleting"`
	DeletionGracePeriodEndsAt *wireTime `json:"deletionGracePeriodEndsAt"`
}

var identityStatusNames = map[backbone.IdentityStatus]string{
	backbone.IdentityActive: "Active", backbone.IdentityToBeDeleted: "ToBeDeleted", backbone.IdentityDeleting: "Deleting",
}

type identityOutput struct {
	Body result[identityDTO]
}

type isDeletedInput struct {
	Username string `query:"username" required:"true"`
}

// isDeletedDTO tells whether an identity is deleted.
type isDeletedDTO struct {
	IsDeleted    bool      `json:"isDeleted"`
	DeletionDate *wireTime `json:"deletionDate"`
}

type isDeletedOutput struct {
	Body result[isDeletedDTO]
}

type setFeatureFlagsInput struct {
	Body map[string]bool
}

type getFeatureFlagsInput struct {
	Address string `path:"address"`
}

type featureFlagsOutput struct {
	Body result[map[string]bool]
}

func (h *handlers) registerIdentities(api huma.API) {
	huma.Register(api, h.op(huma.Operation{
		OperationID:   "create-identity",
		Method:        http.MethodPost,
		Path:          "/api/v2/Identities",
		Summary:       "Create an identity and its first device",
		Tags:          []string{"Identities"},
		DefaultStatus: http.StatusCreated,
	}, authNone), h.createIdentity)

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-own-identity",
		Method:      http.MethodGet,
		Path:        "/api/v2/Identities/Self",
		Summary:     "Get the caller's identity",
		Tags:        []string{"Identities"},
	}, authRequired), func(ctx context.Context, _ *struct{}) (*identityOutput, error) {
		i, err := h.b.Identities.Self(ctx, caller(ctx))
		if err != nil {
			return nil, err
		}
		return &identityOutput{Body: result[identityDTO]{identityDTO{
			Address: i.Address, CreatedAt: toWireTime(i.CreatedAt), IdentityVersion: i.IdentityVersion, TierID: i.TierID,
			Status: identityStatusNames[i.Status], DeletionGracePeriodEndsAt: toWireTimePtr(i.DeletionGracePeriodEndsAt),
		}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "is-identity-deleted",
		Method:      http.MethodGet,
		Path:        "/api/v2/Identities/IsDeleted",
		Summary:     "Tell whether the identity of a device username is deleted",
		Tags:        []string{"Identities"},
	}, authNone), func(ctx context.Context, in *isDeletedInput) (*isDeletedOutput, error) {
		s, err := h.b.Identities.IsDeleted(ctx, in.Username)
		if err != nil {
			return nil, err
		}
		return &isDeletedOutput{Body: result[isDeletedDTO]{isDeletedDTO{IsDeleted: s.IsDeleted, DeletionDate: toWireTimePtr(s.DeletionDate)}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID:   "set-feature-flags",
		Method:        http.MethodPatch,
		Path:          "/api/v2/Identities/Self/FeatureFlags",
		Summary:       "Set feature flags of the caller's identity",
		Description:   "Flags named in the body are set; the others stay as they are.",
		Tags:          []string{"Identities"},
		DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *setFeatureFlagsInput) (*struct{}, error) {
		if in.Body == nil {
			return nil, missing("body")
		}
		return nil, h.b.Identities.SetFeatureFlags(ctx, caller(ctx), in.Body)
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-feature-flags",
		Method:      http.MethodGet,
		Path:        "/api/v2/Identities/{address}/FeatureFlags",
		Summary:     "Get the feature flags of an identity",
		Tags:        []string{"Identities"},
	}, authRequired), func(ctx context.Context, in *getFeatureFlagsInput) (*featureFlagsOutput, error) {
		flags, err := h.b.Identities.FeatureFlags(ctx, caller(ctx), in.Address)
		if err != nil {
			return nil, err
		}
		return &featureFlagsOutput{Body: result[map[string]bool]{flags}}, nil
	})
}

func (h *handlers) createIdentity(ctx context.Context, in *createIdentityInput) (*createIdentityOutput, error) {
	b := in.Body
	if b.ClientSecret == nil && b.ClientID != nil {
		return nil, missing("clientSecret")
	}
	req, err := identityCreation(b.ClientID, b.IdentityPublicKey, b.DevicePassword, b.IdentityVersion, b.SignedChallenge, b.DeviceCommunicationLanguage)
	if err != nil {
		return nil, err
	}
	req.ClientSecret = *b.ClientSecret
	created, err := h.b.Identities.Create(ctx, req)
	if err != nil {
		return nil, err
	}
	return createdIdentity(created), nil
}

// identityCreation checks the fields both APIs take to create an identity
// and maps them to the service's request.
func identityCreation(clientID *string, publicKey *wireBytes, password *string, version *wireInt, challenge *signedChallengeDTO, language string) (backbone.CreateIdentityRequest, error) {
	switch {
	case clientID == nil:
		return backbone.CreateIdentityRequest{}, missing("clientId")
	case publicKey == nil:
		return backbone.CreateIdentityRequest{}, missing("identityPublicKey")
	case password == nil:
		return backbone.CreateIdentityRequest{}, missing("devicePassword")
	case version == nil:
		return backbone.CreateIdentityRequest{}, missing("identityVersion")
	}
	sc, err := challenge.toDomain("signedChallenge")
	if err != nil {
		return backbone.CreateIdentityRequest{}, err
	}
	return backbone.CreateIdentityRequest{
		ClientID: *clientID, IdentityPublicKey: *publicKey, DevicePassword: *password,
		IdentityVersion: int(*version), SignedChallenge: sc, DeviceCommunicationLanguage: language,
	}, nil
}

func createdIdentity(created backbone.CreatedIdentity) *createIdentityOutput {
	var dto createdIdentityDTO
	dto.Address, dto.CreatedAt = created.Address, toWireTime(created.CreatedAt)
	dto.Device.ID, dto.Device.Username, dto.Device.CreatedAt = created.Device.ID, created.Device.Username, toWireTime(created.Device.CreatedAt)
	return &createIdentityOutput{Body: result[createdIdentityDTO]{dto}}
}
