package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// SignedChallengeDTO is a challenge JSON string and the signature over it.
type SignedChallengeDTO struct {
	Challenge *string `json:"challenge" doc:"the challenge JSON exactly as signed"`
	Signature *Bytes  `json:"signature" doc:"base64 of the signature wrapper JSON {\"sig\":…,\"alg\":…}"`
}

func (s *SignedChallengeDTO) toDomain(property string) (backbone.SignedChallenge, error) {
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
		IdentityPublicKey           *Bytes              `json:"identityPublicKey" doc:"base64 of the public key wrapper JSON {\"pub\":…,\"alg\":…}"`
		DevicePassword              *string             `json:"devicePassword"`
		IdentityVersion             *Int                `json:"identityVersion" minimum:"0" maximum:"255"`
		SignedChallenge             *SignedChallengeDTO `json:"signedChallenge"`
		DeviceCommunicationLanguage string              `json:"deviceCommunicationLanguage,omitempty" doc:"ISO 639-1, default en"`
	}
}

// CreatedIdentityDTO is the answer to identity creation.
type CreatedIdentityDTO struct {
	Address   string `json:"address"`
	CreatedAt Time   `json:"createdAt"`
	Device    struct {
		ID        string `json:"id"`
		Username  string `json:"username"`
		CreatedAt Time   `json:"createdAt"`
	} `json:"device"`
}

type createIdentityOutput struct {
	Body Result[CreatedIdentityDTO]
}

// IdentityDTO is the caller's own identity.
type IdentityDTO struct {
	Address                   string `json:"address"`
	CreatedAt                 Time   `json:"createdAt"`
	IdentityVersion           int    `json:"identityVersion"`
	TierID                    string `json:"tierId"`
	Status                    string `json:"status" enum:"Active,ToBeDeleted,Deleting"`
	DeletionGracePeriodEndsAt *Time  `json:"deletionGracePeriodEndsAt"`
}

var identityStatusNames = map[backbone.IdentityStatus]string{
	backbone.IdentityActive: "Active", backbone.IdentityToBeDeleted: "ToBeDeleted", backbone.IdentityDeleting: "Deleting",
}

type identityOutput struct {
	Body Result[IdentityDTO]
}

type isDeletedInput struct {
	Username string `query:"username" required:"true"`
}

// IsDeletedDTO tells whether an identity is deleted.
type IsDeletedDTO struct {
	IsDeleted    bool  `json:"isDeleted"`
	DeletionDate *Time `json:"deletionDate"`
}

type isDeletedOutput struct {
	Body Result[IsDeletedDTO]
}

type setFeatureFlagsInput struct {
	Body map[string]bool
}

type getFeatureFlagsInput struct {
	Address string `path:"address"`
}

type featureFlagsOutput struct {
	Body Result[map[string]bool]
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
		return &identityOutput{Body: Result[IdentityDTO]{IdentityDTO{
			Address: i.Address, CreatedAt: wireTime(i.CreatedAt), IdentityVersion: i.IdentityVersion, TierID: i.TierID,
			Status: identityStatusNames[i.Status], DeletionGracePeriodEndsAt: wireTimePtr(i.DeletionGracePeriodEndsAt),
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
		return &isDeletedOutput{Body: Result[IsDeletedDTO]{IsDeletedDTO{IsDeleted: s.IsDeleted, DeletionDate: wireTimePtr(s.DeletionDate)}}}, nil
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
		return &featureFlagsOutput{Body: Result[map[string]bool]{flags}}, nil
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
func identityCreation(clientID *string, publicKey *Bytes, password *string, version *Int, challenge *SignedChallengeDTO, language string) (backbone.CreateIdentityRequest, error) {
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
	var dto CreatedIdentityDTO
	dto.Address, dto.CreatedAt = created.Address, wireTime(created.CreatedAt)
	dto.Device.ID, dto.Device.Username, dto.Device.CreatedAt = created.Device.ID, created.Device.Username, wireTime(created.Device.CreatedAt)
	return &createIdentityOutput{Body: Result[CreatedIdentityDTO]{dto}}
}
